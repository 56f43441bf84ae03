"""The secretariat edits families and guardians in the admin through the families services."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.tests.admin_pages import change_page_data, staff_logged_in
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import famille_form_data, logged_in_family
from families.models import Family, Guardian
from families.tests.factories import guardian_of

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
