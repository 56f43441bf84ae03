"""Who reaches the school year's pages: guardians their own pupils only, teachers their own courses only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory
from extranet.tests.portal import log_in, logged_in_family, seasons
from families.tests.factories import guardian_of
from students.schoolyear_services import family_calendar
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import EvaluationFactory, LessonFactory, TermFactory, teacher_of

pytestmark = pytest.mark.django_db

PUPIL_URLS = {"students:planning", "students:suivi", "students:bulletin"}
FAMILY_URLS = {"students:family_planning", "students:calendar", "students:calendar_renew"}
TEACHER_URLS = {
    "teachers:today",
    "teachers:roll",
    "teachers:lesson_cancel",
    "teachers:lesson_move",
    "teachers:evaluations",
    "teachers:evaluate",
}
TEACHER_OBJECT_URLS = TEACHER_URLS - {"teachers:today", "teachers:evaluations"}
SCHOOL_YEAR_URLS = PUPIL_URLS | FAMILY_URLS | TEACHER_URLS | {"students:calendar_feed"}
POST_ONLY = {"students:calendar_renew"}


@pytest.fixture
def world():
    """A site with two courses, each with its teacher and one pupil of its own family, a lesson
    today and a published term of evaluations."""
    current, _coming = seasons()
    site = SiteFactory(slug="malakoff")
    pole = PoleFactory(site=site)
    world = {"site": site}
    for key in ("mine", "other"):
        course = CourseFactory(pole=pole, season=current)
        student = StudentFactory(family__site=site)
        guardian = guardian_of(student.family, is_payer=True)
        EnrolmentFactory(student=student, course=course)
        world[key] = {
            "course": course,
            "student": student,
            "guardian": guardian,
            "teacher": teacher_of(course),
            "lesson": LessonFactory(course=course),
        }
    term = TermFactory(site=site, season=current, published_on=timezone.localdate())
    for key in ("mine", "other"):
        EvaluationFactory(term=term, course=world[key]["course"], student=world[key]["student"])
    world["term"] = term
    return world


def url_for(name, part, term=None):
    if name in PUPIL_URLS:
        args = [part["student"].pk, term.pk] if name == "students:bulletin" else [part["student"].pk]
        return reverse(name, args=args)
    if name in ("teachers:roll", "teachers:lesson_cancel", "teachers:lesson_move"):
        return reverse(name, args=[part["lesson"].pk])
    if name == "teachers:evaluate":
        return reverse(name, args=[part["course"].pk, term.pk])
    return reverse(name)


def get_or_post(client, name, url):
    return client.post(url) if name in POST_ONLY else client.get(url)


@pytest.mark.parametrize("name", sorted(SCHOOL_YEAR_URLS - {"students:calendar_feed"}))
def test_anonymous_visitor_is_sent_to_login(client, world, name):
    url = url_for(name, world["mine"], world["term"])

    response = get_or_post(client, name, url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", sorted(SCHOOL_YEAR_URLS - {"students:calendar_feed"}))
def test_staff_are_refused(client, world, name):
    client.force_login(StaffUserFactory())

    assert get_or_post(client, name, url_for(name, world["mine"], world["term"])).status_code == 403


@pytest.mark.parametrize("name", sorted(TEACHER_URLS))
def test_a_guardian_is_refused_from_the_teacher_space(client, world, name):
    log_in(client, world["mine"]["guardian"])

    assert client.get(url_for(name, world["mine"], world["term"])).status_code == 403


@pytest.mark.parametrize("name", sorted(PUPIL_URLS | FAMILY_URLS))
def test_a_teacher_is_refused_from_the_family_pages(client, world, name):
    client.force_login(world["mine"]["teacher"].user)

    assert get_or_post(client, name, url_for(name, world["mine"], world["term"])).status_code == 403


@pytest.mark.parametrize("name", sorted(TEACHER_OBJECT_URLS))
def test_a_teacher_gets_404_for_another_teachers_course(client, world, name):
    client.force_login(world["mine"]["teacher"].user)

    assert client.get(url_for(name, world["other"], world["term"])).status_code == 404


@pytest.mark.parametrize("name", sorted(TEACHER_URLS))
def test_a_teacher_opens_their_own_pages(client, world, name):
    client.force_login(world["mine"]["teacher"].user)

    assert client.get(url_for(name, world["mine"], world["term"])).status_code == 200


@pytest.mark.parametrize("name", sorted(PUPIL_URLS))
def test_another_family_pupil_gives_404(client, world, name):
    log_in(client, world["mine"]["guardian"])

    assert client.get(url_for(name, world["other"], world["term"])).status_code == 404


@pytest.mark.parametrize("name", sorted(PUPIL_URLS | FAMILY_URLS - POST_ONLY))
def test_a_guardian_opens_their_own_pupils_pages(client, world, name):
    log_in(client, world["mine"]["guardian"])

    assert client.get(url_for(name, world["mine"], world["term"])).status_code == 200


def test_renewing_the_calendar_takes_a_post(client, world):
    log_in(client, world["mine"]["guardian"])

    assert client.get(reverse("students:calendar_renew")).status_code == 405
    assert client.post(reverse("students:calendar_renew")).status_code == 302


def test_the_feed_needs_its_secret_address(client, world):
    feed = family_calendar(family=world["mine"]["student"].family)

    assert client.get(reverse("students:calendar_feed", args=[feed.token])).status_code == 200
    assert client.get(reverse("students:calendar_feed", args=["not-the-token"])).status_code == 404


def test_the_roll_shows_only_what_teaching_needs(client, world):
    mine = world["mine"]
    family = mine["student"].family
    family.address, family.city = "12 rue des Secrets", "Vanves"
    family.save()
    mine["guardian"].mobile = "0612345678"
    mine["guardian"].save()
    client.force_login(mine["teacher"].user)

    page = client.get(reverse("teachers:roll", args=[mine["lesson"].pk])).content.decode()

    assert mine["student"].full_name in page
    assert "0612345678" in page
    assert "12 rue des Secrets" not in page and "Vanves" not in page
    assert world["other"]["student"].full_name not in page


def test_todays_page_lists_only_the_teachers_own_lessons(client, world):
    client.force_login(world["mine"]["teacher"].user)

    page = client.get(reverse("teachers:today")).content.decode()

    assert world["mine"]["course"].name in page
    assert reverse("teachers:roll", args=[world["other"]["lesson"].pk]) not in page


def test_logging_in_as_a_teacher_lands_on_the_teacher_space(client, world):
    client.force_login(world["mine"]["teacher"].user)

    assert client.get(reverse("home"))["Location"] == reverse("teachers:today")
    assert client.get(reverse("root"))["Location"] == reverse("teachers:today")


def test_logged_in_family_still_reaches_accueil(client, world):
    logged_in_family(client)

    assert client.get(reverse("home")).status_code == 200
