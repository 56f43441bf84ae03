"""billing_issue: a progress bar, a one-line summary, and running it twice issues nothing new."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from billing import services
from billing.models import Invoice
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.tests.factories import StaffUserFactory, current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("billing_issue", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def site():
    rules = BillingSettingsFactory()
    tariff_grid(rules.site)
    for _ in range(2):
        family = FamilyFactory(site=rules.site)
        guardian_of(family, is_payer=True)
        enrol(StudentFactory(family=family))
    return rules.site


def test_billing_issue_twice_gives_nothing_new(site):
    season = current_season().label
    first, progress = run("--site", site.slug, "--season", season, "--no-pdf")
    second, _err = run("--site", site.slug, "--season", season, "--no-pdf")

    assert "2 factures (720,00 €)" in first
    assert "2/2 familles" in progress
    assert "(0,00 €)" in second
    assert "2 familles déjà à jour" in second
    assert Invoice.objects.count() == 2


def test_a_dry_run_issues_nothing(site):
    out, _err = run("--site", site.slug, "--season", current_season().label, "--dry-run")

    assert out.startswith("Simulation, rien n'est émis.")
    assert "2 factures" in out
    assert not Invoice.objects.exists()


def test_an_unknown_season_is_refused_in_french(site):
    with pytest.raises(CommandError, match="Saison inconnue"):
        run("--site", site.slug, "--season", "1999/2000")


def test_a_goodwill_partial_credit_note_is_not_billed_again_by_the_next_run(site):
    season = current_season().label
    run("--site", site.slug, "--season", season, "--no-pdf")
    invoice = Invoice.objects.filter(kind=Invoice.Kind.INVOICE).order_by("pk").first()
    course = invoice.lines.get()
    credit_note = services.cancel_invoice(
        invoice=invoice,
        reason="Geste commercial : cours annulés en novembre",
        actor=StaffUserFactory(),
        lines=[services.CreditLine(course, Decimal("50.00"))],
    )

    summary, _err = run("--site", site.slug, "--season", season, "--no-pdf")

    assert credit_note.goodwill
    assert "0 factures (0,00 €), 0 avoirs, 2 familles déjà à jour" in summary
    assert Invoice.objects.count() == 3  # two invoices and the goodwill credit note, nothing new


def test_several_processes_are_refused_on_sqlite(site):
    if connection.vendor != "sqlite":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError, match="demande PostgreSQL"):
        run("--site", site.slug, "--season", current_season().label, "--processes", "2")
    assert not Invoice.objects.exists()


def test_a_shard_issues_only_the_families_whose_id_modulo_n_is_k(site):
    season = current_season()
    odd = services.issue_invoices(site=site, season=season, actor=None, render_pdf=False, shard=(1, 2))
    both = services.issue_invoices(site=site, season=season, actor=None, render_pdf=False)

    assert [r.family.pk % 2 for r in odd] == [1] * len(odd)
    assert Invoice.objects.count() == 2
    assert sum(r.changed for r in both) == 2 - len(odd)
