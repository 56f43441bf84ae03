"""seed_demo's school year: demo teachers, this season's lessons, absences, one published term."""

import pytest

from extranet.shell.demo import build_demo
from students.schoolyear_demo import seed_school_year
from students.schoolyear_models import AbsenceNotice, Attendance, Evaluation, Lesson, Teacher

pytestmark = pytest.mark.django_db


def test_the_demo_has_teachers_lessons_absences_and_a_published_term():
    build_demo()

    girard = Teacher.objects.get(user__identifier="prof.girard", site__slug="malakoff")
    assert girard.user.check_password("Demo2026x")
    assert girard.courses.filter(name="Piano cycle 1").exists()
    assert Lesson.objects.filter(course__pole__site__slug="malakoff").count() > 100
    assert Attendance.objects.filter(status=Attendance.Status.ABSENT).exists()
    assert AbsenceNotice.objects.filter(reported_by__guardian__isnull=False).exists()
    assert Evaluation.objects.filter(term__published_on__isnull=False).exists()


def test_seeding_the_school_year_again_changes_nothing():
    build_demo()
    counts = (Lesson.objects.count(), Attendance.objects.count(), Evaluation.objects.count())

    assert seed_school_year() == 0
    assert (Lesson.objects.count(), Attendance.objects.count(), Evaluation.objects.count()) == counts
