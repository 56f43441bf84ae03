"""The secretariat's admin: every screen opens, in French, at a fixed cost, and money stays frozen."""

import io

import pytest
from django.contrib import admin
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice
from billing.tests.factories import (
    InstalmentFactory,
    InvoiceLineFactory,
    MandateFactory,
    PaymentFactory,
    TariffFactory,
    populate_billing,
)
from billing.tests.payment_factories import populate_payments
from extranet.base.audit import diff, record_changes, snapshot
from extranet.base.models import OutboundEmail, Season, User
from extranet.base.scoping import scope_to_staff, site_path
from extranet.tests.factories import ChangeRecordFactory, OutboundEmailFactory
from families.models import Family
from families.tests.factories import FamilyFactory, guardian_of
from students.models import Course
from students.tests.factories import EnrolmentFactory, RepertoireEntryFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    family = Family.objects.get(name="DEMO")
    line = InvoiceLineFactory(invoice__family=family, invoice__site=family.site)
    PaymentFactory(instalment=InstalmentFactory(invoice=line.invoice))
    MandateFactory(family=line.invoice.family)
    populate_payments(
        family, InstalmentFactory(invoice=line.invoice), User.objects.get(identifier="admin", site=None)
    )
    TariffFactory(site=line.invoice.site)
    populate_billing(
        line.invoice, EnrolmentFactory(student__family=family, course__pole__site=family.site), None
    )
    ChangeRecordFactory(target=family, actor=User.objects.get(identifier="famille.demo"))
    OutboundEmailFactory(site=family.site)


@pytest.fixture
def secretariat(demo, client):
    client.force_login(User.objects.get(identifier="secretariat", site=None))
    return client


@pytest.fixture
def superuser(demo, client):
    client.force_login(User.objects.get(identifier="admin", site=None))
    return client


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_admin_index_is_in_french_for_the_secretariat(secretariat):
    response = secretariat.get(reverse("admin:index"))
    assert response.status_code == 200
    content = response.content.decode()
    for heading in ["Familles", "Responsables", "Élèves", "Cours", "Factures", "Actualités", "Saisons"]:
        assert heading in content


def test_the_secretariat_opens_every_changelist_and_every_change_page(secretariat):
    user = User.objects.get(identifier="secretariat", site=None)
    for model in admin.site._registry:
        response = secretariat.get(changelist_url(model))
        assert response.status_code == 200, model._meta.label
        request = RequestFactory().get("/admin/")
        request.user = user
        obj = admin.site._registry[model].get_queryset(request).first()
        if site_path(model) is not None and model._meta.label != "axes.AccessAttempt":
            assert obj is not None, f"no {model._meta.label} of Malakoff to open"
        if obj is not None:
            assert secretariat.get(change_url(obj)).status_code == 200, model._meta.label


def test_the_secretariat_is_not_a_superuser_and_cannot_manage_logins(secretariat):
    user = User.objects.get(identifier="famille.demo")
    response = secretariat.post(change_url(user), {"identifier": "pirate"})
    assert response.status_code == 403
    assert secretariat.get(reverse("admin:auth_group_add")).status_code == 403


def test_nobody_deletes_an_invoice(secretariat, client):
    invoice = Invoice.objects.filter(family__external_reference="DEMO").latest("pk")
    delete_url = reverse("admin:billing_invoice_delete", args=[invoice.pk])
    assert secretariat.get(delete_url).status_code == 403
    assert secretariat.post(delete_url, {"post": "yes"}).status_code == 403
    response = secretariat.get(changelist_url(Invoice))
    assert "delete_selected" not in response.content.decode()
    client.force_login(User.objects.get(identifier="admin"))
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_an_issued_invoice_is_read_only(superuser):
    invoice = Invoice.objects.filter(family__external_reference="DEMO").latest("pk")
    response = superuser.get(change_url(invoice))
    assert response.status_code == 200
    assert invoice.number in response.content.decode()
    assert 'name="payer_name"' not in response.content.decode()
    assert superuser.post(change_url(invoice), {"payer_name": "Autre"}).status_code == 403
    assert superuser.get(reverse("admin:billing_invoice_add")).status_code == 403
    invoice.refresh_from_db()
    assert invoice.payer_name != "Autre"


@pytest.mark.parametrize(
    ("staff", "query", "expected"),
    [
        ("secretariat", "famille.demo2", "DEMO"),
        ("secretariat", "marc.voisin@example.fr", "VOISIN"),
        ("secretariat.loire", "Loire", "LOIRE"),
    ],
)
def test_families_are_found_by_name_identifier_or_email(demo, client, staff, query, expected):
    client.force_login(User.objects.get(identifier=staff, site=None))
    response = client.get(changelist_url(Family), {"q": query})
    assert [family.name for family in response.context["cl"].result_list] == [expected]


