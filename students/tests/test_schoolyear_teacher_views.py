"""The teacher's space: take the roll, cancel a lesson, write evaluations; the roll's query count."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import PoleFactory, SiteFactory, current_season
from families.tests.factories import guardian_of
from students.schoolyear_models import Attendance, Evaluation, Lesson
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import AbsenceNoticeFactory, LessonFactory, TermFactory, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return CourseFactory(pole=PoleFactory(site=SiteFactory()), season=current_season())


def add_pupils(course, count):
    pupils = []
    for _ in range(count):
        student = StudentFactory(family__site=course.pole.site)
        guardian_of(student.family, is_payer=True, mobile="0611223344")
        EnrolmentFactory(student=student, course=course)
        pupils.append(student)
    return pupils


def test_the_roll_is_taken_in_one_post(client, course, django_capture_on_commit_callbacks):
    present, absent, late = add_pupils(course, 3)
    lesson = LessonFactory(course=course)
    teacher = teacher_of(course)
    client.force_login(teacher.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teachers:roll", args=[lesson.pk]),
            {
                f"status-{present.pk}": "present",
                f"status-{absent.pk}": "absent",
                f"status-{late.pk}": "late",
                f"note-{late.pk}": "Bus en retard",
            },
        )

    assert response.status_code == 302
    marks = dict(Attendance.objects.values_list("student_id", "status"))
    assert marks == {present.pk: "present", absent.pk: "absent", late.pk: "late"}
    assert len(mail.outbox) == 1  # the unexcused absence, the same day


def test_a_reported_absence_is_on_the_roll_and_preselected_as_excused(client, course):
    (student,) = add_pupils(course, 1)
    lesson = LessonFactory(course=course)
    AbsenceNoticeFactory(
        student=student, starts_on=lesson.date, ends_on=lesson.date, reason="Concours de piano"
    )
    client.force_login(teacher_of(course).user)

    page = client.get(reverse("teachers:roll", args=[lesson.pk])).content.decode()

    assert "Concours de piano" in page
    assert f'id="status-{student.pk}-excused" value="excused" autocomplete="off" checked' in page


def test_a_roll_without_a_choice_is_refused_with_a_french_message(client, course):
    (student,) = add_pupils(course, 1)
    lesson = LessonFactory(course=course)
    client.force_login(teacher_of(course).user)

    response = client.post(reverse("teachers:roll", args=[lesson.pk]), {f"note-{student.pk}": "?"})

    assert response.status_code == 400
    assert "Choisissez présent, absent, excusé ou en retard" in response.content.decode()
    assert not Attendance.objects.exists()


def count_roll_queries(client, lesson):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("teachers:roll", args=[lesson.pk])).status_code == 200
    return len(queries)


def test_the_roll_costs_the_same_queries_for_5_and_30_pupils(client, course):
    lesson = LessonFactory(course=course)
    client.force_login(teacher_of(course).user)
    add_pupils(course, 5)
    client.get(reverse("teachers:roll", args=[lesson.pk]))
    with_5 = count_roll_queries(client, lesson)

    pupils = add_pupils(course, 25)
    for student in pupils[:10]:
        AbsenceNoticeFactory(student=student, starts_on=lesson.date, ends_on=lesson.date)

    assert count_roll_queries(client, lesson) == with_5 == 9


def test_a_teacher_cancels_a_coming_lesson_and_families_are_told(
    client, course, django_capture_on_commit_callbacks
):
    add_pupils(course, 2)
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=2))
    client.force_login(teacher_of(course).user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teachers:lesson_cancel", args=[lesson.pk]), {"reason": "Concert"})

    assert response.status_code == 302
    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.CANCELLED
    assert len(mail.outbox) == 2


def test_moving_a_lesson_with_the_end_before_the_start_keeps_the_form(client, course):
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=2))
    client.force_login(teacher_of(course).user)

    response = client.post(
        reverse("teachers:lesson_move", args=[lesson.pk]),
        {"date": lesson.date.isoformat(), "starts_at": "18:00", "ends_at": "17:00", "room": "Salle 9"},
    )

    assert response.status_code == 400
    assert "L&#x27;heure de fin doit suivre" in response.content.decode()
    assert 'value="Salle 9"' in response.content.decode()


def test_a_teacher_writes_the_terms_evaluations(client, course):
    (student,) = add_pupils(course, 1)
    teacher = teacher_of(course)
    term = TermFactory(site=course.pole.site, season=course.season)
    client.force_login(teacher.user)

    response = client.post(
        reverse("teachers:evaluate", args=[course.pk, term.pk]),
        {f"appreciation-{student.pk}": "Très à l'écoute", f"level-{student.pk}": "very_good"},
    )

    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.appreciation, evaluation.level, evaluation.teacher) == (
        "Très à l'écoute",
        "very_good",
        teacher,
    )
