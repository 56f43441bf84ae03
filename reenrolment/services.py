"""Writes of re-enrolment: windows, the family's dossier, the secretariat's decisions, complete_at.

Locking order, everywhere, so that two transactions never wait for each other in a circle:
the window (shared, only while a family saves), then the courses of a dossier in ascending id,
then dossiers. A family's save never locks a course; a decision locks the dossier's courses
before the dossier; a seat given to a waitlisted dossier is given while its course is locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import selectors as document_selectors
from extranet.base.audit import FieldChange, field_label, record_changes
from extranet.base.dates import short_datetime
from extranet.base.emails import send_email
from extranet.base.errors import DomainError
from extranet.base.models import Season, Site, User
from families.selectors import family_emails
from reenrolment import rules, selectors
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentStateChange, ReenrolmentWindow
from students.models import Course, Enrolment, SchoolRecord, Student

State = Reenrolment.State
ChoiceState = ReenrolmentChoice.State

DEFAULT_WINDOW_LENGTH = timedelta(days=14)
HOUSE_RULES_FALLBACK_VERSION = "texte du portail"


class ReenrolmentError(DomainError):
    """A refusal with a French message for the family or the secretariat."""


class WindowError(ReenrolmentError):
    """Bad dates for a window, or no window to act on."""


class WindowClosed(ReenrolmentError):
    """The window is not open (or closed while the dossier was being saved): nothing was saved."""


class StaleDossier(ReenrolmentError):
    """The dossier changed since the form was shown (another guardian, another tab)."""

    def __init__(self, message: str, *, current: Reenrolment):
        super().__init__(message)
        self.current = current


class DossierDecided(ReenrolmentError):
    """The secretariat already decided: the family can no longer change the dossier."""


class InvalidTransition(ReenrolmentError):
    pass


class RuleViolation(ReenrolmentError):
    """The choices break the course rules: ``errors`` lists each refusal under its form field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors=errors)


# --------------------------------------------------------------------------- windows


def check_window_dates(
    *, site: Site, season: Season, opens_at: datetime, closes_at: datetime, exclude_pk: int | None = None
) -> None:
    """Refuse closing before opening, a second window for the same season, or overlapping windows."""
    if closes_at <= opens_at:
        raise WindowError(
            _("La fermeture (%(closes)s) doit être postérieure à l'ouverture (%(opens)s).")
            % {"closes": short_datetime(closes_at), "opens": short_datetime(opens_at)}
        )
    others = ReenrolmentWindow.objects.filter(site=site).select_related("season")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    duplicate = others.filter(season=season).first()
    if duplicate is not None:
        raise WindowError(
            _(
                "Une période de réinscription existe déjà pour %(site)s et %(season)s (du %(opens)s au %(closes)s)."
            )
            % {
                "site": site.name,
                "season": season.label,
                "opens": short_datetime(duplicate.opens_at),
                "closes": short_datetime(duplicate.closes_at),
            }
        )
    overlapping = others.filter(opens_at__lt=closes_at, closes_at__gt=opens_at).first()
    if overlapping is not None:
        raise WindowError(
            _("Ces dates chevauchent la période %(season)s de %(site)s (du %(opens)s au %(closes)s).")
            % {
                "site": site.name,
                "season": overlapping.season.label,
                "opens": short_datetime(overlapping.opens_at),
                "closes": short_datetime(overlapping.closes_at),
            }
        )


def check_house_rules(site: Site) -> None:
    """Families accept the house rules when they re-enrol: a site must publish them first."""
    if not site.house_rules:
        raise WindowError(
            _(
                "%(site)s n'a pas de règlement intérieur : les familles doivent pouvoir le lire avant de "
                "l'accepter. Déposez-le dans l'administration (Sites, « Règlement intérieur ») puis ouvrez "
                "la période."
            )
            % {"site": site.name}
        )


def check_new_window(
    *, site: Site, season: Season, opens_at: datetime, closes_at: datetime, now: datetime | None = None
) -> None:
    """Everything ``open_window`` refuses, without writing (a dry run, the admin's form)."""
    now = now or timezone.now()
    if closes_at <= now:
        raise WindowError(
            _("La date de fermeture (%(closes)s) est déjà passée.") % {"closes": short_datetime(closes_at)},
            field="closes_at",
        )
    if season.ends_on < timezone.localdate(now):
        raise WindowError(_("La saison %(season)s est terminée.") % {"season": season.label}, field="season")
    check_house_rules(site)
    check_window_dates(site=site, season=season, opens_at=opens_at, closes_at=closes_at)


