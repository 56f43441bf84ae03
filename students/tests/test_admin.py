"""The secretariat edits a pupil in the admin through students.services.update_student."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.tests.admin_pages import change_page_data, staff_logged_in
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family
from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def staff_client(staff):
    return staff_logged_in(staff)


def page_of(student):
    return reverse("admin:students_student_change", args=[student.pk])


def test_a_staff_edit_of_a_pupil_is_recorded_and_told_to_the_family(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, guardian = logged_in_family(Client())
    student = StudentFactory(family=family, image_rights=None)
    page = staff_client.get(page_of(student))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(page_of(student), change_page_data(page, image_rights="true"))

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.image_rights is True and student.version == 2
    record = ChangeRecord.objects.get(object_id=student.pk, field="image_rights")
    assert record.actor == staff and record.new_value == "oui"
    [email] = mail.outbox
    assert email.to == [guardian.email]
    assert student.full_name in email.body and "le secrétariat" in email.body


def test_a_pupil_page_opened_before_the_family_saved_the_identity_is_refused(staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family, birth_place="Clamart")
    page = staff_client.get(page_of(student))
    Student.objects.filter(pk=student.pk).update(birth_place="Vanves", version=2)

    response = staff_client.post(page_of(student), change_page_data(page, city="Montrouge"))

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.birth_place == "Vanves" and student.city == ""
    assert 'value="Vanves"' in staff_client.get(page_of(student)).content.decode()
