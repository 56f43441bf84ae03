"""The secretariat edits families and guardians in the admin through the families services."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.tests.admin_pages import change_page_data, inline_rows, staff_logged_in
from extranet.tests.factories import SiteFactory, StaffUserFactory
from extranet.tests.portal import famille_form_data, family_with_guardian, logged_in_family
from families.models import Family, Guardian, Membership
from families.services import MembershipError, add_membership
from families.tests.factories import FamilyFactory, GuardianFactory, guardian_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffUserFactory(is_superuser=True, first_name="Sophie", last_name="Secrétaire")


@pytest.fixture
def staff_client(staff):
    return staff_logged_in(staff)


def guardian_page(guardian):
    return reverse("admin:families_guardian_change", args=[guardian.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_staff_edit_is_recorded_under_the_staff_member_and_acknowledged_to_the_guardian(
    client, staff, staff_client, django_capture_on_commit_callbacks
):
    family, guardian = logged_in_family(client)
    page = staff_client.get(guardian_page(guardian))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(guardian_page(guardian), change_page_data(page, city="Vanves"))

    assert response.status_code == 302
    guardian.refresh_from_db()
    assert guardian.city == "Vanves" and guardian.version == 2
    record = ChangeRecord.objects.get(object_id=guardian.pk, field="city")
    assert record.actor == staff
    assert (record.old_value, record.new_value) == ("Malakoff", "Vanves")
    [email] = mail.outbox
    assert email.to == [guardian.email]
    assert "le secrétariat" in email.body and "« Malakoff » → « Vanves »" in email.body


def test_a_guardian_saving_on_the_portal_meanwhile_makes_the_staff_page_refused_with_current_values(
    client, staff_client
):
    family, guardian = logged_in_family(client)
    page = staff_client.get(guardian_page(guardian))
    # The guardian moves while the secretary has the page open.
    client.post(reverse("family:detail"), famille_form_data(guardian, family, **{"guardian-city": "Vanves"}))

    response = staff_client.post(guardian_page(guardian), change_page_data(page, profession="Luthière"))

    assert response.status_code == 302 and response.url == guardian_page(guardian)
    guardian.refresh_from_db()
    assert guardian.city == "Vanves" and guardian.profession == ""
    shown = messages_of(response)
    assert any("le secrétariat a modifié ces informations" in text for text in shown)
    assert any("Votre saisie, non enregistrée : Profession : « Luthière »" in text for text in shown)
    current = staff_client.get(guardian_page(guardian)).content.decode()
    assert 'name="city" value="Vanves"' in current
    assert 'name="edited_version" value="2"' in current
    assert not ChangeRecord.objects.filter(field="profession").exists()


def test_a_portal_form_opened_before_a_staff_change_is_refused_with_the_current_values(client, staff_client):
    family, guardian = logged_in_family(client)
    stale = famille_form_data(guardian, family, **{"guardian-profession": "Luthière"})
    page = staff_client.get(guardian_page(guardian))
    staff_client.post(guardian_page(guardian), change_page_data(page, city="Vanves"))

    response = client.post(reverse("family:detail"), stale)

    assert response.status_code == 409
    body = response.content.decode()
    assert 'value="Vanves"' in body
    guardian.refresh_from_db()
    assert guardian.city == "Vanves" and guardian.profession == ""


def test_a_staff_edit_of_the_household_tells_each_guardian(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, first = logged_in_family(Client())
    second = guardian_of(family)
    url = reverse("admin:families_family_change", args=[family.pk])
    page = staff_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, change_page_data(page, family_quotient="850"))

    assert response.status_code == 302
    family.refresh_from_db()
    assert family.family_quotient == 850 and family.version == 2
    assert ChangeRecord.objects.get(object_id=family.pk, field="family_quotient").actor == staff
    assert sorted(email.to[0] for email in mail.outbox) == sorted([first.email, second.email])


def test_a_stale_household_page_writes_nothing(staff_client):
    family, _guardian = logged_in_family(Client())
    url = reverse("admin:families_family_change", args=[family.pk])
    page = staff_client.get(url)
    Family.objects.filter(pk=family.pk).update(city="Vanves", version=2)

    response = staff_client.post(url, change_page_data(page, family_quotient="850"))

    assert response.status_code == 302
    family.refresh_from_db()
    assert family.family_quotient is None and family.city == "Vanves"


def test_saving_the_page_unchanged_writes_no_version_and_sends_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    family, guardian = logged_in_family(Client())
    page = staff_client.get(guardian_page(guardian))

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(guardian_page(guardian), change_page_data(page))

    assert Guardian.objects.get(pk=guardian.pk).version == 1
    assert mail.outbox == []


# --- Add pages and memberships (issue 8 point 4) ---------------------------------------------------


def family_page(family):
    return reverse("admin:families_family_change", args=[family.pk])


def test_adding_a_household_records_it_as_created_by_the_staff_member(staff, staff_client):
    site = SiteFactory()
    page = staff_client.get(reverse("admin:families_family_add"))

    response = staff_client.post(
        reverse("admin:families_family_add"),
        change_page_data(page, site=str(site.pk), name="DUPONT", city="Vanves"),
    )

    assert response.status_code == 302
    family = Family.objects.get(name="DUPONT")
    records = ChangeRecord.objects.filter(object_id=family.pk, content_type__model="family")
    assert {record.actor for record in records} == {staff}
    assert records.get(field="created").new_value == "créé"
    assert records.get(field="city").new_value == "Vanves"


def test_adding_a_guardian_records_it_as_created_by_the_staff_member(staff, staff_client):
    site = SiteFactory()
    page = staff_client.get(reverse("admin:families_guardian_add"))

    response = staff_client.post(
        reverse("admin:families_guardian_add"),
        change_page_data(
            page, site=str(site.pk), last_name="Durand", first_name="Inès", email="ines@example.fr"
        ),
    )

    assert response.status_code == 302
    guardian = Guardian.objects.get(last_name="Durand")
    record = ChangeRecord.objects.get(object_id=guardian.pk, content_type__model="guardian", field="created")
    assert record.actor == staff


def test_adding_a_guardian_with_a_household_on_the_same_page_puts_them_in_it_and_tells_the_family(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, payer = family_with_guardian()
    page = staff_client.get(reverse("admin:families_guardian_add"))
    data = change_page_data(
        page,
        site=str(family.site_id),
        last_name="Durand",
        first_name="Inès",
        email="ines@example.fr",
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-family": str(family.pk),
            "memberships-0-relationship": "father",
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:families_guardian_add"), data)

    assert response.status_code == 302
    guardian = Guardian.objects.get(last_name="Durand")
    assert Membership.objects.filter(family=family, guardian=guardian, is_payer=False).exists()
    record = ChangeRecord.objects.get(object_id=family.pk, field=f"membership.{guardian.pk}")
    assert record.actor == staff and record.new_value == "Père"
    assert sorted(email.to[0] for email in mail.outbox) == sorted([payer.email, "ines@example.fr"])


def test_changing_a_membership_on_the_household_page_is_recorded_and_emailed_to_the_family(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, payer = family_with_guardian()
    other = guardian_of(family)
    page = staff_client.get(family_page(family))
    row = next(
        i for i, form in enumerate(inline_rows(page, "memberships")) if form.instance.guardian == other
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            family_page(family), change_page_data(page, **{f"memberships-{row}-relationship": "father"})
        )

    assert response.status_code == 302
    assert Membership.objects.get(family=family, guardian=other).relationship == "father"
    record = ChangeRecord.objects.get(object_id=family.pk, field=f"membership.{other.pk}")
    assert record.actor == staff
    assert (record.old_value, record.new_value) == ("Autre", "Père")
    assert sorted(email.to[0] for email in mail.outbox) == sorted([payer.email, other.email])
    assert all(f"Responsable {other.full_name}" in email.body for email in mail.outbox)
    assert all("« Autre » → « Père »" in email.body for email in mail.outbox)


def test_a_second_payer_is_refused_next_to_the_field_and_what_was_typed_is_kept(staff_client):
    family, payer = family_with_guardian()
    other = guardian_of(family)
    page = staff_client.get(family_page(family))
    row = next(
        i for i, form in enumerate(inline_rows(page, "memberships")) if form.instance.guardian == other
    )

    response = staff_client.post(
        family_page(family),
        change_page_data(
            page,
            city="Vanves",
            **{f"memberships-{row}-is_payer": "on", f"memberships-{row}-relationship": "tutor"},
        ),
    )

    assert response.status_code == 200
    refused = inline_rows(response, "memberships")[row]
    assert refused.errors["is_payer"] == [
        f"La famille {family.name} a déjà un payeur : {payer.full_name}. Décochez-le d'abord."
    ]
    body = response.content.decode()
    assert "a déjà un payeur" in body
    assert 'name="city" value="Vanves"' in body
    assert refused["is_payer"].value() is True and refused["relationship"].value() == "tutor"
    assert not Membership.objects.filter(guardian=other, is_payer=True).exists()
    family.refresh_from_db()
    assert family.city == "Malakoff"
    assert not ChangeRecord.objects.exists()


def test_the_payer_moves_to_another_guardian_when_both_ticks_change_in_one_save(staff_client):
    family, payer = family_with_guardian()
    other = guardian_of(family)
    page = staff_client.get(family_page(family))
    rows = {form.instance.guardian: i for i, form in enumerate(inline_rows(page, "memberships"))}
    data = change_page_data(page, **{f"memberships-{rows[other]}-is_payer": "on"})
    del data[f"memberships-{rows[payer]}-is_payer"]

    response = staff_client.post(family_page(family), data)

    assert response.status_code == 302
    assert Membership.objects.get(family=family, is_payer=True).guardian == other


def test_removing_a_guardian_from_the_household_is_recorded_and_told_to_them_too(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, payer = family_with_guardian()
    leaving = guardian_of(family)
    page = staff_client.get(family_page(family))
    row = next(
        i for i, form in enumerate(inline_rows(page, "memberships")) if form.instance.guardian == leaving
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            family_page(family), change_page_data(page, **{f"memberships-{row}-DELETE": "on"})
        )

    assert response.status_code == 302
    assert not Membership.objects.filter(guardian=leaving).exists()
    record = ChangeRecord.objects.get(object_id=family.pk, field=f"membership.{leaving.pk}")
    assert record.actor == staff and (record.old_value, record.new_value) == ("Autre", "")
    assert sorted(email.to[0] for email in mail.outbox) == sorted([payer.email, leaving.email])


def test_a_guardian_of_another_site_is_refused_in_a_household(staff):
    family, _payer = family_with_guardian()
    stranger = GuardianFactory()

    with pytest.raises(MembershipError, match="autre site"):
        add_membership(
            family_id=family.pk, guardian_id=stranger.pk, actor=staff, relationship="mother", is_payer=False
        )

    assert not Membership.objects.filter(guardian=stranger).exists()


def test_a_household_of_another_site_is_refused_next_to_it_on_the_guardian_page(staff_client):
    family, guardian = family_with_guardian()
    elsewhere = FamilyFactory(name="AILLEURS")
    url = guardian_page(guardian)
    page = staff_client.get(url)

    response = staff_client.post(
        url,
        change_page_data(
            page,
            **{
                "memberships-TOTAL_FORMS": "2",
                "memberships-1-family": str(elsewhere.pk),
                "memberships-1-relationship": "mother",
            },
        ),
    )

    assert response.status_code == 200
    refused = inline_rows(response, "memberships")[1]
    assert refused.errors["family"] == [
        f"{guardian.full_name} est inscrit sur un autre site que la famille AILLEURS."
    ]
    assert not Membership.objects.filter(family=elsewhere).exists()