def open_window(
    *,
    site: Site,
    season: Season,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
    actor: User | None = None,
) -> ReenrolmentWindow:
    """Create the re-enrolment window of ``site`` for ``season`` (opens now by default, for 14 days).

    ``actor`` is the staff member who opened it from the admin (None: ops, from the shell).
    """
    now = now or timezone.now()
    opens_at = opens_at or now
    closes_at = closes_at or opens_at + DEFAULT_WINDOW_LENGTH
    with transaction.atomic():
        # One window creation per site at a time, so two ops cannot create overlapping windows.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        check_new_window(site=site, season=season, opens_at=opens_at, closes_at=closes_at, now=now)
        window = ReenrolmentWindow.objects.create(
            site=site, season=season, opens_at=opens_at, closes_at=closes_at
        )
        record_changes(
            actor=actor,
            instance=window,
            changes=[
                _window_change(window, "opens_at", old=None),
                _window_change(window, "closes_at", old=None),
            ],
        )
        return window


def check_closing(*, window: ReenrolmentWindow, closes_at: datetime, now: datetime | None = None) -> None:
    """Everything ``close_window`` refuses for a new closing time, without writing."""
    now = now or timezone.now()
    if closes_at < now - timedelta(minutes=1):
        raise WindowError(
            _("%(at)s est déjà passé : fermez maintenant (sans --at) ou donnez une date à venir.")
            % {"at": short_datetime(closes_at)},
            field="closes_at",
        )
    if closes_at <= window.opens_at:
        raise WindowError(
            _("La période n'ouvre que le %(opens)s : elle ne peut pas fermer avant.")
            % {"opens": short_datetime(window.opens_at)},
            field="closes_at",
        )
    check_window_dates(
        site=window.site,
        season=window.season,
        opens_at=window.opens_at,
        closes_at=closes_at,
        exclude_pk=window.pk,
    )


def close_window(
    *, window: ReenrolmentWindow, at: datetime | None = None, actor: User | None = None
) -> ReenrolmentWindow:
    """Close ``window`` now, or move its closing to ``at``.

    The row is locked first: a family's save in progress (which holds a shared lock on the
    window) finishes before, and every later save sees the new closing time. "Now" is read
    after the lock, so no accepted dossier is dated after the closing.
    """
    with transaction.atomic():
        window = (
            ReenrolmentWindow.objects.select_for_update().select_related("site", "season").get(pk=window.pk)
        )
        now = timezone.now()
        closes_at = at or now
        check_closing(window=window, closes_at=closes_at, now=now)
        old = window.closes_at
        window.closes_at = closes_at
        window.save(update_fields=["closes_at"])
        record_changes(actor=actor, instance=window, changes=[_window_change(window, "closes_at", old=old)])
        return window


def _window_change(window: ReenrolmentWindow, name: str, *, old: datetime | None) -> FieldChange:
    return FieldChange(
        field=name,
        label=field_label(window, name),
        old=short_datetime(old) if old else "",
        new=short_datetime(getattr(window, name)),
    )


