"""billing_issue --processes 2 on PostgreSQL: every family billed once, numbers gapless, PDFs made."""

import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import Invoice, InvoicePdf
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.tests.factories import current_season
from families.models import Family
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="processes need PostgreSQL"),
]


def test_two_processes_bill_each_family_once_with_gapless_numbers_and_pdfs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    rules = BillingSettingsFactory(invoice_prefix="MAL")
    tariff_grid(rules.site)
    for _ in range(6):
        family = FamilyFactory(site=rules.site)
        guardian_of(family, is_payer=True)
        enrol(StudentFactory(family=family))

    call_command(
        "billing_issue",
        "--site",
        rules.site.slug,
        "--season",
        current_season().label,
        "--processes",
        "2",
        "-v",
        "0",
    )

    invoices = Invoice.objects.filter(site=rules.site)
    assert sorted(invoices.values_list("family_id", flat=True)) == sorted(
        Family.objects.filter(site=rules.site).values_list("pk", flat=True)
    )
    assert sorted(invoices.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert InvoicePdf.objects.filter(invoice__in=invoices).count() == 6
