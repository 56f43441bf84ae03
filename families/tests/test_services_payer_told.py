"""A guardian changes the billing choice: the payer guardian is told too, of that change only."""

import pytest
from django.core import mail

from extranet.tests.factories import payment_means
from extranet.tests.portal import family_with_guardian
from families.services import update_family_details
from families.tests.factories import guardian_of

pytestmark = pytest.mark.django_db


def save(family, guardian, **values):
    return update_family_details(
        family=family,
        guardian=guardian,
        guardian_version=1,
        family_version=1,
        guardian_values=values.pop("guardian_values", {}),
        family_values=values.pop("family_values", {}),
    )


def test_the_payer_is_told_when_another_guardian_changes_the_billing_choice(
    django_capture_on_commit_callbacks,
):
    family, payer = family_with_guardian()
    payer.email = "claire@example.fr"
    payer.save()
    guardian = guardian_of(family, first_name="Paul", last_name="Martin", email="paul@example.fr")

    with django_capture_on_commit_callbacks(execute=True):
        save(
            family,
            guardian,
            guardian_values={"profession": "Luthière"},
            family_values={"payment_means": payment_means("holiday_vouchers")},
        )

    to_payer = [m for m in mail.outbox if m.to == ["claire@example.fr"]]
    assert len(to_payer) == 1
    body = to_payer[0].body
    assert f"{guardian.full_name} a modifié sur le portail des familles" in body
    assert "dont vous êtes le payeur" in body
    assert "Chèques vacances" in body
    assert "Luthière" not in body  # the other guardian's own details stay theirs
    assert payer.email not in [address for m in mail.outbox if m is not to_payer[0] for address in m.to]


def test_a_payer_changing_it_gets_one_acknowledgement(django_capture_on_commit_callbacks):
    family, guardian = family_with_guardian()

    with django_capture_on_commit_callbacks(execute=True):
        save(family, guardian, family_values={"payment_means": payment_means("holiday_vouchers")})

    assert len(mail.outbox) == 1


def test_a_change_of_personal_details_only_is_not_sent_to_the_payer(django_capture_on_commit_callbacks):
    family, payer = family_with_guardian()
    payer.email = "claire@example.fr"
    payer.save()
    guardian = guardian_of(family, email="paul@example.fr")

    with django_capture_on_commit_callbacks(execute=True):
        save(family, guardian, guardian_values={"city": "Vanves"})

    assert all(m.to != ["claire@example.fr"] for m in mail.outbox)
