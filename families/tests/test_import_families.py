"""manage.py import_families: the old software's CSV export becomes families, logins and pupils."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from extranet.base.models import User
from extranet.shell.import_columns import COLUMNS, columns_help
from extranet.tests.factories import SiteFactory
from families.models import Family, Guardian, Membership
from families.tests.factories import FamilyFactory, guardian_of
from students.models import Student

pytestmark = pytest.mark.django_db

# Every column but the guardians' profession, category and relationship, which most rows leave out.
HEADER = ",".join(
    name for name in COLUMNS if name not in {"profession", "categorie_socioprofessionnelle", "lien"}
)
ROWS = [
    "F001,MARTIN,responsable,Mme,Martin,Claire,,,claire.martin@example.fr,01 46 12 34 56,06 12 34 56 78,,"
    "12 rue Béranger,92240,Malakoff,oui,,Chèque,3",
    "F001,,responsable,M.,Martin,Julien,,,julien.martin@example.fr,,+33 7 11 22 33 44,01.40.00.00.01,"
    "12 rue Béranger,92240,Malakoff,non,,,",
    "F001,,eleve,Mlle,Martin,Léa,14/03/2015,Clamart,,,,,,,,,,,",
    "F001,,eleve,M.,Martin,Hugo,02/09/2017,Clamart,,,,,,,,,,,",
    "F002,DUPONT,responsable,Madame,Dupont,Claire,,,claire.dupont@example.fr,,0698765432,,"
    "3 rue Pasteur,92170,Vanves,,,direct_debit,8",
    "F002,,eleve,,Dupont,Zoé,30/01/2012,,,,,,,,,,,,",
]


def csv_bytes(*rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    lines = [header, *rows]
    if delimiter != ",":
        lines = [line.replace(",", delimiter) for line in lines]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def run(tmp_path, data: bytes, *args, site="malakoff", command="import_families"):
    path = tmp_path / "familles.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command(command, "--site", site, str(path), *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def failure(tmp_path, data: bytes, *args, site="malakoff"):
    path = tmp_path / "familles.csv"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_families", "--site", site, str(path), *args, stdout=io.StringIO(), stderr=err)
    # The progress bar may have been drawn before a problem found against the database.
    lines = [line for line in err.getvalue().strip().splitlines() if not line.startswith("[")]
    return str(raised.value), lines


def snapshot() -> tuple:
    return (
        list(Family.objects.order_by("pk").values()),
        list(Guardian.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(Student.objects.order_by("pk").values()),
    )


@pytest.fixture
def site():
    return SiteFactory(slug="malakoff", name="Conservatoire de Malakoff")


def test_a_small_file_creates_families_guardians_with_logins_and_pupils(site, tmp_path):
    out, err = run(tmp_path, csv_bytes(*ROWS))

    assert out == (
        "Site malakoff – ajoutés : 2 familles, 3 responsables, 3 élèves ; "
        "mis à jour : 0 famille, 0 responsable, 0 élève ; déjà à jour : 0 famille, 0 responsable, 0 élève."
    )
    assert "[##############################] 2/2 familles" in err
    martin = Family.objects.get(site=site, external_reference="F001")
    assert (martin.name, martin.address, martin.postal_code, martin.city) == (
        "MARTIN",
        "12 rue Béranger",
        "92240",
        "Malakoff",
    )
    assert (martin.billing_mode, martin.payment_means.code) == (3, "cheque")
    dupont = Family.objects.get(site=site, external_reference="F002")
    assert (dupont.billing_mode, dupont.payment_means.code) == (8, "direct_debit")

    claire = Guardian.objects.get(first_name="Claire", last_name="Martin")
    assert claire.site == site
    assert claire.civility.code == "mme"
    assert (claire.phone_home, claire.mobile) == ("0146123456", "0612345678")
    julien = Guardian.objects.get(first_name="Julien")
    assert (julien.civility.code, julien.mobile, julien.phone_work) == ("m", "0711223344", "0140000001")

    assert claire.user.identifier == "claire.martin"
    assert claire.user.site == site
    assert claire.user.email == "claire.martin@example.fr"
    assert not claire.user.has_usable_password()
    assert claire.user.last_login is None
    assert not julien.user.has_usable_password()

    assert list(martin.memberships.filter(is_payer=True).values_list("guardian__first_name", flat=True)) == [
        "Claire"
    ]
    assert martin.memberships.count() == 2
    # Nobody marked payeur: the first guardian of a new family pays.
    assert dupont.memberships.get().is_payer

    lea = Student.objects.get(family=martin, first_name="Léa")
    assert (lea.birth_date, lea.birth_place, lea.civility.code) == (
        datetime.date(2015, 3, 14),
        "Clamart",
        "mlle",
    )
    assert lea.use_guardian_contact
    assert Student.objects.filter(family=dupont).get().first_name == "Zoé"


def test_identifiers_are_generated_in_ascii_and_numbered_when_taken(site, tmp_path):
    existing = guardian_of(FamilyFactory(site=site), first_name="Zoé", last_name="Lefèvre")
    existing.user.identifier = "zoe.lefevre"
    existing.user.save()
    other_site_user = guardian_of(FamilyFactory(), first_name="Noël", last_name="D'Arc-Œuvre")
    other_site_user.user.identifier = "noel.d-arc-oeuvre"
    other_site_user.user.save()
    rows = [
        "F010,,responsable,,Lefèvre,Zoé,,,zoe@example.fr,,,,,,,,,,",
        "F011,,responsable,,LEFEVRE,ZOE,,,autre.zoe@example.fr,,,,,,,,,,",
        "F012,,responsable,,D'Arc-Œuvre,Noël,,,,,,,,,,,,,",
        "F013,,responsable,,Dubois,Jean-Noël,,,,,,,,,,,jn.dubois,,",
    ]

    run(tmp_path, csv_bytes(*rows))

    identifiers = dict(
        Guardian.objects.filter(
            memberships__family__external_reference__in=["F010", "F011", "F012", "F013"]
        ).values_list("memberships__family__external_reference", "user__identifier")
    )
    assert identifiers == {
        "F010": "zoe.lefevre2",
        "F011": "zoe.lefevre3",
        "F012": "noel.d-arc-oeuvre",  # taken on another site only
        "F013": "jn.dubois",
    }
    assert Family.objects.get(external_reference="F012").name == "D'ARC-ŒUVRE"


def test_running_the_same_file_twice_changes_nothing(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    before = snapshot()

    out, _err = run(tmp_path, csv_bytes(*ROWS))

    assert snapshot() == before
    assert out == (
        "Site malakoff – ajoutés : 0 famille, 0 responsable, 0 élève ; "
        "mis à jour : 0 famille, 0 responsable, 0 élève ; déjà à jour : 2 familles, 3 responsables, 3 élèves."
    )


def test_a_changed_phone_updates_the_guardian_and_nothing_else(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    claire = Guardian.objects.get(first_name="Claire", last_name="Martin")
    password, identifier, version = claire.user.password, claire.user.identifier, claire.version
    changed = [ROWS[0].replace("06 12 34 56 78", "07 00 00 00 01"), *ROWS[1:]]

    out, _err = run(tmp_path, csv_bytes(*changed))

    claire.refresh_from_db()
    claire.user.refresh_from_db()
    assert claire.mobile == "0700000001"
    assert claire.version == version + 1
    assert (claire.user.password, claire.user.identifier) == (password, identifier)
    assert "mis à jour : 0 famille, 1 responsable, 0 élève" in out
    assert Guardian.objects.count() == 3


def test_changed_family_and_pupil_values_update_them_and_empty_cells_erase_nothing(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    changed = [
        ROWS[0].replace(",Chèque,3", ",card,1"),
        ROWS[1].replace("julien.martin@example.fr", "").replace("01.40.00.00.01", ""),
        ROWS[2].replace("Clamart", "Paris"),
        *ROWS[3:],
    ]

    out, _err = run(tmp_path, csv_bytes(*changed))

    martin = Family.objects.get(external_reference="F001")
    assert (martin.billing_mode, martin.payment_means.code) == (1, "card")
    assert Student.objects.get(first_name="Léa").birth_place == "Paris"
    julien = Guardian.objects.get(first_name="Julien")
    assert (julien.email, julien.phone_work) == ("julien.martin@example.fr", "0140000001")
    assert "mis à jour : 1 famille, 0 responsable, 1 élève" in out


def test_a_semicolon_file_with_a_bom_and_french_headers_works(site, tmp_path):
    header = HEADER.replace("reference_famille", "Référence famille").replace("prenom", "Prénom")

    out, _err = run(tmp_path, csv_bytes(*ROWS, header=header, delimiter=";", bom=True))

    assert out.startswith("Site malakoff – ajoutés : 2 familles, 3 responsables, 3 élèves ;")
    assert Family.objects.filter(site=site, external_reference="F001").exists()
    assert Guardian.objects.filter(first_name="Claire", last_name="Martin").exists()


def test_only_the_required_columns_are_enough(site, tmp_path):
    data = csv_bytes(
        "A1,responsable,Petit,Louise",
        "A1,eleve,Petit,Jade,05/06/2016",
        header="reference_famille,type,nom,prenom,date_naissance",
    )

    run(tmp_path, data)

    louise = Guardian.objects.get(first_name="Louise")
    assert louise.user.identifier == "louise.petit"
    family = Family.objects.get(external_reference="A1")
    assert (family.name, family.billing_mode, family.payment_means) == ("PETIT", 1, None)


def assert_nothing_written(before):
    assert snapshot() == before


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        (
            ROWS,
            HEADER.replace("prenom,", ""),
            "Ligne 1, colonne prenom : Colonne obligatoire absente de l'en-tête.",
        ),
        (
            [ROWS[0].replace(",Mme,", ",Dr,")],
            HEADER,
            "Ligne 2, colonne civilite (« Dr ») : Civilité inconnue. Valeurs possibles : Mme, M., Mlle.",
        ),
        (
            [*ROWS[:4], ROWS[4].replace("92170", "9217")],
            HEADER,
            "Ligne 6, colonne code_postal (« 9217 ») : Le code postal comporte 5 chiffres, par exemple 92240.",
        ),
        (
            [ROWS[0], ROWS[2].replace("14/03/2015", "31/02/2015")],
            HEADER,
            "Ligne 3, colonne date_naissance (« 31/02/2015 ») : Cette date n'existe pas.",
        ),
        (
            [ROWS[0], ROWS[2].replace("14/03/2015", "2015/03/14")],
            HEADER,
            "Ligne 3, colonne date_naissance (« 2015/03/14 ») : Date illisible : écrivez JJ/MM/AAAA, "
            "par exemple 14/03/2015.",
        ),
        (
            [ROWS[0], ROWS[2].replace("14/03/2015", "")],
            HEADER,
            "Ligne 3, colonne date_naissance : La date de naissance d'un élève est obligatoire.",
        ),
        (
            [ROWS[0].replace("claire.martin@example.fr", "claire.martin@")],
            HEADER,
            "Ligne 2, colonne email (« claire.martin@ ») : Saisissez une adresse e-mail valide, "
            "par exemple prenom.nom@exemple.fr.",
        ),
        (
            [ROWS[0], ROWS[1].replace(",non,", ",oui,")],
            HEADER,
            "Ligne 3, colonne payeur (« oui ») : La famille « F001 » a déjà un payeur ligne 2 : "
            "un seul par famille.",
        ),
        (
            [ROWS[0].replace("06 12 34 56 78", "01 46 00 00 00")],
            HEADER,
            "Ligne 2, colonne telephone_portable (« 01 46 00 00 00 ») : Le mobile pour les SMS comporte "
            "exactement 10 chiffres et commence par 06 ou 07, sans rien ajouter après "
            "(par exemple 06 12 34 56 78).",
        ),
        (
            [ROWS[2]],
            HEADER,
            "Ligne 2, colonne type : La famille « F001 » n'a aucun responsable : "
            "ajoutez au moins une ligne de type responsable.",
        ),
        (
            [ROWS[0].replace(",responsable,", ",parent,")],
            HEADER,
            "Ligne 2, colonne type (« parent ») : Écrivez responsable ou eleve.",
        ),
        (
            [ROWS[0].replace(",Chèque,3", ",Chèque,2")],
            HEADER,
            "Ligne 2, colonne echeances (« 2 ») : Écrivez 1, 3 ou 8 (nombre d'échéances).",
        ),
        (
            [ROWS[0], ROWS[1].replace("Julien", "")],
            HEADER,
            "Ligne 3, colonne prenom : Cette cellule est obligatoire.",
        ),
        (
            ROWS,
            HEADER + ",remarque",
            "Ligne 1, colonne remarque : Colonne inconnue. Colonnes reconnues : reference_famille, nom_famille, "
            "type, civilite, nom, prenom, date_naissance, lieu_naissance, email, telephone_domicile, "
            "telephone_portable, telephone_professionnel, adresse, code_postal, ville, profession, "
            "categorie_socioprofessionnelle, lien, payeur, identifiant, mode_paiement, echeances.",
        ),
        (
            [
                ROWS[0],
                ROWS[1]
                .replace("MARTIN", "MARTIN-DURAND", 1)
                .replace(",,responsable", ",MARTIN-D,responsable"),
            ],
            HEADER,
            "Ligne 3, colonne nom_famille (« MARTIN-D ») : La famille « F001 » a déjà « MARTIN » ligne 2.",
        ),
    ],
    ids=[
        "missing column",
        "unknown civility",
        "bad postal code",
        "impossible date",
        "unreadable date",
        "missing birth date",
        "bad email",
        "two payers",
        "landline as mobile",
        "no guardian",
        "unknown type",
        "bad instalments",
        "missing first name",
        "unknown column",
        "two family names",
    ],
)
def test_bad_input_is_reported_by_line_and_column_and_nothing_is_written(
    site, tmp_path, rows, header, expected
):
    before = snapshot()

    message, lines = failure(tmp_path, csv_bytes(*rows, header=header))

    assert expected in lines
    assert (
        message
        == f"{len(lines)} erreur{'s' if len(lines) > 1 else ''} dans familles.csv : rien n'a été enregistré."
    )
    assert_nothing_written(before)


def test_every_bad_row_is_reported_not_only_the_first(site, tmp_path):
    rows = [ROWS[0].replace("92240", "ABCDE"), ROWS[1], ROWS[2].replace("14/03/2015", "hier"), *ROWS[3:]]

    message, lines = failure(tmp_path, csv_bytes(*rows))

    assert lines == [
        "Ligne 2, colonne code_postal (« ABCDE ») : Le code postal comporte 5 chiffres, par exemple 92240.",
        "Ligne 4, colonne date_naissance (« hier ») : Date illisible : écrivez JJ/MM/AAAA, par exemple 14/03/2015.",
    ]
    assert message == "2 erreurs dans familles.csv : rien n'a été enregistré."
    assert Family.objects.count() == 0


def test_one_bad_row_among_good_ones_writes_nothing_even_for_known_families(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    before = snapshot()
    rows = [
        ROWS[0].replace("06 12 34 56 78", "07 00 00 00 01"),
        *ROWS[1:],
        "F003,,eleve,,Petit,Jade,01/01/2016",
    ]

    message, lines = failure(tmp_path, csv_bytes(*rows))

    assert lines == [
        "Ligne 8, colonne type : La famille « F003 » n'a aucun responsable : "
        "ajoutez au moins une ligne de type responsable."
    ]
    assert_nothing_written(before)


def test_an_unknown_site_is_refused(site, tmp_path):
    with pytest.raises(CommandError, match="Site inconnu : « lyon ». Sites connus : malakoff."):
        run(tmp_path, csv_bytes(*ROWS), site="lyon")
    assert Family.objects.count() == 0


def test_an_empty_file_is_refused(site, tmp_path):
    message, lines = failure(tmp_path, b"")

    assert lines == ["Le fichier est vide : aucune ligne à importer."]
    assert message == "1 erreur dans familles.csv : rien n'a été enregistré."


def test_a_file_with_only_the_header_is_refused(site, tmp_path):
    _message, lines = failure(tmp_path, csv_bytes())

    assert lines == ["Le fichier ne contient que l'en-tête : aucune famille à importer."]


def test_a_file_not_in_utf8_is_refused_with_the_line(site, tmp_path):
    data = csv_bytes(*ROWS).decode("utf-8").encode("cp1252")

    _message, lines = failure(tmp_path, data)

    assert lines == [
        "Ligne 2 : Le fichier n'est pas en UTF-8 (caractère illisible). Enregistrez-le au format "
        "« CSV UTF-8 » depuis le tableur, puis recommencez."
    ]
    assert Family.objects.count() == 0


def test_a_missing_file_is_a_clear_error(site, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire le fichier"):
        call_command(
            "import_families", "--site", "malakoff", str(tmp_path / "absent.csv"), stderr=io.StringIO()
        )


def test_dry_run_writes_nothing_and_says_what_would_happen(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS[:4]))
    before = snapshot()
    rows = [ROWS[0].replace("06 12 34 56 78", "07 00 00 00 01"), *ROWS[1:]]

    out, _err = run(tmp_path, csv_bytes(*rows), "--dry-run")

    assert_nothing_written(before)
    assert out == (
        "Simulation, rien n'a été enregistré. Site malakoff – seraient ajoutés : 1 famille, 1 responsable, "
        "1 élève ; seraient mis à jour : 0 famille, 1 responsable, 0 élève ; "
        "déjà à jour : 1 famille, 1 responsable, 2 élèves."
    )


def test_dry_run_still_reports_bad_rows(site, tmp_path):
    _message, lines = failure(tmp_path, csv_bytes(ROWS[0].replace("92240", "922")), "--dry-run")

    assert lines == [
        "Ligne 2, colonne code_postal (« 922 ») : Le code postal comporte 5 chiffres, par exemple 92240."
    ]


def test_a_separated_parent_in_two_families_is_one_guardian_in_both(site, tmp_path):
    rows = [
        *ROWS,
        # Julien has a new household; same email and name: the same person.
        "F003,MARTIN,responsable,M.,MARTIN,Julien,,,Julien.Martin@example.fr,,07 11 22 33 44,,"
        "8 rue Voltaire,92240,Malakoff,oui,,,",
        "F003,,eleve,,Martin,Tom,01/06/2021,,,,,,,,,,,,",
    ]

    out, _err = run(tmp_path, csv_bytes(*rows))

    julien = Guardian.objects.get(first_name="Julien")
    assert sorted(julien.families.values_list("external_reference", flat=True)) == ["F001", "F003"]
    assert julien.memberships.get(family__external_reference="F003").is_payer
    assert not julien.memberships.get(family__external_reference="F001").is_payer
    assert "ajoutés : 3 familles, 3 responsables, 4 élèves" in out
    # The second household's address is the family's; Julien keeps his first one.
    assert Family.objects.get(external_reference="F003").address == "8 rue Voltaire"
    assert julien.address == "12 rue Béranger"


def test_a_separated_parent_with_two_different_mobiles_is_reported(site, tmp_path):
    rows = [
        ROWS[0],
        ROWS[1],
        "F003,,responsable,M.,Martin,Julien,,,julien.martin@example.fr,,06 99 99 99 99,,8 rue Voltaire,,,,,,",
    ]

    _message, lines = failure(tmp_path, csv_bytes(*rows))

    assert lines == [
        "Ligne 4, colonne telephone_portable (« 0699999999 ») : La même personne a « 0711223344 » ligne 3."
    ]


def test_a_guardian_already_on_the_site_joins_the_new_family_by_identifier(site, tmp_path):
    family = FamilyFactory(site=site, external_reference="OLD1")
    known = guardian_of(family, first_name="Nadia", last_name="Giraud", is_payer=True)
    password = known.user.password
    rows = [
        f"F020,GIRAUD,responsable,,Giraud,Nadia,,,,,,,,,,,{known.user.identifier.upper()},,",
        "F020,,eleve,,Giraud,Inès,09/09/2014,,,,,,,,,,,,",
    ]

    out, _err = run(tmp_path, csv_bytes(*rows))

    assert Guardian.objects.filter(first_name="Nadia").count() == 1
    known.refresh_from_db()
    assert sorted(known.families.values_list("external_reference", flat=True)) == ["F020", "OLD1"]
    assert known.user.password == password
    assert "ajoutés : 1 famille, 0 responsable, 1 élève" in out
    assert "déjà à jour : 0 famille, 1 responsable, 0 élève" in out


def test_an_identifier_of_someone_else_is_refused(site, tmp_path):
    other = guardian_of(FamilyFactory(site=site), first_name="Nadia", last_name="Giraud")
    row = f"F021,,responsable,,Roux,Paul,,,,,,,,,,,{other.user.identifier},,"

    _message, lines = failure(tmp_path, csv_bytes(row))

    assert lines == [
        f"Ligne 2, colonne identifiant (« {other.user.identifier} ») : "
        "Cet identifiant est déjà celui de Nadia GIRAUD : vérifiez-le."
    ]


def test_a_payer_change_moves_the_single_payer(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    rows = [ROWS[0].replace(",oui,", ",non,"), ROWS[1].replace(",non,", ",oui,"), *ROWS[2:]]

    run(tmp_path, csv_bytes(*rows))

    payers = Membership.objects.filter(family__external_reference="F001", is_payer=True)
    assert list(payers.values_list("guardian__first_name", flat=True)) == ["Julien"]


def test_without_a_payer_column_a_known_family_keeps_its_payer(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    Membership.objects.filter(family__external_reference="F001").update(is_payer=False)
    Membership.objects.filter(family__external_reference="F001", guardian__first_name="Julien").update(
        is_payer=True
    )
    rows = [ROWS[0].replace(",oui,", ",,"), *ROWS[1:]]

    out, _err = run(tmp_path, csv_bytes(*rows))

    payers = Membership.objects.filter(family__external_reference="F001", is_payer=True)
    assert list(payers.values_list("guardian__first_name", flat=True)) == ["Julien"]
    assert "mis à jour : 0 famille, 0 responsable, 0 élève" in out


def test_a_pupil_with_a_corrected_birth_date_is_a_new_pupil_but_a_stored_undated_one_is_completed(
    site, tmp_path
):
    family = FamilyFactory(site=site, external_reference="F030", name="ROBIN")
    guardian_of(family, first_name="Anna", last_name="Robin", email="anna.robin@example.fr")
    undated = Student.objects.create(family=family, last_name="ROBIN", first_name="Malo", birth_date=None)
    rows = [
        "F030,,responsable,,Robin,Anna,,,anna.robin@example.fr,,,,,,,,,,",
        "F030,,eleve,,Robin,Malo,12/12/2013,,,,,,,,,,,,",
    ]

    run(tmp_path, csv_bytes(*rows))

    undated.refresh_from_db()
    assert undated.birth_date == datetime.date(2013, 12, 12)
    assert Student.objects.filter(family=family).count() == 1
    assert Guardian.objects.filter(first_name="Anna").count() == 1


def test_send_credentials_then_counts_the_imported_guardians(site, tmp_path):
    rows = [*ROWS, "F004,,responsable,,Sansmail,Marc,,,,,,,,,,,,,"]
    run(tmp_path, csv_bytes(*rows))

    out = io.StringIO()
    call_command("send_credentials", "--site", "malakoff", "--dry-run", stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip() == (
        "Simulation : 3 e-mails de bienvenue à envoyer sur le site malakoff ; "
        "1 responsable jamais connecté sans adresse e-mail, à contacter autrement."
    )


def test_a_guardian_known_without_an_identifier_cannot_get_a_second_one(site, tmp_path):
    run(tmp_path, csv_bytes(*ROWS))
    rows = [ROWS[0].replace(",oui,,", ",oui,cmartin,"), *ROWS[1:]]

    _message, lines = failure(tmp_path, csv_bytes(*rows))

    assert lines == [
        "Ligne 2, colonne identifiant (« cmartin ») : Claire MARTIN a déjà l'identifiant « claire.martin » : "
        "indiquez celui-ci ou laissez la cellule vide."
    ]


def test_the_same_person_twice_in_a_family_is_reported(site, tmp_path):
    rows = [ROWS[0], ROWS[0].replace(",oui,", ",non,"), ROWS[3], ROWS[3]]

    _message, lines = failure(tmp_path, csv_bytes(*rows))

    assert lines == [
        "Ligne 3, colonne nom (« Claire Martin ») : Cette personne figure déjà ligne 2 dans la famille « F001 ».",
        "Ligne 5, colonne nom (« Hugo Martin ») : Cet élève figure déjà ligne 4 dans la famille « F001 ».",
    ]


def test_a_pupil_with_their_own_contact_does_not_use_the_guardians_one(site, tmp_path):
    rows = [ROWS[0], "F001,,eleve,,Martin,Paul,01/01/2005,,paul.martin@example.fr,,06 55 44 33 22,,,,,,,,"]

    run(tmp_path, csv_bytes(*rows))

    paul = Student.objects.get(first_name="Paul")
    assert (paul.email, paul.mobile, paul.use_guardian_contact) == (
        "paul.martin@example.fr",
        "0655443322",
        False,
    )


def test_excel_sep_line_is_understood(site, tmp_path):
    data = b"sep=;\r\n" + csv_bytes(*ROWS, delimiter=";")

    run(tmp_path, data)

    assert Family.objects.count() == 2


def test_a_stored_guardian_without_a_login_gets_one(site, tmp_path):
    family = FamilyFactory(site=site, external_reference="F001", name="MARTIN")
    claire = Guardian.objects.create(site=site, last_name="MARTIN", first_name="Claire", email="")
    Membership.objects.create(family=family, guardian=claire, is_payer=True)

    out, _err = run(tmp_path, csv_bytes(*ROWS[:4]))

    claire.refresh_from_db()
    assert claire.user.identifier == "claire.martin"
    assert not claire.user.has_usable_password()
    assert claire.email == "claire.martin@example.fr"
    assert (
        "ajoutés : 0 famille, 1 responsable, 2 élèves ; mis à jour : 1 famille, 1 responsable, 0 élève" in out
    )


def households(count: int, start: int = 0) -> list[str]:
    rows = []
    for number in range(start, start + count):
        reference = f"R{number:04d}"
        rows += [
            f"{reference},,responsable,Mme,Nom{number},Claire,,,c{number}@example.fr,,,,,,,oui,,cheque,3",
            f"{reference},,responsable,M.,Nom{number},Paul,,,,,,,,,,,,,",
            f"{reference},,eleve,,Nom{number},Léa,14/03/2015,,,,,,,,,,,,",
        ]
    return rows


def queries_for(tmp_path, rows) -> int:
    with CaptureQueriesContext(connection) as queries:
        run(tmp_path, csv_bytes(*rows))
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_families(site, tmp_path):
    few = queries_for(tmp_path, households(2))
    many = queries_for(tmp_path, households(40, start=100))
    again = queries_for(tmp_path, households(40, start=100))
    updated = queries_for(tmp_path, [row.replace("Claire", "Clara") for row in households(40, start=100)])

    # Twenty times the families, the same statements: only SQLite's cap on parameters per
    # statement splits the larger inserts in two.
    assert many - few <= 2
    assert again < many
    assert updated <= many
    assert Guardian.objects.filter(first_name="Clara").count() == 40


def test_the_help_lists_every_column_the_import_reads():
    listed = columns_help()

    assert all(name in listed for name in COLUMNS)
    assert "reference_famille *" in listed and "nom_famille *" not in listed