def _lock_window_for_saving(window_id: int) -> ReenrolmentWindow:
    """Read the window under a shared lock (PostgreSQL): saves run side by side, closing waits.

    SQLite runs every write transaction alone (BEGIN IMMEDIATE), which gives the same guarantee.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {ReenrolmentWindow._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [window_id],
            )
    return ReenrolmentWindow.objects.select_related("site", "season").get(pk=window_id)


# --------------------------------------------------------------------------- helpers


def house_rules_version(site: Site) -> str:
    return site.house_rules_version or HOUSE_RULES_FALLBACK_VERSION


def _record(dossier: Reenrolment, *, old: str, new: str, actor, at: datetime, reason: str = "") -> None:
    ReenrolmentStateChange.objects.create(
        reenrolment=dossier, old_state=old, new_state=new, actor=actor, at=at, reason=reason
    )


def _change_state(dossier: Reenrolment, new: str, *, actor, at: datetime, reason: str = "") -> None:
    old = dossier.state
    dossier.state = new
    _record(dossier, old=old, new=new, actor=actor, at=at, reason=reason)


def _email_context(dossier: Reenrolment, **extra) -> dict:
    student = dossier.student
    return {
        "dossier": dossier,
        "student": student,
        "site": dossier.window.site,
        "season": dossier.window.season,
        "choices": list(dossier.choices.select_related("course__pole").order_by("preference", "pk")),
        "url": settings.SITE_URL + reverse("reenrolment:student", args=[student.pk]),
        **extra,
    }


def _email_family(name: str, dossier: Reenrolment, **extra) -> None:
    send_email(name, to=family_emails(dossier.student.family), context=_email_context(dossier, **extra))


# What the "validée" email adds about what comes next, from the apps above re-enrolment (billing:
# the estimate of the coming season's fees). They register at start-up; re-enrolment knows
# nothing of them.
_VALIDATED_EMAIL_CONTEXT: list[Callable[[Reenrolment], dict]] = []


def register_validated_email_context(provider: Callable[[Reenrolment], dict]) -> None:
    """Call ``provider(dossier)`` when the "validée" email is written, inside the validating
    transaction (the dossier already validated), and add what it returns to the email's context."""
    if provider not in _VALIDATED_EMAIL_CONTEXT:
        _VALIDATED_EMAIL_CONTEXT.append(provider)


def _validated_email_context(dossier: Reenrolment) -> dict:
    extra: dict = {}
    for provider in _VALIDATED_EMAIL_CONTEXT:
        extra.update(provider(dossier))
    return extra


# --------------------------------------------------------------------------- completeness


def _is_complete(student: Student) -> bool:
    family = student.family
    return not document_selectors.missing_required_types(
        family=family
    ) and not document_selectors.missing_required_types(family=family, student=student)


def _apply_completeness(dossier: Reenrolment, *, complete: bool, at: datetime) -> bool:
    """Set or clear ``complete_at``; True when it changed."""
    if dossier.state not in selectors.SENT_STATES:
        complete = False
    if complete and dossier.complete_at is None:
        dossier.complete_at = at
        return True
    if not complete and dossier.complete_at is not None:
        dossier.complete_at = None
        return True
    return False


def documents_changed(*, family, student=None, at=None) -> None:
    """Documents tells re-enrolment that a family's (``student`` None) or a pupil's documents
    changed: the concerned dossiers may have become complete, or incomplete."""
    students = [student] if student is not None else list(Student.objects.for_family(family))
    for each in students:
        refresh_completeness(student=each, at=at)


def refresh_completeness(*, student, at=None) -> None:
    """Record (or clear) ``complete_at`` on the pupil's current dossier after a document change.

    Called by documents.services after every upload, validation or refusal. A dossier is
    complete when no required document is missing for the family nor for the pupil; places
    are given in the order dossiers became complete, so ``complete_at`` is kept while the
    dossier stays complete, and cleared when a required document goes missing again.
    """
    at = at or timezone.now()
    dossier_ids = list(
        Reenrolment.objects.filter(student=student, state__in=selectors.SENT_STATES)
        .filter(Q(window__season__is_next=True) | Q(window__opens_at__lte=at, window__closes_at__gt=at))
        .values_list("pk", flat=True)
    )
    if not dossier_ids:
        return
    complete = _is_complete(student)
    for dossier_id in dossier_ids:
        with transaction.atomic():
            dossier, choices, courses = _lock_dossier_and_courses(dossier_id, waitlisted_only=True)
            if _apply_completeness(dossier, complete=complete, at=at):
                dossier.save(update_fields=["complete_at"])
                # The waiting lists follow the order in which dossiers became complete.
                for course_id in sorted({c.course_id for c in choices if c.state == ChoiceState.WAITLISTED}):
                    _renumber_waitlist(courses[course_id])


# --------------------------------------------------------------------------- the family's dossier


@dataclass(frozen=True)
class SaveResult:
    reenrolment: Reenrolment
    changed: bool  # False when the same request was already saved (double click, replayed POST)


