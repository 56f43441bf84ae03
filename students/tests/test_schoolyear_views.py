"""Families' school-year pages: Suivi (absences, published evaluations, bulletin), report an absence, iCal."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from documents.tests.factories import jpeg_bytes, upload
from documents.uploads import JPEG, UploadRefused, check_upload
from extranet.tests.factories import PoleFactory, SiteFactory
from extranet.tests.portal import log_in, seasons
from families.tests.factories import guardian_of
from students.models import Weekday
from students.schoolyear_models import AbsenceNotice, Lesson
from students.schoolyear_services import family_calendar, generate_lessons
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import (
    AttendanceFactory,
    EvaluationFactory,
    LessonFactory,
    TermFactory,
    teacher_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family_pupil():
    current, _coming = seasons()
    site = SiteFactory(slug="malakoff", name="Conservatoire de Malakoff", zone="C")
    course = CourseFactory(
        pole=PoleFactory(site=site), season=current, name="Piano Cycle 1", weekday=Weekday.WEDNESDAY
    )
    student = StudentFactory(family__site=site, first_name="Emma", last_name="Martin")
    guardian = guardian_of(student.family, is_payer=True)
    EnrolmentFactory(student=student, course=course)
    return student, guardian, course


def test_suivi_lists_the_pupils_own_absences_only(client, family_pupil):
    student, guardian, course = family_pupil
    AttendanceFactory(
        lesson=LessonFactory(course=course), student=student, status="absent", note="Pas prévenu"
    )
    other = StudentFactory(family__site=student.family.site)
    AttendanceFactory(
        lesson=LessonFactory(course=course, scheduled_on=datetime.date(2025, 9, 3)),
        student=other,
        note="Autre famille",
    )
    log_in(client, guardian)

    page = client.get(reverse("students:suivi", args=[student.pk])).content.decode()

    assert "Pas prévenu" in page and "non excusée" in page
    assert "Autre famille" not in page


def test_suivi_shows_only_published_evaluations(client, family_pupil):
    student, guardian, course = family_pupil
    site = student.family.site
    published = TermFactory(site=site, number=1, published_on=timezone.localdate())
    waiting = TermFactory(site=site, number=2, published_on=timezone.localdate() + datetime.timedelta(days=5))
    EvaluationFactory(term=published, course=course, student=student, appreciation="Belle progression")
    EvaluationFactory(term=waiting, course=course, student=student, appreciation="Pas encore publiée")
    log_in(client, guardian)

    page = client.get(reverse("students:suivi", args=[student.pk])).content.decode()

    assert "Belle progression" in page
    assert "Pas encore publiée" not in page
    assert client.get(reverse("students:bulletin", args=[student.pk, waiting.pk])).status_code == 404


def test_the_bulletin_pdf_holds_the_pupil_course_term_and_appreciation(client, family_pupil):
    student, guardian, course = family_pupil
    term = TermFactory(site=student.family.site, published_on=timezone.localdate())
    EvaluationFactory(
        term=term,
        course=course,
        student=student,
        appreciation="Une sonorité ronde et un vrai travail.",
        teacher=teacher_of(course),
    )
    log_in(client, guardian)

    response = client.get(reverse("students:bulletin", args=[student.pk, term.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Emma MARTIN",
        "Piano Cycle 1",
        "1er trimestre",
        "2025/2026",
        "Une sonorité ronde",
        "Conservatoire de Malakoff",
    ):
        assert expected in text


def test_a_guardian_reports_a_coming_absence(client, family_pupil):
    student, guardian, _course = family_pupil
    log_in(client, guardian)
    day = timezone.localdate() + datetime.timedelta(days=3)

    response = client.post(
        reverse("students:suivi", args=[student.pk]),
        {"starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "Voyage scolaire"},
    )

    assert response.status_code == 302
    assert AbsenceNotice.objects.get(student=student).reason == "Voyage scolaire"


def test_a_wrong_absence_keeps_what_was_typed_with_a_french_message(client, family_pupil):
    student, guardian, _course = family_pupil
    log_in(client, guardian)
    past = timezone.localdate() - datetime.timedelta(days=3)

    response = client.post(
        reverse("students:suivi", args=[student.pk]),
        {"starts_on": past.isoformat(), "ends_on": "pas une date", "reason": "Voyage scolaire"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une date valide" in page
    assert 'value="Voyage scolaire"' in page
    assert not AbsenceNotice.objects.exists()


def test_the_ical_feed_holds_the_lessons_minus_holidays_and_cancellations(client, family_pupil):
    student, _guardian, course = family_pupil
    generate_lessons(site=course.pole.site, season=course.season)
    cancelled = Lesson.objects.filter(course=course).order_by("date")[3]
    cancelled.status = Lesson.Status.CANCELLED
    cancelled.save()
    feed = family_calendar(family=student.family)

    response = client.get(reverse("students:calendar_feed", args=[feed.token]))

    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    days = {event.decoded("dtstart").date() for event in events}
    assert len(events) == Lesson.objects.filter(course=course).count() - 1
    assert cancelled.date not in days
    assert datetime.date(2025, 10, 22) not in days  # Toussaint
    assert datetime.date(2026, 2, 25) not in days  # hiver, zone C
    assert datetime.date(2025, 9, 3) in days
    first = min(events, key=lambda event: event.decoded("dtstart"))
    assert "Piano Cycle 1" in str(first["summary"])
    assert first.decoded("dtstart").hour == 14


def test_a_renewed_feed_address_makes_the_old_one_404(client, family_pupil):
    student, guardian, _course = family_pupil
    old = family_calendar(family=student.family).token
    log_in(client, guardian)

    client.post(reverse("students:calendar_renew"))

    new = family_calendar(family=student.family).token
    assert new != old
    assert client.get(reverse("students:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("students:calendar_feed", args=[new])).status_code == 200


def test_planning_shows_coming_lessons_with_cancellations(client, family_pupil):
    student, guardian, course = family_pupil
    teacher = teacher_of(course)
    today = timezone.localdate()
    LessonFactory(course=course, scheduled_on=today + datetime.timedelta(days=1), room="Salle Ravel")
    LessonFactory(
        course=course,
        scheduled_on=today + datetime.timedelta(days=8),
        status=Lesson.Status.CANCELLED,
        reason="Professeur en formation",
    )
    log_in(client, guardian)

    for url in (reverse("students:planning", args=[student.pk]), reverse("students:family_planning")):
        page = client.get(url).content.decode()
        assert "Salle Ravel" in page
        assert teacher.full_name in page
        assert "Annulé" in page and "Professeur en formation" in page


def add_history(family_pupil, count, start=0):
    student, _guardian, course = family_pupil
    for index in range(start, start + count):
        lesson = LessonFactory(
            course=course, scheduled_on=datetime.date(2025, 9, 3) + datetime.timedelta(days=7 * index)
        )
        AttendanceFactory(lesson=lesson, student=student, status="absent")
        term = TermFactory(site=student.family.site, number=index % 3 + 1, published_on=timezone.localdate())
        EvaluationFactory(term=term, course=CourseFactory(pole=course.pole), student=student)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_suivi_costs_the_same_queries_for_5_and_30_rows(client, family_pupil):
    student, guardian, _course = family_pupil
    log_in(client, guardian)
    url = reverse("students:suivi", args=[student.pk])
    client.get(url)
    add_history(family_pupil, 5)
    with_5 = count_queries(client, url)

    add_history(family_pupil, 25, start=5)

    assert count_queries(client, url) == with_5 == 7


def test_a_truncated_photo_is_still_refused_after_a_bulletin_is_rendered(client, family_pupil):
    """Importing WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process; the
    upload check turns it off itself before decoding, so rendering PDFs cannot weaken it."""
    student, guardian, course = family_pupil
    term = TermFactory(site=student.family.site, published_on=timezone.localdate())
    EvaluationFactory(term=term, course=course, student=student)
    log_in(client, guardian)
    content = jpeg_bytes(size=(400, 300))

    assert client.get(reverse("students:bulletin", args=[student.pk, term.pk])).status_code == 200
    with pytest.raises(UploadRefused, match="abîmée ou incomplète"):
        check_upload(
            upload("photo.jpg", content[: len(content) // 2]), accepted_types=[JPEG], type_name="Photo"
        )
