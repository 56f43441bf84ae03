"""The dossier list is searched one indexed query per field (extranet.base.search): a dossier is
found by its pupil, its family or any of the family's guardians, once, in the queue's order; the
pôle and course filters list a dossier once without a DISTINCT over the list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import StaffUserFactory
from families.tests.factories import guardian_of
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, WindowFactory, submitted_dossier

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reenrolment_reenrolment_changelist")


@pytest.fixture
def secretariat(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    return client


def found(client, term: str, **params) -> list:
    response = client.get(CHANGELIST, {"q": term, **params})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_a_dossier_is_found_once_by_each_guardian_of_the_family(secretariat):
    window = WindowFactory()
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    family = dossier.student.family
    guardian_of(family, last_name="Rousseau", first_name="Élise")
    guardian_of(family, last_name="Rousseau", first_name="Paul")
    submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)

    assert found(secretariat, "rousseau") == [dossier]
    assert found(secretariat, "Élise") == [dossier]
    assert found(secretariat, "Rousseau Paul") == [dossier]
    assert found(secretariat, "Rousseau Zoé") == []


def test_searched_dossiers_keep_the_queue_order_and_the_filters(secretariat):
    window = WindowFactory()
    now = timezone.now()
    course = NextCourseFactory(pole__site=window.site)
    late = submitted_dossier(course, window=window, complete_at=now - datetime.timedelta(minutes=5))
    early = submitted_dossier(course, window=window, complete_at=now - datetime.timedelta(minutes=50))
    for dossier in (late, early):
        guardian_of(dossier.student.family, last_name="Marchand")

    assert found(secretariat, "marchand") == [early, late]
    assert found(secretariat, "marchand", complet="non") == []


def test_a_dossier_asking_two_courses_of_a_pole_is_listed_once_by_the_pole_and_course_filters(secretariat):
    window = WindowFactory()
    piano = NextCourseFactory(pole__site=window.site, name="Piano")
    choir = NextCourseFactory(pole=piano.pole, name="Chœur")
    both = submitted_dossier(piano, window=window)
    ChoiceFactory(reenrolment=both, course=choir, preference=2)
    submitted_dossier(NextCourseFactory(pole__site=window.site, name="Violon"), window=window)

    def listed(**params):
        response = secretariat.get(CHANGELIST, params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list), response.context["cl"].result_count

    assert listed(pole=piano.pole_id) == ([both], 1)
    assert listed(cours=choir.pk) == ([both], 1)
    filters = secretariat.get(CHANGELIST).context["cl"].filter_specs
    (courses,) = [spec for spec in filters if getattr(spec, "parameter_name", "") == "cours"]
    assert sorted(title.split(" (")[0] for _value, title in courses.lookup_choices) == [
        "Chœur",
        "Piano",
        "Violon",
    ]