def _resolve_choices(
    *,
    student: Student,
    window: ReenrolmentWindow,
    continue_enrolment_ids: Iterable[int],
    wish_course_ids: Iterable[int],
) -> tuple[list[rules.ChosenCourse], dict[int, int], dict[str, list[str]]]:
    """Turn the ids the form sent into next-season courses of the window's catalogue."""
    offer = selectors.reenrolment_offer(student, window, with_seats=False)
    continuations = offer.continuation_by_enrolment
    chosen: list[rules.ChosenCourse] = []
    from_enrolment: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for enrolment_id in dict.fromkeys(continue_enrolment_ids):
        continuation = continuations.get(enrolment_id)
        if continuation is None:
            errors.setdefault(rules.CONTINUED, []).append(
                _("Ce cours ne fait pas partie des cours actuels de l'élève.")
            )
        elif continuation.next_course is None:
            errors.setdefault(rules.CONTINUED, []).append(
                _(
                    "« %(course)s » n'a pas de suite prévue en %(season)s : décochez-le et précisez votre "
                    "demande dans « Information complémentaire »."
                )
                % {"course": continuation.enrolment.course.name, "season": window.season.label}
            )
        else:
            chosen.append(rules.ChosenCourse(continuation.next_course, rules.CONTINUED))
            from_enrolment[continuation.next_course.pk] = enrolment_id
    already = {item.course.pk for item in chosen}
    for course_id in dict.fromkeys(wish_course_ids):
        course = offer.courses_by_id.get(course_id)
        if course is None:
            errors.setdefault(rules.WISHES, []).append(
                _("Ce cours ne fait pas partie du catalogue %(season)s de votre conservatoire.")
                % {"season": window.season.label}
            )
        elif course.pk not in already:
            chosen.append(rules.ChosenCourse(course, rules.WISHES))
            already.add(course.pk)
    return chosen, from_enrolment, errors


def _kind(item: rules.ChosenCourse) -> str:
    return ReenrolmentChoice.Kind.CONTINUE if item.field == rules.CONTINUED else ReenrolmentChoice.Kind.WISH


def _school_level_code(student: Student, season: Season) -> str | None:
    record = (
        SchoolRecord.objects.filter(student=student, season=season).select_related("school_level").first()
    )
    return record.school_level.code if record and record.school_level else None


def _same_request(dossier: Reenrolment, *, target_state: str, wanted: dict) -> bool:
    if dossier.state != target_state:
        return False
    if dossier.administrative != wanted["administrative"] or dossier.information != wanted["information"]:
        return False
    stored = set(dossier.choices.values_list("course_id", "kind"))
    return stored == wanted["choices"]


def _get_or_create_locked(student: Student, window: ReenrolmentWindow) -> tuple[Reenrolment, bool]:
    """The pupil's dossier for the window, locked; created if needed. Never two for one pupil.

    Two guardians saving at once both try the insert: the unique constraint on (student,
    window) lets one through and the other, after the first commits, finds and locks its row.
    """
    dossiers = Reenrolment.objects.select_for_update(of=("self",))
    dossier = dossiers.filter(student=student, window=window).first()
    if dossier is not None:
        return dossier, False
    try:
        with transaction.atomic():
            return Reenrolment.objects.create(student=student, window=window, version=0), True
    except IntegrityError:
        return dossiers.get(student=student, window=window), False


def save_reenrolment(
    *,
    student: Student,
    window: ReenrolmentWindow,
    actor,
    continue_enrolment_ids: Iterable[int],
    wish_course_ids: Iterable[int],
    administrative: bool,
    information: str,
    accepted_house_rules: bool,
    expected_version: int,
    submit: bool = True,
    at: datetime | None = None,
) -> SaveResult:
    """Save the family's dossier; with ``submit`` it is sent ("en attente de validation").

    Idempotent: the same request sent twice (double click, replayed POST, two guardians at
    once) gives one dossier and one confirmation. ``expected_version`` is the dossier's
    version when the form was shown (0 before the first save): a different request on a
    changed dossier is refused with StaleDossier instead of overwriting it. The window is
    checked again just before commit: the dossier is either accepted or clearly refused.
    """
    information = (information or "").strip()
    with transaction.atomic():
        window = _lock_window_for_saving(window.pk)
        now = at or timezone.now()
        if not window.is_open(now):
            raise WindowClosed(window_closed_message(window, now))
        chosen, from_enrolment = _checked_choices(
            student=student,
            window=window,
            continue_enrolment_ids=continue_enrolment_ids,
            wish_course_ids=wish_course_ids,
            administrative=administrative,
            accepted_house_rules=accepted_house_rules,
            submit=submit,
        )
        dossier, created = _get_or_create_locked(student, window)
        target_state = State.SUBMITTED if submit else State.DRAFT
        wanted = {
            "administrative": administrative,
            "information": information,
            "choices": {(item.course.pk, _kind(item)) for item in chosen},
        }
        if not created:
            if dossier.state not in selectors.EDITABLE_STATES:
                raise DossierDecided(
                    _(
                        "Le secrétariat a déjà traité ce dossier (%(state)s) : il ne peut plus être modifié "
                        "en ligne."
                    )
                    % {"state": dossier.get_state_display()}
                )
            if _same_request(dossier, target_state=target_state, wanted=wanted):
                return SaveResult(dossier, changed=False)
            _check_can_change(dossier, expected_version=expected_version, submit=submit)

        old_state = dossier.state
        _write_dossier(
            dossier,
            student=student,
            site=window.site,
            chosen=chosen,
            from_enrolment=from_enrolment,
            administrative=administrative,
            information=information,
            target_state=target_state,
            actor=actor,
            now=now,
        )
        _record_save(dossier, created=created, old_state=old_state, submit=submit, actor=actor, now=now)
        if submit:
            _email_family("reenrolment_submitted", dossier, modified=old_state == State.SUBMITTED)

        # The window may have closed while this transaction ran: refuse rather than accept late.
        if at is None and not window.is_open(timezone.now()):
            raise WindowClosed(window_closed_message(window, timezone.now()))
        return SaveResult(dossier, changed=True)


