"""Every page and state a family sees, for the checks that visit them all (axe-core, Nu Html Checker).

``make_portal()`` builds the data the pages need (read before Playwright starts); ``PAGES`` lists
(id, needs a login, how to reach the state from the base URL). A step only drives the browser:
it never touches the database (see tests.browser.chromium_page).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from billing.tests.factories import InstalmentFactory, InvoiceFactory, PaymentFactory
from documents.models import Document
from documents.tests.factories import DocumentFactory, image_document, pdf_bytes
from extranet.tests.factories import (
    NewsFactory,
    PoleFactory,
    SeasonFactory,
    SiteFactory,
    civility,
    current_season,
)
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, ReenrolmentFactory, WindowFactory
from students.models import CourseCategory
from students.tests.factories import (
    CourseFactory,
    CycleFactory,
    DisciplineFactory,
    EnrolmentFactory,
    RepertoireEntryFactory,
    StudentFactory,
)


@dataclass
class Portal:
    """What the pages need from the database, read before Playwright starts."""

    identifier: str
    lea: int
    tom: int
    reset_url: str


def make_portal() -> "Portal":
    """A family of the Malakoff site during an open re-enrolment window for 2026/2027.

    Léa plays the piano (a course that carries on next season, with repertoire and past
    seasons); Tom dances and has sent his re-enrolment. The family has documents in every
    state, an invoice in three instalments and news from the secretariat.
    """
    current = current_season()
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    site.house_rules.save("reglement-interieur.pdf", ContentFile(pdf_bytes("Règlement intérieur")))
    window = WindowFactory(site=site)
    pole = PoleFactory(site=site, name="Pôle Centre")
    family = FamilyFactory(site=site, name="MARTIN")
    guardian = guardian_of(
        family, first_name="Claire", last_name="Martin", civility=civility("mme"), is_payer=True
    )
    guardian_of(family, first_name="Paul", last_name="Martin", civility=civility("m"))

    piano = DisciplineFactory(name="Piano", slug="piano")
    cycle = CycleFactory(name="Cycle 1", order=3)
    piano_now = CourseFactory(
        season=current,
        pole=pole,
        discipline=piano,
        cycle=cycle,
        name="Piano Cycle 1",
        teacher_name="M. Durand",
    )
    NextCourseFactory(pole=pole, discipline=piano, cycle=cycle, name="Piano Cycle 1", continues=piano_now)
    NextCourseFactory(
        pole=pole,
        discipline=DisciplineFactory(name="Chœur", slug="choeur"),
        category=CourseCategory.COLLECTIVE,
        name="Chœur d'enfants",
    )
    lea = StudentFactory(family=family, first_name="Léa", last_name="Martin")
    EnrolmentFactory(student=lea, course=piano_now)
    past = CourseFactory(
        season=SeasonFactory(start_year=2024), pole=pole, discipline=piano, name="Éveil musical"
    )
    EnrolmentFactory(student=lea, course=past)
    RepertoireEntryFactory(student=lea, work="Sonatine op. 36 n° 1")

    dance = DisciplineFactory(name="Danse classique", slug="danse-classique", is_dance=True)
    dance_now = CourseFactory(season=current, pole=pole, discipline=dance, name="Danse classique 1")
    dance_next = NextCourseFactory(pole=pole, discipline=dance, name="Danse classique 2", continues=dance_now)
    tom = StudentFactory(
        family=family, first_name="Tom", last_name="Martin", birth_date=datetime.date(2016, 5, 2)
    )
    EnrolmentFactory(student=tom, course=dance_now)
    dossier = ReenrolmentFactory(window=window, student=tom, complete_at=None)
    ChoiceFactory(reenrolment=dossier, course=dance_next)

    DocumentFactory(family=family, state=Document.State.SUBMITTED)
    image_document(family=family, student=lea, state=Document.State.VALIDATED)
    image_document(family=family, student=tom, state=Document.State.REFUSED, original_name="tom.png")

    invoice = InvoiceFactory(family=family, total=Decimal("450.00"))
    first = InstalmentFactory(invoice=invoice, rank=1, due_on=datetime.date(2025, 10, 15))
    PaymentFactory(instalment=first)
    InstalmentFactory(invoice=invoice, rank=2, due_on=datetime.date(2026, 1, 15))
    InstalmentFactory(invoice=invoice, rank=3, due_on=datetime.date(2026, 4, 15))

    NewsFactory(
        site=site, title="Réinscriptions 2026/2027", published_at=timezone.now() - datetime.timedelta(days=1)
    )
    user = guardian.user
    reset_url = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return Portal(identifier=user.identifier, lea=lea.pk, tom=tom.pk, reset_url=reset_url)


# ----------------------------------------------------------------------------- pages
# Each page: (id, needs a login, how to reach it from the base URL). The step only drives the
# browser: it never touches the database (see chromium_page).


def _go(path_of, shows):
    """Open the page and wait for a text it must show: axe never checks an error page or an empty one."""

    def step(page, base, portal):
        page.goto(base + path_of(portal))
        expect(page.get_by_text(shows).first).to_be_visible()

    return step


def _submit_empty_login(page, base, portal):
    page.goto(base + reverse("login"))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Saisissez votre identifiant.")).to_be_visible()


def _submit_empty_reset(page, base, portal):
    page.goto(base + reverse("password_reset"))
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#form-errors")).to_be_visible()


def _reset_done(page, base, portal):
    page.goto(base + reverse("password_reset"))
    page.get_by_label("Site").select_option("malakoff")
    page.get_by_label("Identifiant").fill("personne")
    page.get_by_label("E-mail").fill("personne@example.fr")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_be_visible()


def _reset_confirm(page, base, portal):
    page.goto(base + portal.reset_url)
    expect(page.get_by_role("heading", name="Choisir votre mot de passe")).to_be_visible()
    expect(page.locator("#id_new_password1")).to_be_visible()


def _reset_confirm_mismatch(page, base, portal):
    _reset_confirm(page, base, portal)
    page.locator("#id_new_password1").fill("Nouveau2026")
    page.locator("#id_new_password2").fill("Autre2026x")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#form-errors")).to_be_visible()


def _famille_invalid_postal_code(page, base, portal):
    page.goto(base + reverse("family:detail"))
    page.get_by_label("Code postal").fill("9224")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.get_by_label("Code postal")).to_have_attribute("aria-invalid", "true")


def _saved_famille(page, base, portal):
    page.goto(base + reverse("family:detail"))
    page.get_by_label("Ville").fill("Vanves")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Éléments modifiés")).to_be_visible()


def _identity_invalid_postal_code(page, base, portal):
    page.goto(base + reverse("students:identity", args=[portal.lea]))
    page.get_by_label("Code postal").fill("ABCDE")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#form-errors")).to_be_visible()


def _reenrolment_without_rules(page, base, portal):
    page.goto(base + reverse("reenrolment:student", args=[portal.lea]))
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#form-errors")).to_be_visible()


def _documents_empty_upload(page, base, portal):
    page.goto(base + reverse("documents:student", args=[portal.tom]))
    page.locator("#importer").get_by_role("button", name="Importer").click()
    expect(page.locator("#importer").get_by_role("alert")).to_be_visible()


def _password_change_empty(page, base, portal):
    page.goto(base + reverse("password_change"))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#form-errors")).to_be_visible()


def _pupil(tab, student, shows):
    return _go(lambda p: reverse(tab, args=[getattr(p, student)]), shows)


PAGES = [
    # Before login.
    ("connexion", False, _go(lambda p: reverse("login"), "Accès usager")),
    ("connexion-erreurs", False, _submit_empty_login),
    ("mot-de-passe-perdu", False, _go(lambda p: reverse("password_reset"), "Mot de passe perdu")),
    ("mot-de-passe-perdu-erreurs", False, _submit_empty_reset),
    ("mot-de-passe-perdu-envoye", False, _reset_done),
    ("mot-de-passe-perdu-choisir", False, _reset_confirm),
    ("mot-de-passe-perdu-choisir-erreurs", False, _reset_confirm_mismatch),
    (
        "mot-de-passe-perdu-lien-mort",
        False,
        _go(lambda p: reverse("password_reset_confirm", args=["MQ", "x-y"]), "Ce lien n'est plus valable"),
    ),
    (
        "mot-de-passe-perdu-termine",
        False,
        _go(lambda p: reverse("password_reset_complete"), "Votre nouveau mot de passe est enregistré"),
    ),
    (
        "accessibilite-anonyme",
        False,
        _go(lambda p: reverse("accessibility"), "Voies de recours"),
    ),
    # The main tabs.
    ("accueil", True, _go(lambda p: reverse("home"), "Réinscriptions 2026/2027")),
    ("famille", True, _go(lambda p: reverse("family:detail"), "Vos données personnelles")),
    ("famille-erreurs", True, _famille_invalid_postal_code),
    ("famille-enregistree", True, _saved_famille),
    ("famille-documents", True, _go(lambda p: reverse("documents:family"), "Importer un document")),
    ("eleves", True, _go(lambda p: reverse("students:list"), "Piano Cycle 1")),
    ("facturation", True, _go(lambda p: reverse("billing:invoices"), "Échéancier en 3 fois")),
    ("accessibilite", True, _go(lambda p: reverse("accessibility"), "État de conformité")),
    ("mot-de-passe", True, _go(lambda p: reverse("password_change"), "Mot de passe actuel")),
    ("mot-de-passe-erreurs", True, _password_change_empty),
    # Léa: piano this season, carried on next season; no dossier yet, so the re-enrolment form.
    ("lea-identite", True, _pupil("students:identity", "lea", "Autorisation")),
    ("lea-identite-erreurs", True, _identity_invalid_postal_code),
    ("lea-cours", True, _pupil("students:courses", "lea", "M. Durand")),
    ("lea-historique", True, _pupil("students:history", "lea", "Éveil musical")),
    ("lea-repertoire", True, _pupil("students:repertoire", "lea", "Sonatine op. 36 n° 1")),
    ("lea-reinscription", True, _pupil("reenrolment:student", "lea", "Réinscription – Piano Cycle 1")),
    ("lea-reinscription-erreurs", True, _reenrolment_without_rules),
    ("lea-documents", True, _pupil("documents:student", "lea", "Validé")),
    # Tom: dance; dossier sent and incomplete, a refused photo, the medical certificate to hand in.
    ("tom-identite", True, _pupil("students:identity", "tom", "Autorisation")),
    ("tom-cours", True, _pupil("students:courses", "tom", "Danse classique 1")),
    ("tom-historique", True, _pupil("students:history", "tom", "Aucun cours les saisons précédentes")),
    ("tom-repertoire", True, _pupil("students:repertoire", "tom", "Aucune œuvre enregistrée")),
    (
        "tom-reinscription",
        True,
        _pupil("reenrolment:student", "tom", "Réinscription en attente de validation"),
    ),
    ("tom-documents", True, _pupil("documents:student", "tom", "Certificat médical")),
    ("tom-documents-erreurs", True, _documents_empty_upload),
]
