"""The secretariat's school-year admin: its own site only, filters, CSV export, corrections through services."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from extranet.base.models import ChangeRecord, User
from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory, current_season
from families.tests.factories import guardian_of
from students.schoolyear_models import Attendance, Lesson, Teacher, Term
from students.schoolyear_services import send_teacher_welcome
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import AttendanceFactory, LessonFactory, TermFactory, teacher_of

pytestmark = pytest.mark.django_db


def secretariat_of(site):
    user = StaffUserFactory(all_sites=False, managed_sites=[site])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="students").exclude(codename__startswith="delete_")
    )
    return user


@pytest.fixture
def sites():
    current_season()
    here, there = SiteFactory(slug="malakoff", name="Malakoff"), SiteFactory(slug="clamart", name="Clamart")
    return here, there


def course_with_pupil(site, *, name, first_name):
    course = CourseFactory(pole=PoleFactory(site=site), name=name)
    student = StudentFactory(family__site=site, first_name=first_name)
    guardian_of(student.family, is_payer=True, email=f"{first_name.lower()}@example.fr")
    EnrolmentFactory(student=student, course=course)
    return course, student


def test_the_attendance_list_shows_only_the_sites_marks(client, sites):
    here, there = sites
    course, student = course_with_pupil(here, name="Piano ici", first_name="Ici")
    other_course, other = course_with_pupil(there, name="Piano ailleurs", first_name="Ailleurs")
    AttendanceFactory(lesson=LessonFactory(course=course), student=student)
    AttendanceFactory(lesson=LessonFactory(course=other_course), student=other)
    client.force_login(secretariat_of(here))

    page = client.get(reverse("admin:students_attendance_changelist")).content.decode()

    assert "Piano ici" in page
    assert "Piano ailleurs" not in page


def test_the_unexcused_absences_filter_keeps_pupils_over_the_threshold(client, sites):
    here, _there = sites
    course, often = course_with_pupil(here, name="Violon", first_name="Souvent")
    rarely = StudentFactory(family__site=here, first_name="Rarement")
    EnrolmentFactory(student=rarely, course=course)
    for week in range(3):
        lesson = LessonFactory(
            course=course, scheduled_on=datetime.date(2025, 9, 3) + datetime.timedelta(weeks=week)
        )
        AttendanceFactory(lesson=lesson, student=often, status=Attendance.Status.ABSENT)
        AttendanceFactory(
            lesson=lesson, student=rarely, status=Attendance.Status.EXCUSED if week else "absent"
        )
    client.force_login(secretariat_of(here))

    page = client.get(reverse("admin:students_attendance_changelist") + "?absences_min=3").content.decode()

    assert often.first_name in page
    assert rarely.first_name not in page


def test_the_attendance_csv_export_lists_the_marks(client, sites):
    here, _there = sites
    course, student = course_with_pupil(here, name="Guitare", first_name="Export")
    attendance = AttendanceFactory(lesson=LessonFactory(course=course), student=student, note="Malade")
    client.force_login(secretariat_of(here))

    response = client.post(
        reverse("admin:students_attendance_changelist"),
        {"action": "export_csv", "_selected_action": [attendance.pk]},
    )

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Guitare" in content and "Malade" in content and "absent" in content


def test_the_secretariat_corrects_a_mark_and_the_change_is_recorded(client, sites):
    here, _there = sites
    course, student = course_with_pupil(here, name="Chant", first_name="Correction")
    attendance = AttendanceFactory(lesson=LessonFactory(course=course), student=student)
    client.force_login(secretariat_of(here))

    response = client.post(
        reverse("admin:students_attendance_change", args=[attendance.pk]),
        {"status": "excused", "note": "Certificat reçu", "_save": "1", **empty_inline("changerecord")},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    attendance.refresh_from_db()
    assert (attendance.status, attendance.note) == ("excused", "Certificat reçu")
    assert ChangeRecord.objects.filter(object_id=attendance.pk, field="status", new_value="excusé").exists()


def empty_inline(name):
    prefix = f"extranet-{name}-content_type-object_id"
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}


def test_the_secretariat_cancels_lessons_with_a_reason_and_families_are_emailed(
    client, sites, django_capture_on_commit_callbacks
):
    here, _there = sites
    course, _student = course_with_pupil(here, name="Orchestre", first_name="Annulation")
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=4))
    client.force_login(secretariat_of(here))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:students_lesson_changelist"),
            {"action": "cancel_lessons", "_selected_action": [lesson.pk], "cancel_reason": "Salle inondée"},
        )

    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.CANCELLED
    assert "Salle inondée" in mail.outbox[0].body


def test_the_secretariat_creates_a_teacher_who_gets_the_first_login_link(
    client, sites, django_capture_on_commit_callbacks
):
    here, _there = sites
    course, _student = course_with_pupil(here, name="Flûte", first_name="Prof")
    client.force_login(secretariat_of(here))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:students_teacher_add"),
            {
                "site": here.pk,
                "identifier": "prof.durand",
                "first_name": "Anne",
                "last_name": "Durand",
                "email": "anne.durand@example.fr",
                "phone": "",
                "courses": [course.pk],
            },
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    teacher = Teacher.objects.get(user__identifier="prof.durand")
    assert teacher.site == here and list(teacher.courses.all()) == [course]
    assert not teacher.user.has_usable_password()
    assert mail.outbox[0].to == ["anne.durand@example.fr"]
    assert "/mot-de-passe-perdu/" in mail.outbox[0].body and "prof.durand" in mail.outbox[0].body


def test_a_teacher_identifier_already_taken_on_the_site_is_refused_next_to_the_field(client, sites):
    here, _there = sites
    taken = User.objects.create_user("prof.pris", "x", site=here)
    client.force_login(secretariat_of(here))

    response = client.post(
        reverse("admin:students_teacher_add"),
        {
            "site": here.pk,
            "identifier": taken.identifier,
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.fr",
        },
    )

    assert response.status_code == 200
    assert "Cet identifiant est déjà pris sur ce site." in response.content.decode()


def test_publishing_a_term_from_the_admin_sets_its_date(client, sites):
    here, _there = sites
    term = TermFactory(site=here)
    client.force_login(secretariat_of(here))

    client.post(
        reverse("admin:students_term_changelist"), {"action": "publish_today", "_selected_action": [term.pk]}
    )

    assert Term.objects.get(pk=term.pk).published_on == timezone.localdate()


def test_a_teacher_chooses_a_password_with_the_link_and_lands_on_their_space(
    client, sites, django_capture_on_commit_callbacks
):
    here, _there = sites
    course, _student = course_with_pupil(here, name="Harpe", first_name="Lien")
    teacher = teacher_of(course)
    with django_capture_on_commit_callbacks(execute=True):
        send_teacher_welcome(teacher=teacher)
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/mot-de-passe-perdu/" in line).strip()
    path = link.split("://", 1)[-1].split("/", 1)[-1]
    form_page = client.get("/" + path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Nouveau2026x", "new_password2": "Nouveau2026x"}
    )

    response = client.post(
        reverse("login"),
        {"site": here.slug, "username": teacher.user.identifier, "password": "Nouveau2026x"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("teachers:today")
    assert "Mes séances du jour" in response.content.decode()