def _checked_choices(
    *,
    student: Student,
    window: ReenrolmentWindow,
    continue_enrolment_ids: Iterable[int],
    wish_course_ids: Iterable[int],
    administrative: bool,
    accepted_house_rules: bool,
    submit: bool,
) -> tuple[list[rules.ChosenCourse], dict[int, int]]:
    """The courses asked for, checked against the catalogue and (when sent) the course rules."""
    chosen, from_enrolment, errors = _resolve_choices(
        student=student,
        window=window,
        continue_enrolment_ids=continue_enrolment_ids,
        wish_course_ids=wish_course_ids,
    )
    if submit and not errors:
        past_disciplines, played_instrument = selectors.past_courses(student, window.season)
        errors = rules.check_course_rules(
            student=student,
            season=window.season,
            chosen=chosen,
            administrative=administrative,
            school_level_code=_school_level_code(student, window.season),
            past_discipline_ids=past_disciplines,
            played_instrument=played_instrument,
        )
    if submit and not accepted_house_rules:
        errors.setdefault("accept_house_rules", []).append(
            _("Pour valider la réinscription, lisez le règlement intérieur et cochez « J'accepte ».")
        )
    if errors:
        raise RuleViolation(errors)
    return chosen, from_enrolment


def _check_can_change(dossier: Reenrolment, *, expected_version: int, submit: bool) -> None:
    """A different request changes a stored dossier only from the version it was shown at."""
    if dossier.version != expected_version:
        raise StaleDossier(
            _(
                "Ce dossier a été modifié entre-temps (par un autre responsable ou dans une autre "
                "fenêtre). Vérifiez le dossier enregistré, puis validez de nouveau vos choix."
            ),
            current=dossier,
        )
    if not submit and dossier.state == State.SUBMITTED:
        raise InvalidTransition(
            _("Ce dossier est déjà envoyé : enregistrez vos modifications avec « Valider ».")
        )


def _write_dossier(
    dossier: Reenrolment,
    *,
    student: Student,
    site: Site,
    chosen: list[rules.ChosenCourse],
    from_enrolment: dict[int, int],
    administrative: bool,
    information: str,
    target_state: str,
    actor,
    now: datetime,
) -> None:
    submit = target_state == State.SUBMITTED
    old_state = dossier.state
    dossier.administrative = administrative
    dossier.information = information
    if submit:
        dossier.house_rules_version = house_rules_version(site)
        dossier.house_rules_accepted_at = now
        if old_state != State.SUBMITTED or dossier.submitted_at is None:
            dossier.submitted_at = now
        dossier.submitted_by = actor
    dossier.state = target_state
    dossier.version += 1
    dossier.choices.all().delete()
    ReenrolmentChoice.objects.bulk_create(
        ReenrolmentChoice(
            reenrolment=dossier,
            course=item.course,
            kind=_kind(item),
            from_enrolment_id=from_enrolment.get(item.course.pk),
            preference=position,
        )
        for position, item in enumerate(chosen, start=1)
    )
    if submit:
        _apply_completeness(dossier, complete=_is_complete(student), at=now)
    dossier.save()


