"""After the decision: the "validée" email says what happens next; a closed window with an unsent
draft says the request never reached the secretariat."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from reenrolment import services
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import (
    NextCourseFactory,
    ReenrolmentFactory,
    WindowFactory,
    setting,
    submitted_dossier,
)
from students.models import Weekday

pytestmark = pytest.mark.django_db


def test_the_validated_email_gives_the_first_lesson_and_its_timetable(django_capture_on_commit_callbacks):
    window = WindowFactory()
    course = NextCourseFactory(
        pole__site=window.site,
        name="Piano cycle 1",
        capacity=3,
        weekday=Weekday.WEDNESDAY,
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(14, 30),
        room="Salle 3",
        teacher_name="Mme Durand",
    )
    dossier = submitted_dossier(course, window=window)

    with django_capture_on_commit_callbacks(execute=True):
        services.validate_reenrolment(reenrolment=dossier, actor=StaffUserFactory())

    body = mail.outbox[0].body
    # 2026/2027 starts on Tuesday 1 September 2026: the first Wednesday is the 2nd.
    assert (
        "- Piano cycle 1 : premier cours le mercredi 2 septembre 2026, de 14 h à 14 h 30 (Salle 3), "
        "avec Mme Durand." in body
    )
    assert "onglet Cours" in body
    html = mail.outbox[0].alternatives[0][0]
    assert "premier cours le mercredi 2 septembre 2026" in html


def test_a_closed_window_with_an_unsent_draft_says_it_was_never_sent(client):
    ctx = setting()
    student = ctx.pupil(first_name="Emma")
    now = timezone.now()
    ctx.window.opens_at, ctx.window.closes_at = (
        now - datetime.timedelta(days=20),
        now - datetime.timedelta(days=1),
    )
    ctx.window.save()
    ReenrolmentFactory(window=ctx.window, student=student, state=Reenrolment.State.DRAFT, submitted_at=None)
    log_in(client, ctx.guardian)

    page = client.get(reverse("reenrolment:student", args=[student.pk])).content.decode()

    assert (
        "Votre demande n&#x27;a jamais été envoyée." in page
        or "Votre demande n'a jamais été envoyée." in page
    )
    assert "le secrétariat ne l" in page


def test_a_closed_window_with_a_sent_dossier_says_nothing_of_the_kind(client):
    ctx = setting()
    student = ctx.pupil(first_name="Emma")
    now = timezone.now()
    ctx.window.opens_at, ctx.window.closes_at = (
        now - datetime.timedelta(days=20),
        now - datetime.timedelta(days=1),
    )
    ctx.window.save()
    ReenrolmentFactory(window=ctx.window, student=student, state=Reenrolment.State.SUBMITTED)
    log_in(client, ctx.guardian)

    page = client.get(reverse("reenrolment:student", args=[student.pk])).content.decode()

    assert "jamais été envoyée" not in page
