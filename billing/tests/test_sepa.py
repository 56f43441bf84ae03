"""The pain.008 export: XSD-valid in both versions, never twice, refusals listed with a reason."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from billing import mandates
from billing.payment_errors import PaymentError
from billing.payment_models import DirectDebit, DirectDebitExport, SequenceType
from billing.sepa import export_direct_debits, validate_against_xsd
from billing.tests.factories import PaymentFactory
from billing.tests.payment_factories import (
    IBAN_FR,
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    prenotified,
)
from families.tests.factories import FamilyFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 20)
COLLECTION = datetime.date(2026, 10, 15)
SCHEMA_DIR = Path(xmlschema.__file__).resolve().parent.parent / "sepaxml" / "schemas"


def ready_to_collect(site, *, amount=Decimal("150.00"), days_before=20):
    family = direct_debit_family(site)
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=COLLECTION, amount=amount)
    prenotified(instalment, mandate, days_before=days_before)
    return family, mandate, instalment


def export(site, tmp_path, **kwargs):
    return export_direct_debits(
        site=site, collection_date=COLLECTION, today=TODAY, output_dir=tmp_path, **kwargs
    )


def namespaces(xml: bytes, schema: str) -> dict:
    return {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}


@pytest.mark.parametrize("version, schema", [("001.08", "pain.008.001.08"), ("001.02", "pain.008.001.02")])
def test_the_file_validates_against_the_pain_008_xsd(tmp_path, version, schema):
    site = creditor_site()
    ready_to_collect(site)
    ready_to_collect(site, amount=Decimal("33.34"))

    result = export(site, tmp_path, version=version)

    content = result.path.read_bytes()
    xmlschema.XMLSchema(str(SCHEMA_DIR / f"{schema}.xsd")).validate(content.decode())
    root = etree.fromstring(content)
    ns = namespaces(content, schema)
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "183.34"
    assert root.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns) == "FR72ZZZ123456"
    assert root.findtext(".//p:DrctDbtTxInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == IBAN_FR
    assert result.transactions == 2 and result.control_sum == Decimal("183.34")


def test_running_the_export_again_adds_nothing(tmp_path):
    site = creditor_site()
    ready_to_collect(site)
    export(site, tmp_path)

    again = export(site, tmp_path)

    assert again.transactions == 0 and again.path is None
    assert DirectDebit.objects.count() == 1
    assert DirectDebitExport.objects.count() == 1


def test_a_payer_not_prenotified_14_days_ahead_is_refused_and_named(tmp_path):
    site = creditor_site()
    ready_to_collect(site)
    late, _mandate, _instalment = ready_to_collect(site, days_before=10)

    result = export(site, tmp_path)

    assert result.transactions == 1
    assert [(refusal.family, "pré-notifié" in refusal.reason) for refusal in result.refusals] == [
        (late.name, True)
    ]


def test_a_prenotification_of_another_amount_does_not_count(tmp_path):
    site = creditor_site()
    family = direct_debit_family(site)
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=COLLECTION)
    prenotified(instalment, mandate, amount=Decimal("99.00"))

    result = export(site, tmp_path)

    assert result.transactions == 0 and len(result.refusals) == 1


def test_families_without_a_valid_mandate_are_listed_not_skipped(tmp_path):
    site = creditor_site()
    awaiting = direct_debit_family(site)
    mandates.set_up_mandate(family=awaiting, holder_name="Paul Durand", iban=IBAN_FR, actor=None)
    instalment_due(awaiting, due_on=COLLECTION)
    nothing = direct_debit_family(site)
    instalment_due(nothing, due_on=COLLECTION)
    cheque = FamilyFactory(site=site)
    instalment_due(cheque, due_on=COLLECTION)

    result = export(site, tmp_path)

    assert sorted(refusal.family for refusal in result.refusals) == sorted([awaiting.name, nothing.name])
    assert all("aucun mandat SEPA en vigueur" in refusal.reason for refusal in result.refusals)


def test_a_paid_instalment_is_not_collected_and_a_partly_paid_one_only_for_the_rest(tmp_path):
    site = creditor_site()
    _family, mandate, paid = ready_to_collect(site)
    PaymentFactory(instalment=paid, amount=paid.amount)
    _family2, mandate2, partly = ready_to_collect(site)
    PaymentFactory(instalment=partly, amount=Decimal("50.00"))
    prenotified(partly, mandate2, amount=Decimal("100.00"))

    result = export(site, tmp_path)

    assert [debit.amount for debit in DirectDebit.objects.all()] == [Decimal("100.00")]
    assert result.transactions == 1


def test_first_debit_of_a_mandate_is_frst_then_rcur(tmp_path):
    site = creditor_site()
    family, mandate, _first = ready_to_collect(site)
    export(site, tmp_path)
    november = instalment_due(family, due_on=datetime.date(2026, 11, 15), rank=2)
    prenotified(november, mandate)

    export_direct_debits(
        site=site, collection_date=datetime.date(2026, 11, 15), today=TODAY, output_dir=tmp_path
    )

    assert list(DirectDebit.objects.order_by("collection_date").values_list("sequence_type", flat=True)) == [
        SequenceType.FIRST,
        SequenceType.RECURRENT,
    ]


def test_a_dry_run_validates_but_writes_nothing(tmp_path):
    site = creditor_site()
    ready_to_collect(site)

    result = export(site, tmp_path, dry_run=True)

    assert result.transactions == 1 and result.xml.startswith(b"<?xml")
    assert result.path is None and list(tmp_path.iterdir()) == []
    assert not DirectDebit.objects.exists()


def test_the_debit_rows_keep_only_a_masked_iban(tmp_path):
    site = creditor_site()
    ready_to_collect(site)

    export(site, tmp_path)

    assert DirectDebit.objects.get().masked_iban == "FR76 •••• •••• •••• •••• •••• 189"


def test_a_site_without_creditor_identifier_cannot_export(tmp_path):
    site = creditor_site(sepa_creditor_identifier="")
    ready_to_collect(site)

    with pytest.raises(PaymentError, match="identifiant créancier SEPA"):
        export(site, tmp_path)


def test_the_command_prints_refusals_and_a_one_line_summary(tmp_path, capsys):
    site = creditor_site(slug="malakoff")
    collection = timezone.localdate() + datetime.timedelta(days=20)
    on_time = direct_debit_family(site)
    on_time_mandate = mandate_in_force(on_time)
    prenotified(instalment_due(on_time, due_on=collection), on_time_mandate, days_before=18)
    late = direct_debit_family(site)
    late_mandate = mandate_in_force(late)
    prenotified(instalment_due(late, due_on=collection), late_mandate, days_before=0)

    call_command(
        "billing_sepa_export",
        "--site",
        "malakoff",
        "--due-date",
        collection.isoformat(),
        "--version",
        "001.02",
        "--output-dir",
        str(tmp_path),
    )

    out, err = capsys.readouterr()
    assert f"Non prélevé : {late.name}" in err
    assert "pré-notifié" in err
    assert out.startswith(
        f"1 prélèvement pour 150.00 € le {collection:%d/%m/%Y} sur le site malakoff (pain.008.001.02)"
    )
    assert out.strip().count("\n") == 0
    assert "1 ligne refusée" in out


def test_a_file_that_breaks_the_schema_is_refused_before_it_is_written(tmp_path):
    site = creditor_site()
    ready_to_collect(site)
    valid = export(site, tmp_path, dry_run=True).xml

    broken = valid.replace(b"<SeqTp>FRST</SeqTp>", b"<SeqTp>LAST</SeqTp>")

    with pytest.raises(PaymentError, match="ne respecte pas son schéma XSD"):
        validate_against_xsd(broken, "pain.008.001.08")


def test_sepaxml_own_validation_accepts_the_file_too(tmp_path):
    from sepaxml.validation import try_valid_xml

    site = creditor_site()
    ready_to_collect(site)
    for version, schema in (("001.08", "pain.008.001.08"), ("001.02", "pain.008.001.02")):
        try_valid_xml(export(site, tmp_path, version=version, dry_run=True).xml, schema)
