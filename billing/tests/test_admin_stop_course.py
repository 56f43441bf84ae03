"""The secretariat applies the site's stop rule from an invoice's admin page (``stop_course``)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import BillingSettings, ChangeRule, CourseStop, Invoice
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.base.models import ChangeRecord
from extranet.tests.factories import current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.models import Enrolment
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


@pytest.fixture
def invoice():
    rules = BillingSettingsFactory(change_rule=ChangeRule.PRO_RATA_TERM)
    tariff_grid(rules.site)
    family = FamilyFactory(site=rules.site, billing_mode=3)
    guardian_of(family, is_payer=True)
    pupil = StudentFactory(family=family, first_name="Emma")
    enrol(pupil, name="Piano cycle 1")
    return services.issue_invoice(
        site=rules.site, season=current_season(), family=family, actor=None, at=AT, render_pdf=False
    ).invoice


def stop_url(invoice):
    return reverse("admin:billing_invoice_stop_course", args=[invoice.pk])


def test_the_invoice_page_has_a_button_to_stop_a_course(admin_client, invoice):
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()

    assert stop_url(invoice) in page and "Arrêter un cours" in page


def test_stopping_a_course_issues_the_credit_note_of_the_site_s_rule_and_says_who(
    admin_client, admin_user, invoice
):
    enrolment = Enrolment.objects.get(student__family=invoice.family)

    form = admin_client.get(stop_url(invoice)).content.decode()
    response = admin_client.post(
        stop_url(invoice),
        {"enrolment": enrolment.pk, "stopped_on": "2026-02-02", "reason": "Déménagement"},
        follow=True,
    )

    assert "Emma" in form and "Piano cycle 1" in form
    credit_note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert credit_note.cancels == invoice
    assert credit_note.total == Decimal("120.00")  # the third term is not due
    assert credit_note.issued_by == admin_user
    assert response.redirect_chain[-1][0] == reverse("admin:billing_invoice_change", args=[credit_note.pk])
    assert f"avoir {credit_note.number} de 120,00 € émis" in response.content.decode()
    stop = CourseStop.objects.get(enrolment=enrolment)
    assert (stop.stopped_on, stop.reason, stop.recorded_by) == (
        datetime.date(2026, 2, 2),
        "Déménagement",
        admin_user,
    )
    record = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Enrolment), object_id=enrolment.pk, field="status"
    )
    assert record.actor == admin_user


def test_a_refused_stop_is_shown_as_a_message_and_nothing_is_written(admin_client, invoice):
    enrolment = Enrolment.objects.get(student__family=invoice.family)

    response = admin_client.post(
        stop_url(invoice), {"enrolment": enrolment.pk, "stopped_on": "2030-01-01", "reason": "Déménagement"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "La date d&#x27;arrêt doit être dans la saison" in page
    assert "Déménagement</textarea>" in page  # what was typed is kept
    assert not CourseStop.objects.exists()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_the_full_year_rule_stops_the_course_without_a_credit_note(admin_client, invoice):
    BillingSettings.objects.update(change_rule=ChangeRule.FULL_YEAR)
    enrolment = Enrolment.objects.get(student__family=invoice.family)

    response = admin_client.post(
        stop_url(invoice),
        {"enrolment": enrolment.pk, "stopped_on": "2026-02-02", "reason": "Arrêt"},
        follow=True,
    )

    assert "la règle du site ne rend rien" in response.content.decode()
    assert CourseStop.objects.filter(enrolment=enrolment).exists()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
