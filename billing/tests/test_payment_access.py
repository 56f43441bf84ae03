"""Who may open each paying URL: anonymous → login, staff without a family → 403, another
family's mandate or transaction → 404; the provider endpoints need no login but trust only a
verified answer; the admin views need staff of the mandate's site."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from billing import online
from billing.payment_models import DirectDebit, IbanDisclosure
from billing.tests.factories import InstalmentFactory, InvoiceFactory, MandateFactory
from billing.tests.payment_factories import (
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    populate_payments,
)
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db

FAMILY_URLS = {
    "billing:mandate",
    "billing:mandate_pdf",
    "billing:mandate_revoke",
    "billing:pay_online",
    "billing:online_transaction",
}
PROVIDER_URLS = {"billing:online_return", "billing:online_notify"}
ADMIN_URLS = {
    "admin:billing_mandate_reveal_iban",
    "admin:billing_directdebit_reject",
    "admin:billing_directdebit_return",
}
PAYMENT_URLS = FAMILY_URLS | PROVIDER_URLS | ADMIN_URLS


@pytest.fixture
def owner():
    """A family with a mandate and a card transaction, and the URLs of its objects."""
    family = direct_debit_family(creditor_site(slug="malakoff"))
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = online.start_payment(
        family=family, instalment_ids=[instalment.pk], actor=None, email="a@example.fr"
    )
    return family, {
        "billing:mandate": reverse("billing:mandate"),
        "billing:mandate_pdf": reverse("billing:mandate_pdf", args=[mandate.pk]),
        "billing:mandate_revoke": reverse("billing:mandate_revoke", args=[mandate.pk]),
        "billing:pay_online": reverse("billing:pay_online"),
        "billing:online_transaction": reverse("billing:online_transaction", args=[transaction.pk]),
    }


def test_every_paying_url_is_listed_here():
    from django.urls import get_resolver

    names = {
        f"billing:{name}"
        for name in get_resolver().namespace_dict["billing"][1].reverse_dict
        if isinstance(name, str)
    }
    # The invoice URLs are covered by billing/tests/test_access.py.
    invoice_urls = {
        "billing:invoices",
        "billing:invoice_pdf",
        "billing:receipted_pdf",
        "billing:certificate_pdf",
    }
    assert names - invoice_urls == FAMILY_URLS | PROVIDER_URLS


@pytest.mark.parametrize("name", sorted(FAMILY_URLS))
def test_anonymous_visitor_is_sent_to_login(client, owner, name):
    _family, urls = owner

    response = client.get(urls[name])

    assert response["Location"] == f"{reverse('login')}?next={urls[name]}"


@pytest.mark.parametrize("name", sorted(FAMILY_URLS))
def test_staff_without_a_family_is_refused(client, owner, name):
    _family, urls = owner
    client.force_login(StaffUserFactory())

    assert client.get(urls[name]).status_code == 403


@pytest.mark.parametrize(
    "name", ["billing:mandate_pdf", "billing:mandate_revoke", "billing:online_transaction"]
)
def test_another_familys_mandate_or_transaction_is_404(client, owner, name):
    _family, urls = owner
    log_in(client, guardian_of(FamilyFactory()))

    assert client.get(urls[name]).status_code == 404
    assert client.post(urls[name], {"confirm": "on"}).status_code in (404, 405)


@pytest.mark.parametrize(
    "name", ["billing:mandate_pdf", "billing:mandate_revoke", "billing:online_transaction"]
)
def test_the_owner_opens_its_own(client, owner, name):
    family, urls = owner
    log_in(client, family.memberships.first().guardian)

    assert client.get(urls[name]).status_code == 200


def test_the_provider_endpoints_answer_without_login_and_change_nothing_unverified(client, owner):
    family, _urls = owner
    for name in sorted(PROVIDER_URLS):
        url = reverse(name, args=["malakoff"])
        response = client.post(url, {"transaction_id": "x", "ok": "1"})
        assert response.status_code in (302, 400), name
    assert not family.online_transactions.filter(state="paid").exists()
    assert client.get(reverse("billing:online_notify", args=["unknown-site"])).status_code == 404


@pytest.fixture
def admin_objects():
    site = creditor_site(slug="malakoff")
    family = FamilyFactory(site=site)
    MandateFactory(family=family)
    instalment = InstalmentFactory(invoice=InvoiceFactory(family=family))
    populate_payments(family, instalment, StaffUserFactory())
    mandate = family.mandates.get()
    debit = DirectDebit.objects.get()
    debit.state = DirectDebit.State.PRESENTED
    debit.save()
    debit.reject.delete()
    return site, {
        "admin:billing_mandate_reveal_iban": reverse("admin:billing_mandate_reveal_iban", args=[mandate.pk]),
        "admin:billing_directdebit_reject": reverse("admin:billing_directdebit_reject", args=[debit.pk]),
        "admin:billing_directdebit_return": reverse("admin:billing_directdebit_return", args=[debit.pk]),
    }


def secretariat(site=None):
    user = StaffUserFactory(all_sites=False, managed_sites=[site] if site else [])
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_mandate", "view_directdebit", "add_debitreject"])
    )
    return user


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_admin_views_send_anonymous_visitors_to_the_admin_login(client, admin_objects, name):
    _site, urls = admin_objects

    assert reverse("admin:login") in client.get(urls[name])["Location"]


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_admin_views_refuse_families(client, admin_objects, name):
    _site, urls = admin_objects
    log_in(client, guardian_of(FamilyFactory()))

    assert reverse("admin:login") in client.get(urls[name])["Location"]


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_admin_views_hide_another_sites_objects(client, admin_objects, name):
    _site, urls = admin_objects
    client.force_login(secretariat(creditor_site(slug="clamart")))

    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_admin_views_open_for_the_sites_secretariat(client, admin_objects, name):
    site, urls = admin_objects
    client.force_login(secretariat(site))

    assert client.get(urls[name]).status_code == 200
    assert not IbanDisclosure.objects.exclude(reason="Appel de la banque").exists()
