"""issue_invoice / issue_invoices: one frozen invoice per family, gapless numbers, idempotent."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from billing import services
from billing.models import BillingSettings, ChangeRule, Invoice, InvoicePdf, InvoiceSequence
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from documents.models import Document
from documents.tests.factories import DocumentFactory, document_type
from extranet.tests.factories import StaffUserFactory, current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


@pytest.fixture
def site():
    rules = BillingSettingsFactory()
    tariff_grid(rules.site)
    return rules.site


def family_with_pupils(site, count=1, **family_kwargs):
    family = FamilyFactory(site=site, **family_kwargs)
    guardian_of(family, is_payer=True, first_name="Claire", last_name="Martin", email="claire@example.fr")
    pupils = [StudentFactory(family=family, first_name=f"Enfant{n}") for n in range(count)]
    for pupil in pupils:
        enrol(pupil)
    return family, pupils


def issue(site, family, **kwargs):
    return services.issue_invoice(
        site=site, season=current_season(), family=family, actor=StaffUserFactory(), at=AT, **kwargs
    )


def test_an_invoice_copies_the_family_the_site_the_lines_and_the_qf_used(
    site, django_capture_on_commit_callbacks
):
    family, _pupils = family_with_pupils(site, billing_mode=3)

    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(site, family).invoice

    assert invoice.number == "MAL-2025-000001"
    assert invoice.payer_name == "Claire MARTIN"
    assert invoice.payer_address == "12 rue Gabriel Crié\n92240 Malakoff"
    assert invoice.site_name == site.name
    assert invoice.family_name == family.name
    assert invoice.family_quotient is None
    assert "Tranche la plus haute" in invoice.quotient_note
    assert [(line.label, line.amount) for line in invoice.lines.all()] == [
        ("Piano cycle 1", Decimal("360.00"))
    ]
    assert [i.amount for i in invoice.instalments.order_by("rank")] == [Decimal("120.00")] * 3
    assert InvoicePdf.objects.filter(invoice=invoice).exists()
    assert mail.outbox[-1].to == ["claire@example.fr"]


def test_a_validated_qf_attestation_gives_the_family_its_bracket(site):
    family, _pupils = family_with_pupils(site, family_quotient=700)
    DocumentFactory(
        family=family, document_type=document_type("quotient-familial"), state=Document.State.VALIDATED
    )

    invoice = issue(site, family).invoice

    assert invoice.total == Decimal("240.00")
    assert invoice.family_quotient == 700


def test_a_qf_typed_but_not_validated_does_not_count(site):
    family, _pupils = family_with_pupils(site, family_quotient=300)
    DocumentFactory(
        family=family, document_type=document_type("quotient-familial"), state=Document.State.SUBMITTED
    )

    assert issue(site, family).invoice.total == Decimal("360.00")


def test_siblings_get_their_reduction_on_the_invoice(site):
    family, _pupils = family_with_pupils(site, count=3)

    invoice = issue(site, family).invoice

    reductions = [line.amount for line in invoice.lines.filter(kind="reduction")]
    assert reductions == [Decimal("-72.00"), Decimal("-108.00")]
    assert invoice.total == Decimal("360.00") * 3 - Decimal("180.00")


def test_issuing_twice_issues_nothing_new(site):
    family, _pupils = family_with_pupils(site)
    issue(site, family)

    again = issue(site, family)

    assert not again.changed
    assert Invoice.objects.filter(family=family).count() == 1


def test_a_course_added_later_gives_a_supplementary_invoice_for_the_difference(site):
    family, pupils = family_with_pupils(site)
    first = issue(site, family).invoice
    enrol(pupils[0], name="Piano cycle 2")

    result = issue(site, family)

    assert result.invoice.supplements == first
    assert [line.label for line in result.invoice.lines.all()] == ["Piano cycle 2"]
    assert result.invoice.number == "MAL-2025-000002"


def test_a_stopped_course_gives_a_credit_note_by_the_site_s_rule(site):
    BillingSettings.objects.filter(site=site).update(change_rule=ChangeRule.PRO_RATA_TERM)
    family, pupils = family_with_pupils(site, billing_mode=3)
    invoice = issue(site, family).invoice
    enrolment = pupils[0].enrolments.get()

    result = services.stop_course(
        enrolment=enrolment,
        stopped_on=datetime.date(2026, 2, 2),
        actor=StaffUserFactory(),
        reason="Déménagement",
        at=AT,
    )

    credit_note = result.credit_note
    assert credit_note.kind == Invoice.Kind.CREDIT_NOTE
    assert credit_note.cancels == invoice
    assert credit_note.total == Decimal("120.00")  # third term not due
    assert list(invoice.instalments.order_by("rank").values_list("credited", flat=True)) == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("120.00"),
    ]
    assert not issue(site, family).changed


def test_a_missing_tariff_bills_nothing_and_says_why(site):
    family, pupils = family_with_pupils(site)
    enrol(pupils[0], category="eveil", name="Éveil musical")

    result = issue(site, family)

    assert result.invoice is None
    assert "Éveil musical" in result.problems[0]
    assert not InvoiceSequence.objects.filter(last_number__gt=0).exists()


def test_a_dry_run_writes_nothing(site):
    family, _pupils = family_with_pupils(site)

    result = issue(site, family, dry_run=True)

    assert result.invoice_total == Decimal("360.00")
    assert not Invoice.objects.exists()


def test_numbers_follow_each_other_per_site_and_year(site):
    families = [family_with_pupils(site)[0] for _ in range(3)]

    results = services.issue_invoices(site=site, season=current_season(), actor=None, at=AT)

    assert sorted(r.invoice.number for r in results) == [f"MAL-2025-00000{n}" for n in (1, 2, 3)]
    assert len(families) == 3


def test_a_goodwill_credit_stands_when_a_course_is_added_later(site):
    family, pupils = family_with_pupils(site)
    invoice = issue(site, family).invoice
    services.cancel_invoice(
        invoice=invoice,
        reason="Geste commercial",
        actor=None,
        lines=[services.CreditLine(invoice.lines.get(), Decimal("30.00"))],
    )
    enrol(pupils[0], name="Piano cycle 2")

    result = issue(site, family)

    assert result.credit_note is None
    assert [(line.label, line.amount) for line in result.invoice.lines.all()] == [
        ("Piano cycle 2", Decimal("360.00"))
    ]


def test_a_whole_cancellation_voids_the_invoice_and_the_next_run_bills_again(site):
    family, _pupils = family_with_pupils(site)
    invoice = issue(site, family).invoice
    credit_note = services.cancel_invoice(invoice=invoice, reason="Payeur erroné", actor=None)

    again = issue(site, family)

    assert not credit_note.goodwill
    assert again.invoice.total == invoice.total


def test_issuing_hands_the_pdf_to_the_task_runner_after_commit(
    settings, site, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails", "pdfs"]}
    }
    family, _pupils = family_with_pupils(site)

    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(site, family).invoice

    task = DBTaskResult.objects.get(queue_name="pdfs")
    assert task.task_path == "billing.services.render_invoice_pdf"
    assert task.args_kwargs["args"] == [invoice.pk]
    assert not InvoicePdf.objects.filter(invoice=invoice).exists()
    # The worker's run stores it; the family's download then serves those bytes.
    assert services.render_invoice_pdf.call(invoice.pk) is True
    assert InvoicePdf.objects.filter(invoice=invoice).count() == 1
