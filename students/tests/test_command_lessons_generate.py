"""lessons_generate: a site's season of lessons from the timetables, with --dry-run and a summary."""

import io

import pytest
from django.core.management import CommandError, call_command

from extranet.tests.factories import PoleFactory, SeasonFactory, SiteFactory, current_season
from students.schoolyear_models import Lesson
from students.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    site = SiteFactory(slug="malakoff", name="Malakoff", zone="C")
    return CourseFactory(pole=PoleFactory(site=site), season=current_season())


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("lessons_generate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_the_lessons_and_says_how_many(course):
    out, _err = run("--site", "malakoff", "--season", "2025/2026")

    count = Lesson.objects.filter(course=course).count()
    assert count > 25
    assert f"{count} séances créées" in out
    assert "1 cours" in out


def test_a_dry_run_creates_nothing(course):
    out, _err = run("--site", "malakoff", "--season", "2025/2026", "--dry-run")

    assert "Simulation" in out and "seraient créées" in out
    assert not Lesson.objects.exists()


def test_running_it_twice_creates_nothing_more(course):
    run("--site", "malakoff", "--season", "2025/2026")
    count = Lesson.objects.count()

    out, _err = run("--site", "malakoff", "--season", "2025/2026")

    assert Lesson.objects.count() == count
    assert f"{count} déjà présentes" in out


def test_an_unknown_season_is_a_clear_error(course):
    with pytest.raises(CommandError, match="Saison inconnue"):
        run("--site", "malakoff", "--season", "1999/2000")


def test_a_site_without_a_zone_is_warned(course):
    site = course.pole.site
    site.zone = ""
    site.save()

    _out, err = run("--site", "malakoff", "--season", "2025/2026")

    assert "pas de zone" in err


def test_a_season_whose_zone_holidays_are_missing_is_refused_with_what_to_do(course):
    SeasonFactory(start_year=2030, is_current=False, is_next=False)

    with pytest.raises(CommandError, match="Malakoff : Les vacances scolaires 2030/2031 de la zone C"):
        run("--site", "malakoff", "--season", "2030/2031", "--dry-run")
    assert not Lesson.objects.exists()
