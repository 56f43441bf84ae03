"""The dossier list is searched one indexed query per field (extranet.base.search): a dossier is
found by its pupil, its family or any of the family's guardians, once, in the queue's order."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import StaffUserFactory
from families.tests.factories import guardian_of
from reenrolment.tests.factories import NextCourseFactory, WindowFactory, submitted_dossier

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