def _record_save(
    dossier: Reenrolment, *, created: bool, old_state: str, submit: bool, actor, now: datetime
) -> None:
    """The dossier's history: created, sent, back to draft, or modified while waiting."""
    if old_state != dossier.state or created:
        reason = _("Envoyée par la famille") if submit else _("Brouillon enregistré par la famille")
        _record(
            dossier, old="" if created else old_state, new=dossier.state, actor=actor, at=now, reason=reason
        )
    elif submit:
        _record(
            dossier,
            old=old_state,
            new=dossier.state,
            actor=actor,
            at=now,
            reason=_("Modifiée par la famille"),
        )


def window_closed_message(window: ReenrolmentWindow, now: datetime) -> str:
    if window.opens_at > now:
        return _("La réinscription pour %(season)s n'ouvre que le %(opens)s : rien n'a été enregistré.") % {
            "season": window.season.label,
            "opens": short_datetime(window.opens_at),
        }
    return _(
        "La période de réinscription pour %(season)s est close depuis le %(closes)s : votre demande n'a pas "
        "été enregistrée. Contactez le secrétariat."
    ) % {"season": window.season.label, "closes": short_datetime(window.closes_at)}


# --------------------------------------------------------------------------- decisions


def _lock_dossier_and_courses(
    dossier_id: int, *, waitlisted_only: bool = False
) -> tuple[Reenrolment, list[ReenrolmentChoice], dict[int, Course]]:
    """Lock the courses of the dossier's choices (ascending id), then the dossier.

    With ``waitlisted_only``, only the courses where the dossier waits are locked (enough to
    renumber their waiting lists).
    """
    for _attempt in range(5):
        needed = ReenrolmentChoice.objects.filter(reenrolment_id=dossier_id)
        if waitlisted_only:
            needed = needed.filter(state=ChoiceState.WAITLISTED)
        course_ids = sorted(set(needed.values_list("course_id", flat=True)))
        courses = {
            course.pk: course
            for course in Course.objects.select_for_update().filter(pk__in=course_ids).order_by("pk")
        }
        dossier = (
            Reenrolment.objects.select_for_update(of=("self",))
            .select_related("student__family", "window__site", "window__season")
            .get(pk=dossier_id)
        )
        choices = list(dossier.choices.select_related("course").order_by("course_id"))
        present = {c.course_id for c in choices if not waitlisted_only or c.state == ChoiceState.WAITLISTED}
        if present <= set(courses):
            return dossier, choices, courses
    raise ReenrolmentError(_("Le dossier est en cours de modification par la famille : réessayez."))


def seats_taken(course: Course) -> int:
    return Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count()


def _take_seat(choice: ReenrolmentChoice, course: Course, student: Student) -> bool:
    """Give the pupil a seat in the locked ``course`` if one is left; True when given."""
    existing = Enrolment.objects.filter(student=student, course=course).first()
    if existing is None or existing.status != Enrolment.Status.ACTIVE:
        if seats_taken(course) >= course.capacity:
            return False
        if existing is None:
            Enrolment.objects.create(student=student, course=course, season_id=course.season_id)
        else:
            existing.status = Enrolment.Status.ACTIVE
            existing.save(update_fields=["status"])
    choice.state = ChoiceState.ACCEPTED
    choice.waitlist_position = None
    choice.save(update_fields=["state", "waitlist_position"])
    return True


def _renumber_waitlist(course: Course) -> None:
    """Positions 1..n, without gaps, in the order dossiers became complete, then were sent."""
    rows = list(
        ReenrolmentChoice.objects.filter(course=course, state=ChoiceState.WAITLISTED)
        .order_by(*selectors.queue_order("reenrolment__"))
        .values_list("pk", "waitlist_position")
    )
    wanted = {pk: position for position, (pk, _old) in enumerate(rows, start=1)}
    moved = {pk: wanted[pk] for pk, old in rows if old != wanted[pk]}
    if not moved:
        return
    # Clear the moving rows first so the unique (course, position) index never sees two rows
    # on one position; rows that keep their position are not touched.
    ReenrolmentChoice.objects.filter(pk__in=list(moved), waitlist_position__isnull=False).update(
        waitlist_position=None
    )
    ReenrolmentChoice.objects.filter(pk__in=list(moved)).update(
        waitlist_position=Case(*(When(pk=pk, then=position) for pk, position in moved.items()))
    )


