"""Who may open Facturation: only a logged-in guardian, and only their family's invoices."""

import pytest
from django.urls import reverse

from billing.tests.test_payment_access import PAYMENT_URLS
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

COVERED_URLS = {"billing:invoices"}
COVERED_URLS |= PAYMENT_URLS  # paying: billing/tests/test_payment_access.py


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("billing:invoices"))

    assert response["Location"] == f"{reverse('login')}?next={reverse('billing:invoices')}"


def test_staff_without_a_family_is_refused(client):
    client.force_login(StaffUserFactory())

    assert client.get(reverse("billing:invoices")).status_code == 403
