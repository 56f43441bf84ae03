"""Who may open the re-enrolment URLs: anonymous -> login, another family -> 404, staff -> 403."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import NextCourseFactory, WindowFactory, submitted_dossier
from students.tests.factories import StudentFactory

COVERED_URLS = {
    "reenrolment:student",
    "reenrolment:house_rules",
    "admin:reenrolment_reenrolment_decision",
}

pytestmark = pytest.mark.django_db


def portal_urls(student):
    return [
        reverse("reenrolment:student", args=[student.pk]),
        reverse("reenrolment:house_rules"),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    student = StudentFactory()
    for url in portal_urls(student):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_another_familys_pupil_gives_404(client):
    family = FamilyFactory()
    log_in(client, guardian_of(family))
    stranger = StudentFactory()
    url = reverse("reenrolment:student", args=[stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "withdraw", "version": 1}).status_code == 404


def test_staff_without_a_family_are_refused_the_portal(client):
    client.force_login(StaffUserFactory())
    for url in portal_urls(StudentFactory()):
        assert client.get(url).status_code == 403


def test_the_house_rules_are_those_of_the_familys_own_site(client):
    family = FamilyFactory()
    family.site.house_rules.save("reglement.pdf", ContentFile(b"%PDF-1.4 mine"), save=True)
    other = FamilyFactory()
    other.site.house_rules.save("autre.pdf", ContentFile(b"%PDF-1.4 theirs"), save=True)
    log_in(client, guardian_of(family))
    response = client.get(reverse("reenrolment:house_rules"))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 mine"


def test_the_decision_page_is_for_staff_only(client):
    window = WindowFactory()
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    url = reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "validate"])
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    family = FamilyFactory(site=window.site)
    log_in(client, guardian_of(family))
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(StaffUserFactory())  # staff without the permission to change dossiers
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
