"""Households: billing modes, one payer, separated parents, logins unique per site."""

import pytest
from django.db import IntegrityError, transaction

from families.models import Family, Membership
from families.tests.factories import FamilyFactory, GuardianFactory, MembershipFactory, guardian_of

pytestmark = pytest.mark.django_db


def test_two_guardians_of_one_site_cannot_share_an_identifier():
    first = GuardianFactory(user__identifier="famille.martin")
    with pytest.raises(IntegrityError), transaction.atomic():
        GuardianFactory(site=first.site, user__identifier="famille.martin")


def test_guardians_of_two_sites_may_share_an_identifier():
    first = GuardianFactory(user__identifier="famille.martin")
    second = GuardianFactory(user__identifier="famille.martin")
    assert first.site != second.site


@pytest.mark.parametrize("mode", [1, 3, 8])
def test_a_family_pays_in_1_3_or_8_instalments(mode):
    family = FamilyFactory(billing_mode=mode)
    family.refresh_from_db()
    assert family.billing_mode == mode


@pytest.mark.parametrize("mode", [0, 2, 10])
def test_any_other_number_of_instalments_is_refused(mode):
    family = FamilyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Family.objects.filter(pk=family.pk).update(billing_mode=mode)


def test_a_family_has_one_payer_at_most():
    family = FamilyFactory()
    guardian_of(family, is_payer=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        guardian_of(family, is_payer=True)
    guardian_of(family, is_payer=False)
    assert family.memberships.filter(is_payer=True).count() == 1


def test_a_separated_parent_belongs_to_two_families():
    membership = MembershipFactory()
    other = FamilyFactory(site=membership.family.site)
    Membership.objects.create(family=other, guardian=membership.guardian)
    assert set(membership.guardian.families.all()) == {membership.family, other}


def test_a_guardian_is_in_a_family_once():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(family=membership.family, guardian=membership.guardian)


def test_an_old_software_reference_is_unique_per_site_but_may_be_empty():
    family = FamilyFactory(external_reference="F0042")
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyFactory(site=family.site, external_reference="F0042")
    FamilyFactory(external_reference="F0042")  # another site
    FamilyFactory(site=family.site, external_reference="")
    FamilyFactory(site=family.site, external_reference="")