def _set_choice_state(choice: ReenrolmentChoice, new_state: str) -> None:
    """Set the choice's state with no waiting-list position yet (renumbering gives it one)."""
    choice.state = new_state
    choice.waitlist_position = None
    choice.save(update_fields=["state", "waitlist_position"])


def validate_reenrolment(*, reenrolment: Reenrolment, actor, at: datetime | None = None) -> Reenrolment:
    """Give each asked course a seat if one is left (next season's enrolment), else a waiting-list place.

    Each course row is locked while its seats are counted, so validations running at the same
    time never give more seats than the capacity.
    """
    now = at or timezone.now()
    with transaction.atomic():
        dossier, choices, courses = _lock_dossier_and_courses(reenrolment.pk)
        if dossier.state != State.SUBMITTED:
            raise InvalidTransition(
                _("Seul un dossier en attente de validation peut être validé (celui-ci est %(state)s).")
                % {"state": dossier.get_state_display()}
            )
        waitlisted = []
        for choice in choices:
            if choice.state != ChoiceState.PENDING:
                continue
            course = courses[choice.course_id]
            if not _take_seat(choice, course, dossier.student):
                _set_choice_state(choice, ChoiceState.WAITLISTED)
                waitlisted.append(course)
        for course in waitlisted:
            _renumber_waitlist(course)
        if waitlisted:
            reason = _("Cours complet : %(courses)s") % {"courses": ", ".join(c.name for c in waitlisted)}
            _change_state(dossier, State.WAITLISTED, actor=actor, at=now, reason=reason)
        else:
            _change_state(dossier, State.VALIDATED, actor=actor, at=now)
        dossier.decided_at = now
        dossier.version += 1
        dossier.save(update_fields=["state", "decided_at", "version"])
        if waitlisted:
            _email_family("reenrolment_waitlisted", dossier, reason="")
        else:
            _email_family("reenrolment_validated", dossier, reason="", **_validated_email_context(dossier))
        return dossier


def waitlist_reenrolment(
    *, reenrolment: Reenrolment, actor, reason: str = "", at: datetime | None = None
) -> Reenrolment:
    """Put every asked course of the dossier on its waiting list, without giving seats."""
    now = at or timezone.now()
    with transaction.atomic():
        dossier, choices, courses = _lock_dossier_and_courses(reenrolment.pk)
        if dossier.state != State.SUBMITTED:
            raise InvalidTransition(
                _(
                    "Seul un dossier en attente de validation peut être mis en liste d'attente (celui-ci est %(state)s)."
                )
                % {"state": dossier.get_state_display()}
            )
        for choice in choices:
            if choice.state == ChoiceState.PENDING:
                _set_choice_state(choice, ChoiceState.WAITLISTED)
                _renumber_waitlist(courses[choice.course_id])
        _change_state(dossier, State.WAITLISTED, actor=actor, at=now, reason=reason.strip())
        dossier.decided_at = now
        dossier.version += 1
        dossier.save(update_fields=["state", "decided_at", "version"])
        _email_family("reenrolment_waitlisted", dossier, reason=reason.strip())
        return dossier


def _release(
    dossier: Reenrolment, choices, courses, *, new_choice_state: str, actor, now
) -> list[ReenrolmentChoice]:
    """Free the dossier's seats and waiting-list places; give freed seats to the next in line."""
    freed, left = [], []
    for choice in choices:
        course = courses[choice.course_id]
        if choice.state == ChoiceState.ACCEPTED:
            Enrolment.objects.filter(
                student=dossier.student, course=course, status=Enrolment.Status.ACTIVE
            ).update(status=Enrolment.Status.STOPPED)
            freed.append(course)
        elif choice.state == ChoiceState.WAITLISTED:
            left.append(course)
        _set_choice_state(choice, new_choice_state)
    for course in left:
        _renumber_waitlist(course)
    promoted = []
    for course in freed:
        promoted += _offer_free_seats(course, actor=actor, now=now)
    return promoted