def test_guardians_are_found_by_identifier(secretariat):
    response = secretariat.get(reverse("admin:families_guardian_changelist"), {"q": "famille.voisin"})
    assert [str(guardian) for guardian in response.context["cl"].result_list] == ["VOISIN Marc"]


def test_a_family_page_shows_who_changed_what(secretariat):
    family = Family.objects.get(name="DEMO")
    guardian = family.guardians.get(user__identifier="famille.demo")
    before = snapshot(family, ["city"])
    family.city = "Vanves"
    record_changes(actor=guardian.user, instance=family, changes=diff(family, before))
    content = secretariat.get(change_url(family)).content.decode()
    assert "Historique des modifications" in content
    assert "famille.demo (malakoff)" in content
    assert "Malakoff" in content and "Vanves" in content


def test_a_course_shows_places_taken(secretariat):
    response = secretariat.get(
        changelist_url(Course),
        {"q": "Danse classique cycle 1", "season__id__exact": Season.objects.current().pk},
    )
    content = response.content.decode()
    assert "Inscrits / places" in content
    assert "2 / 2 (complet)" in content  # Léo DEMO and Noah VOISIN: the next one waits


CHANGELISTS = [
    "families.Family",
    "families.Guardian",
    "students.Student",
    "students.Course",
    "students.Enrolment",
    "students.RepertoireEntry",
    "billing.Invoice",
    "billing.Payment",
    "billing.Mandate",
    "extranet.User",
    "extranet.ChangeRecord",
    "extranet.OutboundEmail",
]


@pytest.mark.parametrize("label", CHANGELISTS)
def test_a_changelist_costs_the_same_whatever_the_number_of_rows(secretariat, label):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    url = changelist_url(model)
    count_queries(secretariat, url)  # warm the caches (content types, sessions)
    before = count_queries(secretariat, url)
    site = Family.objects.get(name="DEMO").site
    visible = scope_to_staff(model._default_manager.all(), User.objects.get(identifier="secretariat")).count
    rows = visible()
    for _ in range(3):
        family = FamilyFactory(site=site)
        guardian = guardian_of(family, is_payer=True)
        student = StudentFactory(family=family)
        EnrolmentFactory(student=student, course__pole__site=site)
        RepertoireEntryFactory(student=student)
        line = InvoiceLineFactory(invoice__family=family, invoice__site=site, student=student)
        PaymentFactory(instalment=InstalmentFactory(invoice=line.invoice), recorded_by=guardian.user)
        MandateFactory(family=family)
        ChangeRecordFactory(target=family, actor=guardian.user)
        OutboundEmailFactory(site=site)
    assert visible() > rows, "the new rows are on the secretariat's site"
    assert count_queries(secretariat, url) == before


def test_resending_an_abandoned_email(secretariat, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = OutboundEmailFactory(
        site=Family.objects.get(name="DEMO").site,
        state=OutboundEmail.State.FAILED,
        attempts=8,
        to=["claire@example.fr"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat.post(
            changelist_url(OutboundEmail), {"action": "resend", "_selected_action": [email.pk]}, follow=True
        )
    assert "1 e-mail remis dans la file d&#x27;envoi." in response.content.decode()
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert [message.to for message in mail.outbox] == [["claire@example.fr"]]


def test_a_superuser_creates_a_family_login_with_a_password(superuser):
    site = Family.objects.get(name="DEMO").site
    response = superuser.post(
        reverse("admin:extranet_user_add"),
        {
            "site": site.pk,
            "identifier": "famille.nouvelle",
            "first_name": "Anne",
            "last_name": "Nouvelle",
            "email": "anne@example.fr",
            "usable_password": "true",
            "password1": "Bienvenue2026",
            "password2": "Bienvenue2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(identifier="famille.nouvelle")
    assert user.site == site and user.check_password("Bienvenue2026")
    assert superuser.get(reverse("admin:auth_user_password_change", args=[user.pk])).status_code == 200


def test_a_login_differing_only_in_case_is_refused_on_the_same_site(superuser):
    site = Family.objects.get(name="DEMO").site
    response = superuser.post(
        reverse("admin:extranet_user_add"),
        {
            "site": site.pk,
            "identifier": "Famille.Demo",
            "usable_password": "true",
            "password1": "Bienvenue2026",
            "password2": "Bienvenue2026",
        },
    )
    assert response.status_code == 200
    assert "Cet identifiant est déjà utilisé sur ce site." in response.content.decode()
    assert not User.objects.filter(identifier="Famille.Demo").exists()
