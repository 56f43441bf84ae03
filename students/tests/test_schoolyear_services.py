"""The school year's writes: lessons from the timetable and calendar, cancel/move, roll, absences, evaluations."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from extranet.base.models import ChangeRecord
from extranet.tests.factories import PoleFactory, SiteFactory, current_season
from families.tests.factories import guardian_of
from students.models import Weekday
from students.schoolyear_models import Attendance, ClosureDay, Lesson, SchoolYearSettings
from students.schoolyear_services import (
    EvaluationText,
    Mark,
    SchoolYearError,
    cancel_lesson,
    ensure_terms,
    family_calendar,
    generate_lessons,
    move_lesson,
    publish_term,
    record_roll,
    renew_calendar,
    report_absence,
    save_evaluations,
)
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import LessonFactory, TermFactory, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    site = SiteFactory(zone="C")
    return CourseFactory(pole=PoleFactory(site=site), weekday=Weekday.WEDNESDAY, season=current_season())


def pupil_in(course, *, email="parent@example.fr"):
    student = StudentFactory(family__site=course.pole.site)
    guardian_of(student.family, email=email, is_payer=True)
    EnrolmentFactory(student=student, course=course)
    return student


def test_generated_lessons_fall_on_the_course_weekday_outside_the_zone_holidays(course):
    result = generate_lessons(site=course.pole.site, season=course.season)

    dates = list(Lesson.objects.filter(course=course).values_list("date", flat=True))
    assert result.created == len(dates) > 25
    assert all(day.isoweekday() == Weekday.WEDNESDAY for day in dates)
    assert datetime.date(2025, 9, 3) in dates
    assert datetime.date(2025, 10, 22) not in dates  # Toussaint
    assert datetime.date(2025, 12, 24) not in dates  # Noël
    assert datetime.date(2026, 2, 25) not in dates  # hiver, zone C
    assert datetime.date(2026, 2, 11) in dates  # hiver of zone A only
    assert datetime.date(2026, 4, 22) not in dates  # printemps, zone C


def test_a_closure_day_has_no_lesson_and_generating_again_adds_nothing(course):
    ClosureDay.objects.create(
        site=course.pole.site, date=datetime.date(2025, 9, 10), reason="Journée pédagogique"
    )

    generate_lessons(site=course.pole.site, season=course.season)
    again = generate_lessons(site=course.pole.site, season=course.season)

    assert not Lesson.objects.filter(course=course, date=datetime.date(2025, 9, 10)).exists()
    assert again.created == 0
    assert again.existing == Lesson.objects.filter(course=course).count()


def test_a_dry_run_counts_without_creating(course):
    result = generate_lessons(site=course.pole.site, season=course.season, dry_run=True)

    assert result.created > 0
    assert not Lesson.objects.exists()


def test_cancelling_a_lesson_emails_the_families_of_its_pupils(course, django_capture_on_commit_callbacks):
    pupil_in(course, email="a@example.fr")
    pupil_in(course, email="b@example.fr")
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        cancel_lesson(lesson_id=lesson.pk, actor=None, reason="Professeur malade")

    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.fr", "b@example.fr"]
    assert "Professeur malade" in mail.outbox[0].body
    assert lesson.history.get().new_state == Lesson.Status.CANCELLED


def test_a_teacher_cannot_cancel_another_teachers_lesson(course):
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=2))
    stranger = teacher_of(CourseFactory(pole=course.pole))

    with pytest.raises(SchoolYearError):
        cancel_lesson(lesson_id=lesson.pk, actor=stranger.user, reason="Grève", teacher=stranger)


def test_moving_a_lesson_tells_families_the_new_time(course, django_capture_on_commit_callbacks):
    pupil_in(course)
    lesson = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=2))
    new_day = timezone.localdate() + datetime.timedelta(days=3)

    with django_capture_on_commit_callbacks(execute=True):
        move_lesson(
            lesson_id=lesson.pk,
            actor=None,
            date=new_day,
            starts_at=datetime.time(17, 0),
            ends_at=datetime.time(18, 0),
            room="Auditorium",
        )

    lesson.refresh_from_db()
    assert (lesson.date, lesson.status, lesson.scheduled_on != lesson.date) == (
        new_day,
        Lesson.Status.MOVED,
        True,
    )
    assert "17:00" in mail.outbox[0].body and "Auditorium" in mail.outbox[0].body


def test_an_unexcused_absence_emails_the_guardians_the_same_day_once(
    course, django_capture_on_commit_callbacks
):
    student = pupil_in(course, email="parent@example.fr")
    lesson = LessonFactory(course=course)
    teacher = teacher_of(course)

    with django_capture_on_commit_callbacks(execute=True):
        record_roll(
            lesson_id=lesson.pk, actor=teacher.user, marks={student.pk: Mark("absent")}, teacher=teacher
        )
    with django_capture_on_commit_callbacks(execute=True):
        record_roll(
            lesson_id=lesson.pk, actor=teacher.user, marks={student.pk: Mark("absent", "x")}, teacher=teacher
        )

    assert [m.to for m in mail.outbox] == [["parent@example.fr"]]
    assert Attendance.objects.get().guardians_notified_at is not None


def test_no_absence_email_when_the_site_does_not_want_it(course, django_capture_on_commit_callbacks):
    SchoolYearSettings.objects.create(site=course.pole.site, email_unexcused_absence=False)
    student = pupil_in(course)
    lesson = LessonFactory(course=course)

    with django_capture_on_commit_callbacks(execute=True):
        record_roll(lesson_id=lesson.pk, actor=None, marks={student.pk: Mark("absent")})

    assert mail.outbox == []


def test_correcting_a_mark_is_recorded(course):
    student = pupil_in(course)
    lesson = LessonFactory(course=course)
    record_roll(lesson_id=lesson.pk, actor=None, marks={student.pk: Mark("present")})

    record_roll(lesson_id=lesson.pk, actor=None, marks={student.pk: Mark("late", "10 minutes")})

    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.note) == ("late", "10 minutes")
    assert ChangeRecord.objects.filter(object_id=attendance.pk, field="status").exists()


def test_the_roll_of_a_coming_lesson_or_of_a_pupil_outside_the_course_is_refused(course):
    student = pupil_in(course)
    coming = LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=1))
    today = LessonFactory(course=course, scheduled_on=timezone.localdate() - datetime.timedelta(days=7))

    with pytest.raises(SchoolYearError):
        record_roll(lesson_id=coming.pk, actor=None, marks={student.pk: Mark("present")})
    with pytest.raises(SchoolYearError):
        record_roll(lesson_id=today.pk, actor=None, marks={StudentFactory().pk: Mark("present")})


def test_a_family_reports_a_coming_absence_and_not_a_past_one(course):
    student = pupil_in(course)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    notice = report_absence(
        family=student.family,
        actor=None,
        student_id=student.pk,
        starts_on=tomorrow,
        ends_on=tomorrow,
        reason="Concours",
    )

    assert notice.student == student
    with pytest.raises(SchoolYearError) as error:
        report_absence(
            family=student.family,
            actor=None,
            student_id=student.pk,
            starts_on=tomorrow - datetime.timedelta(days=3),
            ends_on=tomorrow,
            reason="Malade",
        )
    assert error.value.field == "starts_on"


def test_a_family_cannot_report_an_absence_for_another_familys_pupil(course):
    student = pupil_in(course)
    other = pupil_in(course)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(SchoolYearError):
        report_absence(
            family=other.family,
            actor=None,
            student_id=student.pk,
            starts_on=tomorrow,
            ends_on=tomorrow,
            reason="Concours",
        )


def test_terms_follow_the_site_setting():
    season = current_season()
    site = SiteFactory()
    SchoolYearSettings.objects.create(site=site, term_system="semesters")

    terms = ensure_terms(site=site, season=season)

    assert [(t.label, t.starts_on, t.ends_on) for t in terms] == [
        ("1er semestre", datetime.date(2025, 9, 1), datetime.date(2026, 1, 31)),
        ("2nd semestre", datetime.date(2026, 2, 1), datetime.date(2026, 6, 30)),
    ]


def test_a_teacher_writes_evaluations_until_the_term_is_published(course):
    student = pupil_in(course)
    teacher = teacher_of(course)
    term = TermFactory(site=course.pole.site, season=course.season)

    saved = save_evaluations(
        teacher=teacher,
        term_id=term.pk,
        course_id=course.pk,
        entries={student.pk: EvaluationText("Très bon trimestre", "very_good")},
    )
    publish_term(term=term, actor=None, published_on=timezone.localdate())

    assert saved == 1
    with pytest.raises(SchoolYearError):
        save_evaluations(
            teacher=teacher,
            term_id=term.pk,
            course_id=course.pk,
            entries={student.pk: EvaluationText("Changé")},
        )


def test_renewing_the_calendar_changes_its_secret_address(course):
    student = pupil_in(course)
    old = family_calendar(family=student.family).token

    new = renew_calendar(family=student.family, actor=None).token

    assert new != old and len(new) >= 40