def refuse_reenrolment(
    *, reenrolment: Reenrolment, actor, reason: str, at: datetime | None = None
) -> Reenrolment:
    """Refuse the dossier with a reason the family receives; its seats go to the waiting lists."""
    reason = (reason or "").strip()
    if not reason:
        raise ReenrolmentError(_("Indiquez le motif du refus : il est envoyé à la famille."), field="reason")
    now = at or timezone.now()
    with transaction.atomic():
        dossier, choices, courses = _lock_dossier_and_courses(reenrolment.pk)
        if dossier.state not in {State.SUBMITTED, State.WAITLISTED, State.VALIDATED}:
            raise InvalidTransition(
                _("Ce dossier ne peut pas être refusé : il est %(state)s.")
                % {"state": dossier.get_state_display()}
            )
        _release(dossier, choices, courses, new_choice_state=ChoiceState.REFUSED, actor=actor, now=now)
        _change_state(dossier, State.REFUSED, actor=actor, at=now, reason=reason)
        dossier.refusal_reason = reason
        dossier.decided_at = now
        dossier.version += 1
        dossier.save(update_fields=["state", "refusal_reason", "decided_at", "version"])
        _email_family("reenrolment_refused", dossier, reason=reason)
        return dossier


def withdraw_reenrolment(
    *, reenrolment: Reenrolment, actor, by_family: bool, reason: str = "", expected_version: int | None = None
) -> Reenrolment:
    """Withdraw the dossier. A family may until the secretariat decides; staff at any time
    (at the family's request), which frees the seats given."""
    now = timezone.now()
    with transaction.atomic():
        dossier, choices, courses = _lock_dossier_and_courses(reenrolment.pk)
        allowed = {State.DRAFT, State.SUBMITTED}
        if not by_family:
            allowed |= {State.VALIDATED, State.WAITLISTED}
        if dossier.state == State.WITHDRAWN:
            return dossier
        if dossier.state not in allowed:
            raise DossierDecided(
                _("Le secrétariat a déjà traité ce dossier (%(state)s) : contactez-le pour le retirer.")
                % {"state": dossier.get_state_display()}
            )
        if expected_version is not None and dossier.version != expected_version:
            raise StaleDossier(
                _("Ce dossier a été modifié entre-temps : vérifiez-le avant de le retirer."), current=dossier
            )
        _release(dossier, choices, courses, new_choice_state=ChoiceState.REFUSED, actor=actor, now=now)
        if by_family:
            reason = reason or _("Retirée par la famille")
        _change_state(dossier, State.WITHDRAWN, actor=actor, at=now, reason=reason)
        dossier.complete_at = None
        dossier.version += 1
        dossier.save(update_fields=["state", "complete_at", "version"])
        _email_family("reenrolment_withdrawn", dossier, reason=reason)
        return dossier


def _offer_free_seats(course: Course, *, actor, now: datetime) -> list[ReenrolmentChoice]:
    """With ``course`` locked: give its free seats to the first waitlisted choices, in order."""
    promoted = []
    while seats_taken(course) < course.capacity:
        choice = (
            ReenrolmentChoice.objects.filter(course=course, state=ChoiceState.WAITLISTED)
            .order_by("waitlist_position")
            .first()
        )
        if choice is None:
            break
        dossier = (
            Reenrolment.objects.select_for_update(of=("self",))
            .select_related("student__family", "window__site", "window__season")
            .get(pk=choice.reenrolment_id)
        )
        choice.refresh_from_db()
        if choice.state != ChoiceState.WAITLISTED:
            continue
        if not _take_seat(choice, course, dossier.student):
            break
        _renumber_waitlist(course)
        still_waiting = dossier.choices.filter(
            state__in=[ChoiceState.WAITLISTED, ChoiceState.PENDING]
        ).exists()
        reason = _("Place libérée dans « %(course)s »") % {"course": course.name}
        if dossier.state == State.WAITLISTED and not still_waiting:
            _change_state(dossier, State.VALIDATED, actor=actor, at=now, reason=reason)
        else:
            _record(dossier, old=dossier.state, new=dossier.state, actor=actor, at=now, reason=reason)
        dossier.version += 1
        dossier.save(update_fields=["state", "version"])
        _email_family("reenrolment_seat_given", dossier, course=course)
        promoted.append(choice)
    return promoted


def offer_free_seats(*, course: Course, actor, at: datetime | None = None) -> list[ReenrolmentChoice]:
    """Give the seats left in ``course`` (after a withdrawal or a raised capacity) to its waiting list."""
    now = at or timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        return _offer_free_seats(course, actor=actor, now=now)
