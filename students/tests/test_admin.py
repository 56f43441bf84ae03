"""The secretariat edits a pupil in the admin through students.services.update_student."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.tests.admin_pages import change_page_data, inline_rows, staff_logged_in
from extranet.tests.factories import PoleFactory, StaffUserFactory, next_season
from extranet.tests.portal import logged_in_family
from students.models import Enrolment, RepertoireEntry, SchoolRecord, Student
from students.tests.factories import CourseFactory, EnrolmentFactory, RepertoireEntryFactory, StudentFactory

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


# --- Add page and inlines (issue 8 point 4) -----------------------------------------------------------


def test_adding_a_pupil_records_the_staff_member_and_tells_the_family(
    staff, staff_client, django_capture_on_commit_callbacks
):
    family, guardian = logged_in_family(Client())
    page = staff_client.get(reverse("admin:students_student_add"))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:students_student_add"),
            change_page_data(page, family=str(family.pk), last_name="Dupont", first_name="Léa"),
        )

    assert response.status_code == 302
    student = Student.objects.get(first_name="Léa")
    record = ChangeRecord.objects.get(object_id=student.pk, content_type__model="student", field="created")
    assert record.actor == staff and record.new_value == "créé"
    [email] = mail.outbox
    assert email.to == [guardian.email]
    assert "le secrétariat" in email.body and "Léa DUPONT" in email.body


def test_an_enrolment_in_a_course_of_another_site_is_refused_next_to_the_course(staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    elsewhere = CourseFactory(name="Violon 1C")
    page = staff_client.get(page_of(student))

    response = staff_client.post(
        page_of(student),
        change_page_data(
            page,
            city="Montrouge",
            **{
                "enrolments-TOTAL_FORMS": "1",
                "enrolments-0-course": str(elsewhere.pk),
                "enrolments-0-status": "active",
            },
        ),
    )

    assert response.status_code == 200
    [row] = inline_rows(response, "enrolments")
    assert row.errors["course"] == [
        f"Le cours Violon 1C a lieu sur le site {elsewhere.pole.site.name} : "
        f"l'élève est inscrit sur le site {family.site.name}."
    ]
    assert 'name="city" value="Montrouge"' in response.content.decode()
    assert not Enrolment.objects.exists()
    student.refresh_from_db()
    assert student.city == "" and student.version == 1


def test_an_enrolment_added_on_the_pupil_page_is_recorded_under_the_staff_member(staff, staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    course = CourseFactory(name="Piano 1C", pole=PoleFactory(site=family.site))
    page = staff_client.get(page_of(student))

    response = staff_client.post(
        page_of(student),
        change_page_data(
            page,
            **{
                "enrolments-TOTAL_FORMS": "1",
                "enrolments-0-course": str(course.pk),
                "enrolments-0-status": "active",
            },
        ),
    )

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(student=student)
    assert enrolment.course == course and enrolment.season == course.season
    record = ChangeRecord.objects.get(object_id=student.pk, field=f"enrolment.{enrolment.pk}")
    assert record.actor == staff and record.new_value == "inscrit"


def test_stopping_an_enrolment_on_the_pupil_page_records_before_and_after(staff, staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    enrolment = EnrolmentFactory(
        student=student, course=CourseFactory(name="Piano 1C", pole=PoleFactory(site=family.site))
    )
    page = staff_client.get(page_of(student))

    response = staff_client.post(
        page_of(student), change_page_data(page, **{"enrolments-0-status": "stopped"})
    )

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped"
    record = ChangeRecord.objects.get(field=f"enrolment.{enrolment.pk}")
    assert record.actor == staff and (record.old_value, record.new_value) == (
        "Piano 1C – inscrit",
        "Piano 1C – arrêté",
    )


def test_a_school_record_added_by_staff_is_recorded_and_outdates_the_familys_open_identity_form(
    staff, staff_client
):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    season = next_season()
    page = staff_client.get(page_of(student))

    response = staff_client.post(
        page_of(student),
        change_page_data(
            page,
            **{
                "school_records-TOTAL_FORMS": "1",
                "school_records-0-season": str(season.pk),
                "school_records-0-school_name": "Collège Henri Wallon",
                "school_records-0-school_level": "",
            },
        ),
    )

    assert response.status_code == 302
    assert SchoolRecord.objects.get(student=student, season=season).school_name == "Collège Henri Wallon"
    record = ChangeRecord.objects.get(object_id=student.pk, field="school_record.school_name")
    assert record.actor == staff and record.new_value == "Collège Henri Wallon"
    student.refresh_from_db()
    assert student.version == 2


def test_repertoire_entries_added_and_removed_on_the_pupil_page_are_recorded(staff, staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    old = RepertoireEntryFactory(student=student, work="Für Elise", composer="Beethoven")
    page = staff_client.get(page_of(student))

    response = staff_client.post(
        page_of(student),
        change_page_data(
            page,
            **{
                "repertoire-0-DELETE": "on",
                "repertoire-TOTAL_FORMS": "2",
                "repertoire-1-season": str(old.season_id),
                "repertoire-1-discipline": "",
                "repertoire-1-work": "Gymnopédie n° 1",
                "repertoire-1-composer": "Erik Satie",
            },
        ),
    )

    assert response.status_code == 302
    assert [entry.work for entry in RepertoireEntry.objects.filter(student=student)] == ["Gymnopédie n° 1"]
    records = ChangeRecord.objects.filter(object_id=student.pk, field__startswith="repertoire.")
    assert {record.actor for record in records} == {staff}
    assert sorted((record.old_value[:10], record.new_value[:15]) for record in records) == [
        ("", "Gymnopédie n° 1"),
        ("Für Elise ", ""),
    ]


def test_the_enrolments_list_refuses_a_course_of_another_site_too(staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    elsewhere = CourseFactory(name="Violon 1C")
    url = reverse("admin:students_enrolment_add")
    page = staff_client.get(url)

    response = staff_client.post(
        url, change_page_data(page, student=str(student.pk), course=str(elsewhere.pk), status="active")
    )

    assert response.status_code == 200
    assert "a lieu sur le site" in str(response.context["adminform"].form.errors["course"])
    assert not Enrolment.objects.exists()


def test_a_work_added_from_the_repertoire_list_is_recorded_on_the_pupil(staff, staff_client):
    family, _guardian = logged_in_family(Client())
    student = StudentFactory(family=family)
    url = reverse("admin:students_repertoireentry_add")
    page = staff_client.get(url)

    response = staff_client.post(
        url,
        change_page_data(
            page,
            student=str(student.pk),
            season=str(next_season().pk),
            work="Clair de lune",
            composer="Debussy",
        ),
    )

    assert response.status_code == 302
    entry = RepertoireEntry.objects.get(student=student)
    record = ChangeRecord.objects.get(object_id=student.pk, field=f"repertoire.{entry.pk}")
    assert record.actor == staff and record.new_value.startswith("Clair de lune – Debussy")
