"""refresh_completeness: complete_at follows the documents handed in."""

import datetime

import pytest
from django.utils import timezone

from extranet.tests.factories import StaffUserFactory
from reenrolment import services
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import (
    NextCourseFactory,
    ReenrolmentFactory,
    WindowFactory,
    submitted_dossier,
)
from students.tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def at(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_a_sent_dossier_becomes_complete_when_the_last_document_is_handed_in(documents):
    dossier = ReenrolmentFactory(complete_at=None)
    when = at(5)
    services.refresh_completeness(student=dossier.student, at=when)
    dossier.refresh_from_db()
    assert dossier.complete_at == when


def test_a_dossier_with_a_missing_family_document_stays_incomplete(documents):
    dossier = ReenrolmentFactory(complete_at=None)
    documents.missing_for_family = ["RIB"]
    services.refresh_completeness(student=dossier.student)
    dossier.refresh_from_db()
    assert dossier.complete_at is None


def test_completeness_is_cleared_when_a_document_goes_missing_again(documents):
    dossier = ReenrolmentFactory()
    documents.missing_for_student[dossier.student.pk] = ["Certificat médical"]
    services.refresh_completeness(student=dossier.student)
    dossier.refresh_from_db()
    assert dossier.complete_at is None


def test_a_complete_dossier_keeps_the_moment_it_became_complete(documents):
    first = timezone.now() - datetime.timedelta(days=2)
    dossier = ReenrolmentFactory(complete_at=first)
    services.refresh_completeness(student=dossier.student)
    dossier.refresh_from_db()
    assert dossier.complete_at == first


@pytest.mark.parametrize(
    "state", [Reenrolment.State.DRAFT, Reenrolment.State.WITHDRAWN, Reenrolment.State.REFUSED]
)
def test_drafts_and_closed_dossiers_are_not_marked_complete(documents, state):
    dossier = ReenrolmentFactory(state=state, complete_at=None)
    services.refresh_completeness(student=dossier.student)
    dossier.refresh_from_db()
    assert dossier.complete_at is None


def test_a_pupil_without_dossier_is_left_alone(documents):
    from students.tests.factories import StudentFactory

    services.refresh_completeness(student=StudentFactory())
    assert not Reenrolment.objects.exists()


def test_a_waitlisted_dossier_that_becomes_complete_moves_up_the_waiting_list(documents):
    window = WindowFactory()
    course = NextCourseFactory(pole__site=window.site, capacity=1)
    EnrolmentFactory(course=course)
    staff = StaffUserFactory()
    complete = submitted_dossier(course, window=window, complete_at=at(-30))
    late = submitted_dossier(course, window=window, submitted_at=at(-60))
    Reenrolment.objects.filter(pk=late.pk).update(complete_at=None)
    for dossier in (complete, late):
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    assert late.choices.get().waitlist_position == 2
    services.refresh_completeness(student=late.student, at=at(-40))
    assert late.choices.get().waitlist_position == 1
    assert complete.choices.get().waitlist_position == 2
