"""Who may open the Famille pages: only a logged-in guardian, only for their own family."""

import pytest
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in, logged_in_family
from families.models import Guardian
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db

COVERED_URLS = {"family:detail", "family_data_export"}


@pytest.mark.parametrize("name", sorted(COVERED_URLS))
def test_anonymous_visitor_is_sent_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


@pytest.mark.parametrize("name", sorted(COVERED_URLS))
def test_staff_without_a_family_is_refused(client, name):
    client.force_login(StaffUserFactory())

    assert client.get(reverse(name)).status_code == 403


def test_a_guardian_edits_only_their_own_row_whatever_is_posted(client):
    family, guardian = logged_in_family(client)
    other_family_guardian = guardian_of(FamilyFactory())

    client.post(
        reverse("family:detail"),
        {
            "guardian-version": 1,
            "guardian-civility": guardian.civility_id,
            "guardian-last_name": "Pirate",
            "guardian-first_name": "Claire",
            "guardian-address": "1 rue",
            "guardian-postal_code": "92240",
            "guardian-city": "Malakoff",
            "guardian-email": "p@example.fr",
            "guardian-mobile": "0612345678",
            "guardian-id": other_family_guardian.pk,
            "guardian": other_family_guardian.pk,
            "family-version": 1,
            "family-billing_mode": 1,
            "family-payment_means": family.payment_means_id,
        },
    )

    assert Guardian.objects.get(pk=other_family_guardian.pk).last_name != "Pirate"
    assert Guardian.objects.get(pk=guardian.pk).last_name == "Pirate"


def test_a_guardian_of_two_households_sees_the_one_chosen_in_the_session(client):
    first, guardian = logged_in_family(client)
    second = FamilyFactory(site=first.site, name="SECONDFOYER")
    second.memberships.create(guardian=guardian)

    page = client.get(reverse("family:detail")).content.decode()

    # The second household is only offered in the header's switcher.
    assert first.name in page and page.count("SECONDFOYER") == 1
    assert f'<option value="{second.pk}">SECONDFOYER' in page


def test_another_guardian_of_the_family_sees_the_same_family(client):
    family, _guardian = logged_in_family(client)
    client.logout()
    log_in(client, guardian_of(family))

    assert family.name in client.get(reverse("family:detail")).content.decode()
