"""SEPA export benchmark: time to export 10,000 direct debits to one pain.008 file (goal < 5 s).

Run: ``.venv/bin/python bench/sepa.py [COUNT]``. It uses the test settings and a temporary
SQLite database (or ``DATABASE_URL`` if set), builds COUNT families with a mandate in force, an
instalment due and a pre-notification sent in time, then times ``export_direct_debits``: the
selection, the decryption of every IBAN, the XML, its XSD validation, the file and the rows.
It prints timings and asserts nothing.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="tutti-bench-sepa-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
COLLECTION = datetime.date(2026, 10, 15)
TODAY = datetime.date(2026, 9, 20)


def build(count: int):
    from billing import crypto
    from billing.models import Instalment, Invoice, Mandate
    from billing.payment_models import DebitPrenotification, MandateDetails
    from extranet.base.models import PaymentMeans, Season, Site
    from families.models import Family

    site = Site.objects.create(
        name="Conservatoire de Malakoff",
        slug="malakoff",
        sepa_creditor_name="Conservatoire de Malakoff",
        sepa_creditor_identifier="FR72ZZZ123456",
        sepa_iban="FR7614508059450000000000081",
        sepa_bic="CCBPFRPPVER",
    )
    season, _ = Season.objects.get_or_create(
        label="2026/2027",
        defaults={"starts_on": datetime.date(2026, 9, 1), "ends_on": datetime.date(2027, 6, 30)},
    )
    means = PaymentMeans.objects.get(code="direct_debit")
    iban = "FR7630006000011234567890189"
    encrypted, fingerprint = crypto.encrypt(iban), crypto.fingerprint(iban)
    sent = timezone.make_aware(datetime.datetime(2026, 9, 1, 9))
    with transaction.atomic():
        families = Family.objects.bulk_create(
            Family(site=site, name=f"FAMILLE{n:05d}", payment_means=means) for n in range(count)
        )
        mandates = Mandate.objects.bulk_create(
            Mandate(
                family=family,
                reference=f"TUTTI-MALAKOFF-2026-{n:010d}",
                holder_name=f"Parent {n}",
                iban="FR76••••••••••••••••••••189",
                bic="AGRIFRPPXXX",
                signed_on=datetime.date(2026, 9, 5),
            )
            for n, family in enumerate(families)
        )
        MandateDetails.objects.bulk_create(
            MandateDetails(
                mandate=mandate,
                state=MandateDetails.State.ACTIVE,
                iban_encrypted=encrypted,
                iban_fingerprint=fingerprint,
            )
            for mandate in mandates
        )
        invoices = Invoice.objects.bulk_create(
            Invoice(
                site=site,
                family=family,
                season=season,
                year=2026,
                sequence=n + 1,
                number=f"F2026-{n + 1:05d}",
                billing_mode=3,
                payer_name=family.name,
                payer_address="1 rue de la Paix\n92240 Malakoff",
                site_name=site.name,
                site_address="44 rue Marceau\n92240 Malakoff",
                total=Decimal("150.00"),
            )
            for n, family in enumerate(families)
        )
        instalments = Instalment.objects.bulk_create(
            Instalment(invoice=invoice, rank=1, due_on=COLLECTION, amount=Decimal("50.00") + n % 100)
            for n, invoice in enumerate(invoices)
        )
        DebitPrenotification.objects.bulk_create(
            DebitPrenotification(
                instalment=instalment,
                mandate=mandate,
                debit_on=COLLECTION,
                amount=instalment.amount,
                sent_at=sent,
            )
            for instalment, mandate in zip(instalments, mandates, strict=True)
        )
    return site


def main() -> None:
    from billing.sepa import export_direct_debits

    call_command("migrate", verbosity=0)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    site = build(COUNT)
    print(
        f"setup: {COUNT} families, mandates, instalments, pre-notifications in {time.perf_counter() - started:.1f} s"
    )
    for version in ("001.08", "001.02"):
        started = time.perf_counter()
        result = export_direct_debits(
            site=site,
            collection_date=COLLECTION,
            version=version,
            today=TODAY,
            dry_run=True,
            output_dir=WORKDIR,
        )
        print(
            f"pain.008 {version} dry run (select, decrypt, build, XSD-validate): {result.transactions} debits, "
            f"{result.control_sum} €, {len(result.xml) / 1e6:.1f} MB in {time.perf_counter() - started:.2f} s"
        )
    started = time.perf_counter()
    result = export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=WORKDIR)
    elapsed = time.perf_counter() - started
    print(
        f"export of {result.transactions} direct debits (pain.008.001.08, validated, written, rows recorded): "
        f"{elapsed:.2f} s (goal < 5 s)"
    )
    started = time.perf_counter()
    again = export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=WORKDIR)
    print(f"second export: {again.transactions} debits added in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
