"""save_reenrolment: the family sends, changes or drafts a dossier (and withdraw_reenrolment)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from extranet.base.models import OutboundEmail
from families.tests.factories import guardian_of
from reenrolment import services
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentStateChange
from reenrolment.tests.factories import WindowFactory, setting
from students.models import CourseCategory as C

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    ctx = setting()
    ctx.site.house_rules_version = "2026-1"
    ctx.site.save()
    ctx.student = ctx.pupil(first_name="Emma", birth_date=datetime.date(2015, 3, 14))
    current_piano, ctx.piano = ctx.course_pair("Piano cycle 1")
    ctx.enrolment = ctx.enrol(ctx.student, current_piano)
    ctx.choir = ctx.next_course("Chœur d'enfants", category=C.COLLECTIVE)
    return ctx


def save(ctx, *, version=0, continued=None, wishes=None, submit=True, accepted=True, actor=None, **kwargs):
    return services.save_reenrolment(
        student=ctx.student,
        window=ctx.window,
        actor=actor or ctx.guardian.user,
        continue_enrolment_ids=[ctx.enrolment.pk] if continued is None else continued,
        wish_course_ids=[ctx.choir.pk] if wishes is None else wishes,
        administrative=kwargs.pop("administrative", False),
        information=kwargs.pop("information", "Préfère le mercredi."),
        accepted_house_rules=accepted,
        expected_version=version,
        submit=submit,
        **kwargs,
    )


def test_sending_creates_one_submitted_dossier_with_its_courses(ctx):
    result = save(ctx)
    dossier = Reenrolment.objects.get(student=ctx.student)
    assert result.changed and result.reenrolment == dossier
    assert dossier.state == Reenrolment.State.SUBMITTED
    assert dossier.submitted_by == ctx.guardian.user and dossier.submitted_at is not None
    assert dossier.house_rules_version == "2026-1" and dossier.house_rules_accepted_at == dossier.submitted_at
    assert dossier.information == "Préfère le mercredi." and dossier.version == 1
    choices = {(c.course, c.kind, c.from_enrolment) for c in dossier.choices.all()}
    assert choices == {
        (ctx.piano, ReenrolmentChoice.Kind.CONTINUE, ctx.enrolment),
        (ctx.choir, ReenrolmentChoice.Kind.WISH, None),
    }
    change = dossier.history.get()
    assert (change.old_state, change.new_state, change.actor) == ("", "submitted", ctx.guardian.user)
    assert change.reason == "Envoyée par la famille"


def test_sending_emails_every_guardian_a_confirmation_with_the_summary(
    ctx, django_capture_on_commit_callbacks
):
    other = guardian_of(ctx.family)
    with django_capture_on_commit_callbacks(execute=True):
        save(ctx)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (
        message.subject
        == "Réinscription d'Emma " + ctx.family.name.upper() + " pour 2026/2027 : en attente de validation"
    )
    assert set(message.to) == {ctx.guardian.email, other.email}
    assert "Piano cycle 1" in message.body and "Chœur d'enfants" in message.body
    assert "réinscription en attente de validation" in message.body
    assert "Préfère le mercredi." in message.body
    assert "version 2026-1" in message.body


def test_a_replayed_submission_gives_one_dossier_and_one_email(ctx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = save(ctx)
        second = save(ctx)  # same form, same version 0: a double click
    assert first.changed and not second.changed
    assert Reenrolment.objects.filter(student=ctx.student).count() == 1
    assert ReenrolmentStateChange.objects.count() == 1
    assert len(mail.outbox) == 1


def test_sending_the_same_choices_again_changes_nothing(ctx):
    save(ctx)
    assert not save(ctx, version=1).changed
    assert Reenrolment.objects.get().version == 1


def test_the_family_can_change_a_sent_dossier_and_keeps_its_place(ctx, django_capture_on_commit_callbacks):
    save(ctx)
    sent_at = Reenrolment.objects.get().submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        result = save(ctx, version=1, continued=[], information="Arrête le piano.")
    dossier = result.reenrolment
    dossier.refresh_from_db()
    assert result.changed and dossier.version == 2 and dossier.submitted_at == sent_at
    assert [c.course for c in dossier.choices.all()] == [ctx.choir]
    assert dossier.history.last().reason == "Modifiée par la famille"
    assert "demande de réinscription modifiée" in mail.outbox[0].body


def test_a_different_request_on_a_changed_dossier_is_refused_as_stale(ctx):
    save(ctx)  # first guardian
    with pytest.raises(services.StaleDossier) as refused:
        save(ctx, version=0, continued=[])  # second guardian's form, shown before the first saved
    assert refused.value.current.version == 1
    assert Reenrolment.objects.get().choices.count() == 2


def test_a_broken_rule_saves_nothing(ctx):
    with pytest.raises(services.RuleViolation) as refused:
        save(ctx, wishes=[])  # piano without a collective practice
    assert "pratique collective" in refused.value.errors["continued"][0]
    assert not Reenrolment.objects.exists()


def test_the_house_rules_must_be_accepted_to_send(ctx):
    with pytest.raises(services.RuleViolation) as refused:
        save(ctx, accepted=False)
    assert "J'accepte" in refused.value.errors["accept_house_rules"][0]
    assert not Reenrolment.objects.exists()


def test_the_house_rules_fallback_text_is_recorded_when_the_site_has_no_version(ctx):
    ctx.site.house_rules_version = ""
    ctx.site.save()
    save(ctx)
    assert Reenrolment.objects.get().house_rules_version == services.HOUSE_RULES_FALLBACK_VERSION


def test_a_current_course_without_follow_up_cannot_be_carried_on(ctx):
    current_only, _next = ctx.course_pair("Violon")
    _next.delete()
    violin = ctx.enrol(ctx.student, current_only)
    with pytest.raises(services.RuleViolation) as refused:
        save(ctx, continued=[violin.pk])
    assert "n'a pas de suite prévue" in refused.value.errors["continued"][0]


def test_a_course_of_another_site_cannot_be_asked_for(ctx):
    other = WindowFactory()
    from reenrolment.tests.factories import NextCourseFactory

    foreign = NextCourseFactory(pole__site=other.site)
    with pytest.raises(services.RuleViolation) as refused:
        save(ctx, wishes=[ctx.choir.pk, foreign.pk])
    assert "ne fait pas partie du catalogue 2026/2027" in refused.value.errors["wishes"][0]


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(-10, -1, "est close depuis le"), (2, 10, "n'ouvre que le")],
)
def test_nothing_is_saved_outside_the_window(opens, closes, message):
    ctx = setting(
        opens_at=timezone.now() + datetime.timedelta(days=opens),
        closes_at=timezone.now() + datetime.timedelta(days=closes),
    )
    ctx.student = ctx.pupil()
    with pytest.raises(services.WindowClosed) as refused:
        services.save_reenrolment(
            student=ctx.student,
            window=ctx.window,
            actor=ctx.guardian.user,
            continue_enrolment_ids=[],
            wish_course_ids=[],
            administrative=True,
            information="",
            accepted_house_rules=True,
            expected_version=0,
        )
    assert message in refused.value.message
    assert not Reenrolment.objects.exists()


def test_a_window_closing_during_the_submission_refuses_it_entirely(ctx, monkeypatch):
    closes = ctx.window.closes_at
    calls = []

    def clock():
        calls.append(1)
        # Open when the submission starts, closed when it is about to commit.
        return (
            closes - datetime.timedelta(seconds=1)
            if len(calls) == 1
            else closes + datetime.timedelta(seconds=1)
        )

    monkeypatch.setattr("reenrolment.services.timezone.now", clock)
    with pytest.raises(services.WindowClosed):
        save(ctx)
    assert not Reenrolment.objects.exists()
    assert not OutboundEmail.objects.filter(name="reenrolment_submitted").exists()


def test_a_decided_dossier_can_no_longer_be_changed(ctx):
    result = save(ctx)
    Reenrolment.objects.filter(pk=result.reenrolment.pk).update(state=Reenrolment.State.VALIDATED)
    with pytest.raises(services.DossierDecided):
        save(ctx, version=1, continued=[])


def test_a_draft_is_saved_without_the_rules_and_without_email(ctx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = save(ctx, wishes=[], submit=False, accepted=False)
    dossier = result.reenrolment
    assert dossier.state == Reenrolment.State.DRAFT and dossier.submitted_at is None
    assert dossier.history.get().new_state == "draft"
    assert mail.outbox == []


def test_a_draft_is_then_sent(ctx):
    save(ctx, submit=False)
    save(ctx, version=1)
    dossier = Reenrolment.objects.get()
    assert dossier.state == Reenrolment.State.SUBMITTED
    assert [(c.old_state, c.new_state) for c in dossier.history.all()] == [
        ("", "draft"),
        ("draft", "submitted"),
    ]


def test_a_sent_dossier_cannot_go_back_to_draft(ctx):
    save(ctx)
    with pytest.raises(services.InvalidTransition):
        save(ctx, version=1, wishes=[], submit=False)


def test_a_dossier_is_complete_when_sent_with_every_document(ctx, documents):
    save(ctx)
    dossier = Reenrolment.objects.get()
    assert dossier.complete_at == dossier.submitted_at


def test_a_dossier_sent_with_missing_documents_is_incomplete(ctx, documents):
    documents.missing_for_student[ctx.student.pk] = ["Photo d'identité"]
    save(ctx)
    assert Reenrolment.objects.get().complete_at is None


def test_the_family_withdraws_a_sent_dossier(ctx, django_capture_on_commit_callbacks):
    dossier = save(ctx).reenrolment
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_reenrolment(
            reenrolment=dossier, actor=ctx.guardian.user, by_family=True, expected_version=1
        )
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.WITHDRAWN and dossier.complete_at is None
    assert dossier.history.last().reason == "Retirée par la famille"
    assert mail.outbox[-1].subject.endswith("demande retirée")


def test_a_withdrawn_dossier_can_be_sent_again(ctx):
    dossier = save(ctx).reenrolment
    services.withdraw_reenrolment(reenrolment=dossier, actor=ctx.guardian.user, by_family=True)
    save(ctx, version=2)
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.SUBMITTED


def test_the_family_cannot_withdraw_a_decided_dossier(ctx):
    dossier = save(ctx).reenrolment
    Reenrolment.objects.filter(pk=dossier.pk).update(state=Reenrolment.State.VALIDATED)
    with pytest.raises(services.DossierDecided):
        services.withdraw_reenrolment(reenrolment=dossier, actor=ctx.guardian.user, by_family=True)
