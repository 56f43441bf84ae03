"""Who may open the Élèves pages: only a logged-in guardian, only for the family's own pupils."""

import pytest
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family, seasons
from students.tests.factories import StudentFactory
from students.tests.test_schoolyear_access import SCHOOL_YEAR_URLS

pytestmark = pytest.mark.django_db

PORTAL_URLS = {
    "students:list",
    "students:identity",
    "students:courses",
    "students:history",
    "students:repertoire",
}
PUPIL_URLS = sorted(PORTAL_URLS - {"students:list"})
# The school year's URLs (Planning, Suivi, iCal, teacher's space) are covered in test_schoolyear_access.
COVERED_URLS = PORTAL_URLS | SCHOOL_YEAR_URLS


def url_for(name, student_id=1):
    return reverse(name) if name == "students:list" else reverse(name, args=[student_id])


@pytest.mark.parametrize("name", sorted(PORTAL_URLS))
def test_anonymous_visitor_is_sent_to_login(client, name):
    student = StudentFactory()
    url = url_for(name, student.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", sorted(PORTAL_URLS))
def test_staff_without_a_family_is_refused(client, name):
    student = StudentFactory()
    client.force_login(StaffUserFactory())

    assert client.get(url_for(name, student.pk)).status_code == 403


@pytest.mark.parametrize("name", PUPIL_URLS)
def test_another_family_pupil_gives_404(client, name):
    seasons()
    logged_in_family(client)
    stranger = StudentFactory()

    assert client.get(url_for(name, stranger.pk)).status_code == 404
    assert client.post(url_for(name, stranger.pk), {"birth_place": "Ailleurs"}).status_code in (404, 405)


@pytest.mark.parametrize("name", PUPIL_URLS)
def test_a_pupil_id_that_does_not_exist_gives_404(client, name):
    seasons()
    logged_in_family(client)

    assert client.get(url_for(name, 999_999)).status_code == 404


@pytest.mark.parametrize("name", PUPIL_URLS)
def test_own_pupil_opens(client, name):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    assert client.get(url_for(name, student.pk)).status_code == 200


def test_another_family_pupil_is_not_listed(client):
    seasons()
    logged_in_family(client)
    stranger = StudentFactory(first_name="Inconnu")

    assert stranger.first_name not in client.get(reverse("students:list")).content.decode()


@pytest.mark.parametrize("name", ["reenrolment:student", "documents:student"])
def test_the_other_pupil_tabs_also_answer_404_for_another_family_pupil(client, name):
    """Réinscription and Documents fournis belong to other apps, which cover them; checked here too."""
    seasons()
    logged_in_family(client)
    stranger = StudentFactory()

    assert client.get(reverse(name, args=[stranger.pk])).status_code == 404
