"""update_family_details: the Famille tab's write, with optimistic locking and the audit trail."""

import pytest
from django.core import mail

from extranet.base.editing import StaleEditError
from extranet.base.models import ChangeRecord
from extranet.tests.factories import payment_means
from extranet.tests.portal import family_with_guardian
from families.models import Family, Guardian
from families.services import update_family_details
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db


def save(family, guardian, *, guardian_version=1, family_version=1, guardian_values=None, family_values=None):
    return update_family_details(
        family=family,
        guardian=guardian,
        guardian_version=guardian_version,
        family_version=family_version,
        guardian_values=guardian_values or {},
        family_values=family_values or {},
    )


def test_changes_are_saved_recorded_and_acknowledged(django_capture_on_commit_callbacks):
    family, guardian = family_with_guardian()

    with django_capture_on_commit_callbacks(execute=True):
        changes = save(
            family,
            guardian,
            guardian_values={"profession": "Luthière", "mobile": "0711223344"},
            family_values={"payment_means": payment_means("holiday_vouchers")},
        )

    assert [(c.label, c.old, c.new) for c in changes] == [
        ("Profession", "", "Luthière"),
        ("Mobile (SMS)", "06 12 34 56 78", "07 11 22 33 44"),
        ("Moyen de paiement", "Chèque", "Chèques vacances"),
    ]
    assert ChangeRecord.objects.filter(actor=guardian.user).count() == 3
    guardian.refresh_from_db()
    family.refresh_from_db()
    assert guardian.version == 2 and family.version == 2
    assert "Chèques vacances" in mail.outbox[0].body


def test_only_the_rows_that_changed_get_a_new_version():
    family, guardian = family_with_guardian()

    save(family, guardian, guardian_values={"city": "Vanves"})

    assert Guardian.objects.get(pk=guardian.pk).version == 2
    assert Family.objects.get(pk=family.pk).version == 1


def test_a_stale_guardian_version_writes_nothing():
    family, guardian = family_with_guardian()
    save(family, guardian, guardian_values={"city": "Vanves"})

    with pytest.raises(StaleEditError):
        save(family, guardian, guardian_values={"city": "Montrouge"}, family_values={"billing_mode": 8})

    assert Guardian.objects.get(pk=guardian.pk).city == "Vanves"
    assert Family.objects.get(pk=family.pk).billing_mode == 1


def test_a_stale_family_version_writes_nothing():
    family, first = family_with_guardian()
    second = guardian_of(family)
    save(family, first, family_values={"billing_mode": 3})

    with pytest.raises(StaleEditError):
        save(family, second, guardian_values={"city": "Montrouge"}, family_values={"billing_mode": 8})

    assert Guardian.objects.get(pk=second.pk).city == "Malakoff"
    assert Family.objects.get(pk=family.pk).billing_mode == 3
    assert not ChangeRecord.objects.filter(new_value="Montrouge").exists()


def test_the_login_follows_the_guardian_names_and_email():
    family, guardian = family_with_guardian()

    save(family, guardian, guardian_values={"last_name": "Nouveau", "email": "n@example.fr"})

    guardian.user.refresh_from_db()
    assert (guardian.user.last_name, guardian.user.email) == ("Nouveau", "n@example.fr")


def test_a_guardian_of_another_family_cannot_be_edited_through_this_one():
    family, _guardian = family_with_guardian()
    stranger = guardian_of(FamilyFactory())

    with pytest.raises(Guardian.DoesNotExist):
        save(family, stranger, guardian_values={"city": "Ailleurs"})


def test_fields_families_may_not_edit_are_refused():
    family, guardian = family_with_guardian()

    with pytest.raises(ValueError):
        save(family, guardian, family_values={"family_quotient": 100})
