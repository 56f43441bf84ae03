"""The secretariat's decisions: validate, waiting list, refuse, withdraw, and freed seats."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from extranet.tests.factories import StaffUserFactory
from reenrolment import services
from reenrolment.models import Reenrolment, ReenrolmentChoice
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, WindowFactory, submitted_dossier
from students.models import Enrolment
from students.tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

Choice = ReenrolmentChoice.State


@pytest.fixture
def staff():
    return StaffUserFactory()


@pytest.fixture
def window():
    return WindowFactory()


def course_of(window, capacity):
    return NextCourseFactory(pole__site=window.site, capacity=capacity, name="Piano cycle 1")


def minutes_ago(n):
    return timezone.now() - datetime.timedelta(minutes=n)


def test_validating_gives_a_seat_and_creates_next_season_enrolment(
    window, staff, django_capture_on_commit_callbacks
):
    course = course_of(window, 2)
    dossier = submitted_dossier(course, window=window)
    with django_capture_on_commit_callbacks(execute=True):
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.VALIDATED and dossier.decided_at is not None
    enrolment = Enrolment.objects.get(student=dossier.student)
    assert enrolment.course == course and enrolment.season == window.season and enrolment.status == "active"
    assert dossier.choices.get().state == Choice.ACCEPTED
    change = dossier.history.last()
    assert (change.old_state, change.new_state, change.actor) == ("submitted", "validated", staff)
    assert mail.outbox[0].subject.endswith(": validée")
    assert "place attribuée" in mail.outbox[0].body


def test_validating_when_the_course_is_full_puts_the_dossier_on_the_waiting_list(
    window, staff, django_capture_on_commit_callbacks
):
    course = course_of(window, 1)
    EnrolmentFactory(course=course)
    dossier = submitted_dossier(course, window=window)
    with django_capture_on_commit_callbacks(execute=True):
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    dossier.refresh_from_db()
    choice = dossier.choices.get()
    assert dossier.state == Reenrolment.State.WAITLISTED
    assert (choice.state, choice.waitlist_position) == (Choice.WAITLISTED, 1)
    assert not Enrolment.objects.filter(student=dossier.student).exists()
    assert dossier.history.last().reason == "Cours complet : Piano cycle 1"
    assert "liste d'attente, rang 1" in mail.outbox[0].body


def test_a_dossier_with_one_full_course_gets_the_other_seats_and_waits_for_the_full_one(window, staff):
    free = course_of(window, 5)
    full = NextCourseFactory(pole=free.pole, capacity=1, name="Chœur")
    EnrolmentFactory(course=full)
    dossier = submitted_dossier(free, window=window)
    ChoiceFactory(reenrolment=dossier, course=full)
    services.validate_reenrolment(reenrolment=dossier, actor=staff)
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.WAITLISTED
    assert {c.course.name: c.state for c in dossier.choices.all()} == {
        "Piano cycle 1": Choice.ACCEPTED,
        "Chœur": Choice.WAITLISTED,
    }


def test_a_dossier_is_validated_only_once(window, staff):
    dossier = submitted_dossier(course_of(window, 2), window=window)
    services.validate_reenrolment(reenrolment=dossier, actor=staff)
    with pytest.raises(services.InvalidTransition):
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    assert Enrolment.objects.count() == 1


def test_an_administrative_dossier_without_course_is_validated(window, staff):
    from reenrolment.tests.factories import ReenrolmentFactory

    dossier = ReenrolmentFactory(window=window, administrative=True)
    services.validate_reenrolment(reenrolment=dossier, actor=staff)
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.VALIDATED


def test_a_pupil_already_enrolled_does_not_take_a_second_seat(window, staff):
    course = course_of(window, 1)
    dossier = submitted_dossier(course, window=window)
    EnrolmentFactory(course=course, student=dossier.student)
    services.validate_reenrolment(reenrolment=dossier, actor=staff)
    assert Enrolment.objects.filter(course=course).count() == 1
    assert dossier.choices.get().state == Choice.ACCEPTED


def test_the_waiting_list_follows_the_order_dossiers_became_complete_then_were_sent(window, staff):
    course = course_of(window, 1)
    EnrolmentFactory(course=course)
    late = submitted_dossier(course, window=window, complete_at=minutes_ago(10), submitted_at=minutes_ago(60))
    incomplete = submitted_dossier(course, window=window, submitted_at=minutes_ago(90))
    Reenrolment.objects.filter(pk=incomplete.pk).update(complete_at=None)
    early = submitted_dossier(
        course, window=window, complete_at=minutes_ago(30), submitted_at=minutes_ago(30)
    )
    tie = submitted_dossier(course, window=window, complete_at=minutes_ago(30), submitted_at=minutes_ago(20))
    for dossier in [late, incomplete, tie, early]:  # validated in any order
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    ranks = dict(
        ReenrolmentChoice.objects.filter(course=course).values_list("reenrolment_id", "waitlist_position")
    )
    assert ranks == {early.pk: 1, tie.pk: 2, late.pk: 3, incomplete.pk: 4}


def test_putting_on_the_waiting_list_gives_no_seat_even_if_free(
    window, staff, django_capture_on_commit_callbacks
):
    course = course_of(window, 5)
    dossier = submitted_dossier(course, window=window)
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_reenrolment(reenrolment=dossier, actor=staff, reason="Dossier à compléter")
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.WAITLISTED
    assert dossier.choices.get().waitlist_position == 1
    assert not Enrolment.objects.exists()
    assert "Dossier à compléter" in mail.outbox[0].body


def test_refusing_needs_a_reason(window, staff):
    dossier = submitted_dossier(course_of(window, 5), window=window)
    with pytest.raises(services.ReenrolmentError) as refused:
        services.refuse_reenrolment(reenrolment=dossier, actor=staff, reason="  ")
    assert refused.value.field == "reason"
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.SUBMITTED


def test_refusing_emails_the_reason_to_the_family(window, staff, django_capture_on_commit_callbacks):
    dossier = submitted_dossier(course_of(window, 5), window=window)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_reenrolment(reenrolment=dossier, actor=staff, reason="Âge hors limites du cours.")
    dossier.refresh_from_db()
    assert (
        dossier.state == Reenrolment.State.REFUSED and dossier.refusal_reason == "Âge hors limites du cours."
    )
    assert dossier.history.last().reason == "Âge hors limites du cours."
    assert mail.outbox[0].subject.endswith(": refusée")
    assert "Motif : Âge hors limites du cours." in mail.outbox[0].body


def test_refusing_a_validated_dossier_gives_its_seat_to_the_first_on_the_waiting_list(
    window, staff, django_capture_on_commit_callbacks
):
    course = course_of(window, 1)
    seated = submitted_dossier(course, window=window, complete_at=minutes_ago(50))
    first = submitted_dossier(course, window=window, complete_at=minutes_ago(40))
    second = submitted_dossier(course, window=window, complete_at=minutes_ago(30))
    for dossier in [seated, first, second]:
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_reenrolment(reenrolment=seated, actor=staff, reason="Déménagement.")
    first.refresh_from_db()
    assert first.state == Reenrolment.State.VALIDATED
    assert first.history.last().reason == "Place libérée dans « Piano cycle 1 »"
    assert Enrolment.objects.get(course=course, status="active").student == first.student
    assert Enrolment.objects.get(student=seated.student).status == "stopped"
    assert second.choices.get().waitlist_position == 1  # moved up, no gap
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("Une place s'est libérée pour") for s in subjects)
    assert any(s.endswith(": refusée") for s in subjects)


def test_refusing_a_waitlisted_dossier_closes_the_gap_in_the_waiting_list(window, staff):
    course = course_of(window, 1)
    EnrolmentFactory(course=course)
    dossiers = [submitted_dossier(course, window=window, complete_at=minutes_ago(60 - i)) for i in range(3)]
    for dossier in dossiers:
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    services.refuse_reenrolment(reenrolment=dossiers[0], actor=staff, reason="Ne souhaite plus.")
    ranks = [d.choices.get().waitlist_position for d in dossiers]
    assert ranks == [None, 1, 2]


def test_staff_withdrawing_a_validated_dossier_frees_the_seat(window, staff):
    course = course_of(window, 1)
    seated = submitted_dossier(course, window=window, complete_at=minutes_ago(50))
    waiting = submitted_dossier(course, window=window, complete_at=minutes_ago(40))
    services.validate_reenrolment(reenrolment=seated, actor=staff)
    services.validate_reenrolment(reenrolment=waiting, actor=staff)
    services.withdraw_reenrolment(reenrolment=seated, actor=staff, by_family=False, reason="Appel de la mère")
    waiting.refresh_from_db()
    assert waiting.state == Reenrolment.State.VALIDATED


def test_raising_the_capacity_then_offering_freed_seats_serves_the_waiting_list_in_order(window, staff):
    course = course_of(window, 1)
    dossiers = [submitted_dossier(course, window=window, complete_at=minutes_ago(60 - i)) for i in range(4)]
    for dossier in dossiers:
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    course.capacity = 3
    course.save()
    promoted = services.offer_free_seats(course=course, actor=staff)
    assert [choice.reenrolment_id for choice in promoted] == [dossiers[1].pk, dossiers[2].pk]
    assert dossiers[3].choices.get().waitlist_position == 1
    assert Enrolment.objects.filter(course=course, status="active").count() == 3


def test_offering_seats_of_a_full_course_changes_nothing(window, staff):
    course = course_of(window, 1)
    dossiers = [submitted_dossier(course, window=window, complete_at=minutes_ago(60 - i)) for i in range(2)]
    for dossier in dossiers:
        services.validate_reenrolment(reenrolment=dossier, actor=staff)
    assert services.offer_free_seats(course=course, actor=staff) == []
    assert dossiers[1].choices.get().waitlist_position == 1
