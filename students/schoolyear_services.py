"""Writes of the school year: lessons, the roll, absences, evaluations, teachers, the family feed."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from extranet.base.audit import diff, record_changes, snapshot
from extranet.base.background import PDF_QUEUE, enqueue, enqueue_after_commit
from extranet.base.emails import EMAIL_QUEUE, PasswordLink, send_email
from extranet.base.errors import DomainError
from extranet.base.models import Season, Site
from families.models import Family, Guardian, Membership
from students.models import Course, Enrolment, Student
from students.schoolyear_bulletin import render_bulletin, snapshot_bulletin
from students.schoolyear_models import (
    AbsenceNotice,
    Attendance,
    ClosureDay,
    Evaluation,
    FamilyCalendar,
    Lesson,
    LessonChange,
    SchoolHoliday,
    SchoolYearSettings,
    StoredBulletin,
    Teacher,
    Term,
    TermSystem,
    new_calendar_token,
)

# A family reports absences for the coming year at most.
ABSENCE_NOTICE_HORIZON = datetime.timedelta(days=365)


class SchoolYearError(DomainError):
    """A refused school-year change, with the French message shown to the user."""


class SchoolHolidaysMissing(SchoolYearError):
    """The season's school holidays of the site's zone are not loaded: no lesson is generated."""


# --- Calendar and lessons ---------------------------------------------------------------------


def days_without_lessons(site: Site, start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """School and public holidays of the site's zone, and the site's closure days, in [start, end]."""
    days: set[datetime.date] = set()
    holidays = SchoolHoliday.objects.filter(starts_on__lte=end, ends_on__gte=start)
    holidays = holidays.filter(Q(zone="") | Q(zone=site.zone)) if site.zone else holidays.filter(zone="")
    for holiday in holidays:
        day = max(holiday.starts_on, start)
        while day <= min(holiday.ends_on, end):
            days.add(day)
            day += datetime.timedelta(days=1)
    days.update(ClosureDay.objects.filter(site=site, date__range=(start, end)).values_list("date", flat=True))
    return days


def zones_without_holidays(season: Season, zones: Iterable[str]) -> list[str]:
    """The zones among ``zones`` whose school holidays of ``season`` are not loaded (sorted).

    Every year of the national school calendar (calendrier scolaire, arrêté of the Ministry of
    Education) gives each zone its own winter and spring holidays. A zone without a single holiday
    of its own within the season has not had that season's calendar entered: the arrêté was not
    published yet when the reference data were shipped, or nobody added it in the admin since.
    """
    wanted = sorted({zone for zone in zones if zone})
    if not wanted:
        return []
    loaded = set(
        SchoolHoliday.objects.filter(
            zone__in=wanted, starts_on__lte=season.ends_on, ends_on__gte=season.starts_on
        ).values_list("zone", flat=True)
    )
    return [zone for zone in wanted if zone not in loaded]


def missing_holidays_message(season: Season, zones: list[str]) -> str:
    """What the secretariat or ops read when a season's holidays are not loaded for ``zones``."""
    return ngettext(
        "Les vacances scolaires %(season)s de la zone %(zones)s ne sont pas chargées : sans elles, des "
        "séances tomberaient pendant les vacances. Saisissez-les dans l'admin (Vacances scolaires et "
        "jours fériés) d'après le calendrier scolaire officiel, puis générez les séances.",
        "Les vacances scolaires %(season)s des zones %(zones)s ne sont pas chargées : sans elles, des "
        "séances tomberaient pendant les vacances. Saisissez-les dans l'admin (Vacances scolaires et "
        "jours fériés) d'après le calendrier scolaire officiel, puis générez les séances.",
        len(zones),
    ) % {"season": season.label, "zones": ", ".join(zones)}


def holiday_gaps(sites: Iterable[Site]) -> list[str]:
    """One warning per season (current, then next) whose holidays are missing for a zone of ``sites``."""
    zones = {site.zone for site in sites if site.zone}
    gaps = []
    for season in Season.objects.filter(Q(is_current=True) | Q(is_next=True)).order_by("starts_on"):
        missing = zones_without_holidays(season, zones)
        if missing:
            gaps.append(missing_holidays_message(season, missing))
    return gaps


def timetable_dates(course: Course, season: Season, closed: set[datetime.date]) -> list[datetime.date]:
    """The dates of the season on the course's weekday, minus the days without lessons."""
    if course.weekday is None:
        return []
    day = season.starts_on + datetime.timedelta(days=(course.weekday - season.starts_on.isoweekday()) % 7)
    dates = []
    while day <= season.ends_on:
        if day not in closed:
            dates.append(day)
        day += datetime.timedelta(days=7)
    return dates


@dataclass(frozen=True)
class LessonGeneration:
    courses: int
    created: int
    existing: int
    without_timetable: int


def generate_lessons(*, site: Site, season: Season, dry_run: bool = False) -> LessonGeneration:
    """Create the missing lessons of every course of ``site`` in ``season`` from its timetable.

    Idempotent: a lesson already generated for a timetable date (even moved or cancelled since)
    is left as it is; nothing is deleted. That is also why it refuses to run (dry run included)
    while the season's school holidays of the site's zone are not loaded: lessons generated on
    those days would stay in the families' planning once the holidays are entered.
    """
    missing = zones_without_holidays(season, [site.zone])
    if missing:
        raise SchoolHolidaysMissing(missing_holidays_message(season, missing))
    with transaction.atomic():
        # One generation per site at a time: a second run waits, then finds the lessons made.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        closed = days_without_lessons(site, season.starts_on, season.ends_on)
        courses = list(Course.objects.filter(season=season, pole__site=site).order_by("pk"))
        existing = defaultdict(set)
        for course_id, day in Lesson.objects.filter(course__in=courses).values_list(
            "course_id", "scheduled_on"
        ):
            existing[course_id].add(day)
        new, already, without_timetable = [], 0, 0
        for course in courses:
            if course.weekday is None or course.starts_at is None or course.ends_at is None:
                without_timetable += 1
                continue
            for day in timetable_dates(course, season, closed):
                if day in existing[course.pk]:
                    already += 1
                    continue
                new.append(
                    Lesson(
                        course=course,
                        scheduled_on=day,
                        date=day,
                        starts_at=course.starts_at,
                        ends_at=course.ends_at,
                        room=course.room,
                    )
                )
        if not dry_run:
            Lesson.objects.bulk_create(new, batch_size=1000)
    return LessonGeneration(
        courses=len(courses), created=len(new), existing=already, without_timetable=without_timetable
    )


def _slot(lesson: Lesson) -> str:
    text = f"{lesson.date:%d/%m/%Y} {lesson.starts_at:%H:%M}–{lesson.ends_at:%H:%M}"
    return f"{text}, {lesson.room}" if lesson.room else text


def _lesson_for_change(lesson_id: int, teacher: Teacher | None) -> Lesson:
    lessons = Lesson.objects.select_for_update().filter(pk=lesson_id)
    if teacher is not None:
        lessons = lessons.filter(course__teachers=teacher)
    lesson = lessons.first()
    if lesson is None:
        raise SchoolYearError(_("Cette séance n'existe pas ou n'est pas l'un de vos cours."))
    return lesson


def guardians_by_family(students: Iterable[Student]) -> dict[int, list[Guardian]]:
    """Family id → its guardians (payer first), for emails and the teacher's emergency phone."""
    family_ids = {student.family_id for student in students}
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(family_id__in=family_ids)
        .select_related("guardian")
        .order_by("-is_payer", "guardian__last_name", "pk")
    )
    for membership in memberships:
        guardians[membership.family_id].append(membership.guardian)
    return guardians


def _email_families_of_lesson(lesson: Lesson, name: str, context: dict) -> int:
    enrolments = list(
        Enrolment.objects.active()
        .filter(course=lesson.course_id)
        .select_related("student__family__site")
        .order_by("student__first_name")
    )
    pupils: dict[int, list[Student]] = defaultdict(list)
    families: dict[int, Family] = {}
    for enrolment in enrolments:
        pupils[enrolment.student.family_id].append(enrolment.student)
        families[enrolment.student.family_id] = enrolment.student.family
    guardians = guardians_by_family(enrolment.student for enrolment in enrolments)
    sent = 0
    for family_id, family in families.items():
        addresses = sorted({guardian.email for guardian in guardians[family_id] if guardian.email})
        email = send_email(
            name,
            to=addresses,
            context={
                **context,
                "lesson": lesson,
                "course": lesson.course,
                "family": family,
                "site": family.site,
                "pupils": pupils[family_id],
            },
        )
        sent += email is not None
    return sent


def families_to_notify(lesson: Lesson) -> int:
    """How many families a change of ``lesson`` emails: those of its pupils with a guardian's address."""
    families = Enrolment.objects.active().filter(course=lesson.course_id).values("student__family_id")
    return (
        Membership.objects.filter(family_id__in=families)
        .exclude(guardian__email="")
        .values("family_id")
        .distinct()
        .count()
    )


@task(queue_name=EMAIL_QUEUE)
def notify_lesson_change(change_id: int) -> int:
    """The background task: email the families of a cancelled or moved lesson. Returns emails queued.

    One task per change, enqueued after the change commits, so neither the admin nor a teacher
    waits for one email per family; each email then goes through the outbox like any other.
    """
    change = LessonChange.objects.select_related("lesson__course").filter(pk=change_id).first()
    if change is None:
        return 0
    if change.new_state == Lesson.Status.CANCELLED:
        name, context = "lesson_cancelled", {"reason": change.reason}
    else:
        name, context = "lesson_moved", {"old_slot": change.old_slot, "reason": change.reason}
    with transaction.atomic():
        return _email_families_of_lesson(change.lesson, name, context)


def _notify_after_commit(change: LessonChange) -> None:
    enqueue_after_commit(
        notify_lesson_change,
        change.pk,
        failure=f"lesson change {change.pk}: the families' emails could not be queued",
    )


def cancel_lesson(*, lesson_id: int, actor, reason: str, teacher: Teacher | None = None) -> Lesson:
    """Cancel a lesson (secretariat, or ``teacher`` for one of their courses); families are emailed.

    The emails are made by one task after commit (``notify_lesson_change``).
    """
    reason = reason.strip()
    if not reason:
        raise SchoolYearError(
            _("Indiquez le motif de l'annulation : il est envoyé aux familles."), field="reason"
        )
    with transaction.atomic():
        lesson = _lesson_for_change(lesson_id, teacher)
        if lesson.is_cancelled:
            raise SchoolYearError(_("Cette séance est déjà annulée."))
        if lesson.date < timezone.localdate():
            raise SchoolYearError(_("Une séance passée ne peut plus être annulée."))
        old_state = lesson.status
        lesson.status = Lesson.Status.CANCELLED
        lesson.reason = reason[:255]
        lesson.save(update_fields=["status", "reason"])
        change = LessonChange.objects.create(
            lesson=lesson,
            actor=actor,
            reason=reason,
            old_state=old_state,
            new_state=lesson.status,
            old_slot=_slot(lesson),
        )
        _notify_after_commit(change)
    return lesson


def move_lesson(
    *,
    lesson_id: int,
    actor,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    room: str,
    reason: str = "",
    teacher: Teacher | None = None,
) -> Lesson:
    """Move a lesson to another day, time or room; the families of its pupils are emailed."""
    if ends_at <= starts_at:
        raise SchoolYearError(_("L'heure de fin doit suivre l'heure de début."), field="ends_at")
    if date < timezone.localdate():
        raise SchoolYearError(_("Choisissez une date à venir."), field="date")
    with transaction.atomic():
        lesson = _lesson_for_change(lesson_id, teacher)
        if lesson.is_cancelled:
            raise SchoolYearError(_("Cette séance est annulée : elle ne peut plus être déplacée."))
        old_slot, old_state = _slot(lesson), lesson.status
        lesson.date, lesson.starts_at, lesson.ends_at, lesson.room = date, starts_at, ends_at, room.strip()
        if _slot(lesson) == old_slot:
            raise SchoolYearError(_("La séance a déjà lieu à cet horaire."), field="date")
        lesson.status = Lesson.Status.MOVED
        lesson.reason = reason.strip()[:255]
        lesson.save(update_fields=["date", "starts_at", "ends_at", "room", "status", "reason"])
        change = LessonChange.objects.create(
            lesson=lesson,
            actor=actor,
            reason=lesson.reason,
            old_state=old_state,
            new_state=lesson.status,
            old_slot=old_slot,
            new_slot=_slot(lesson),
        )
        _notify_after_commit(change)
    return lesson


# --- The roll ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    status: str
    note: str = ""


def _notify_unexcused(attendance: Attendance, guardians: list[Guardian]) -> bool:
    addresses = sorted({guardian.email for guardian in guardians if guardian.email})
    email = send_email(
        "absence_unexcused",
        to=addresses,
        context={
            "student": attendance.student,
            "lesson": attendance.lesson,
            "course": attendance.lesson.course,
            "family": attendance.student.family,
            "site": attendance.student.family.site,
            "note": attendance.note,
        },
    )
    return email is not None


def record_roll(*, lesson_id: int, actor, marks: Mapping[int, Mark], teacher: Teacher | None = None) -> int:
    """Take (or correct) the roll of a lesson: one mark per enrolled pupil. Returns marks changed.

    An unexcused absence emails the pupil's guardians the same day when the site asks for it,
    once per lesson and pupil.
    """
    valid = set(Attendance.Status.values)
    with transaction.atomic():
        lesson = _lesson_for_change(lesson_id, teacher)
        today = timezone.localdate()
        if lesson.is_cancelled:
            raise SchoolYearError(_("Cette séance est annulée : il n'y a pas d'appel à faire."))
        if lesson.date > today:
            raise SchoolYearError(_("L'appel se fait le jour de la séance, pas avant."))
        pupils = {
            enrolment.student_id: enrolment.student
            for enrolment in Enrolment.objects.active()
            .filter(course=lesson.course_id)
            .select_related("student__family__site")
        }
        unknown = set(marks) - set(pupils)
        if unknown:
            raise SchoolYearError(_("Un élève de l'appel n'est pas inscrit à ce cours."))
        if any(mark.status not in valid for mark in marks.values()):
            raise SchoolYearError(_("Choisissez présent, absent, excusé ou en retard pour chaque élève."))
        existing = {
            attendance.student_id: attendance
            for attendance in Attendance.objects.select_for_update().filter(lesson=lesson)
        }
        site_settings = SchoolYearSettings.for_site(lesson.course.pole.site)
        notify_today = site_settings.email_unexcused_absence and lesson.date == today
        guardians = guardians_by_family(pupils.values()) if notify_today else {}
        now = timezone.now()
        changed = 0
        for student_id, mark in marks.items():
            note = mark.note.strip()[:255]
            attendance = existing.get(student_id)
            if attendance is None:
                attendance = Attendance.objects.create(
                    lesson=lesson,
                    student=pupils[student_id],
                    status=mark.status,
                    note=note,
                    recorded_by=actor,
                    recorded_at=now,
                )
                changed += 1
            elif (attendance.status, attendance.note) != (mark.status, note):
                before = snapshot(attendance, ["status", "note"])
                attendance.status, attendance.note = mark.status, note
                attendance.recorded_by, attendance.recorded_at = actor, now
                attendance.save(update_fields=["status", "note", "recorded_by", "recorded_at"])
                record_changes(actor=actor, instance=attendance, changes=diff(attendance, before))
                changed += 1
            attendance.lesson = lesson
            attendance.student = pupils[student_id]
            if (
                notify_today
                and attendance.status == Attendance.Status.ABSENT
                and attendance.guardians_notified_at is None
                and _notify_unexcused(attendance, guardians[attendance.student.family_id])
            ):
                attendance.guardians_notified_at = now
                attendance.save(update_fields=["guardians_notified_at"])
    return changed


def correct_attendance(*, attendance: Attendance, actor, status: str, note: str) -> Attendance:
    """The secretariat corrects one mark (admin): locked, recorded, no email (a correction)."""
    if status not in Attendance.Status.values:
        raise SchoolYearError(_("Choisissez présent, absent, excusé ou en retard."), field="status")
    with transaction.atomic():
        locked = Attendance.objects.select_for_update().get(pk=attendance.pk)
        before = snapshot(locked, ["status", "note"])
        locked.status, locked.note = status, note.strip()[:255]
        locked.recorded_by, locked.recorded_at = actor, timezone.now()
        locked.save(update_fields=["status", "note", "recorded_by", "recorded_at"])
        record_changes(actor=actor, instance=locked, changes=diff(locked, before))
    return locked


# --- Absences reported by families ------------------------------------------------------------


def report_absence(
    *,
    family: Family,
    actor,
    student_id: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
) -> AbsenceNotice:
    """A guardian reports a coming absence of a pupil of the family; the teachers see it on the roll."""
    today = timezone.localdate()
    reason = reason.strip()
    if starts_on < today:
        raise SchoolYearError(
            _("Une absence se signale à l'avance : choisissez une date à venir."), field="starts_on"
        )
    if ends_on < starts_on:
        raise SchoolYearError(_("La date de fin doit suivre la date de début."), field="ends_on")
    if ends_on > today + ABSENCE_NOTICE_HORIZON:
        raise SchoolYearError(_("Signalez une absence au plus un an à l'avance."), field="ends_on")
    if not reason:
        raise SchoolYearError(_("Indiquez le motif de l'absence."), field="reason")
    with transaction.atomic():
        student = Student.objects.for_family(family).select_for_update().filter(pk=student_id).first()
        if student is None:
            raise SchoolYearError(_("Cet élève n'est pas dans votre famille."))
        overlapping = AbsenceNotice.objects.filter(
            student=student, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).exists()
        if overlapping:
            raise SchoolYearError(_("Une absence est déjà signalée sur ces dates."), field="starts_on")
        return AbsenceNotice.objects.create(
            student=student, starts_on=starts_on, ends_on=ends_on, reason=reason[:255], reported_by=actor
        )


# --- Terms and evaluations --------------------------------------------------------------------


def term_bounds(season: Season, system: str) -> list[tuple[datetime.date, datetime.date]]:
    """Trimesters: to December, to March, to the end; semesters: to January, to the end."""
    start, end = season.starts_on, season.ends_on
    year = end.year
    if system == TermSystem.SEMESTERS:
        cut = datetime.date(year, 1, 31)
        return [(start, cut), (cut + datetime.timedelta(days=1), end)]
    first, second = datetime.date(year - 1, 12, 31), datetime.date(year, 3, 31)
    return [
        (start, first),
        (first + datetime.timedelta(days=1), second),
        (second + datetime.timedelta(days=1), end),
    ]


def ensure_terms(*, site: Site, season: Season) -> list[Term]:
    """The site's terms of the season, created from its setting (trimestres or semestres) if missing."""
    with transaction.atomic():
        terms = list(Term.objects.filter(site=site, season=season).order_by("number"))
        if terms:
            return terms
        system = SchoolYearSettings.for_site(site).term_system
        for number, (starts_on, ends_on) in enumerate(term_bounds(season, system), start=1):
            Term.objects.get_or_create(
                site=site,
                season=season,
                number=number,
                defaults={"system": system, "starts_on": starts_on, "ends_on": ends_on},
            )
        return list(Term.objects.filter(site=site, season=season).order_by("number"))


@dataclass(frozen=True)
class EvaluationText:
    appreciation: str
    level: str = ""
    skills: str = ""


def save_evaluations(
    *, teacher: Teacher, term_id: int, course_id: int, entries: Mapping[int, EvaluationText]
) -> int:
    """A teacher writes the term's evaluations of their course's pupils. Returns those saved.

    A blank appreciation leaves the pupil without an evaluation (not written yet). Once the term
    is published only the secretariat corrects evaluations.
    """
    with transaction.atomic():
        course = Course.objects.filter(pk=course_id, teachers=teacher).select_related("pole__site").first()
        term = Term.objects.select_for_update().filter(pk=term_id, site=teacher.site).first()
        if (
            course is None
            or term is None
            or term.site_id != course.pole.site_id
            or term.season_id != course.season_id
        ):
            raise SchoolYearError(_("Ce cours ou cette période n'est pas l'un des vôtres."))
        if term.published_on is not None:
            raise SchoolYearError(
                _("Les évaluations de cette période sont publiées : demandez au secrétariat de les corriger.")
            )
        site_settings = SchoolYearSettings.for_site(course.pole.site)
        pupils = set(Enrolment.objects.active().filter(course=course).values_list("student_id", flat=True))
        if set(entries) - pupils:
            raise SchoolYearError(_("Un élève n'est pas inscrit à ce cours."))
        levels = set(Evaluation.Level.values) | {""}
        existing = {e.student_id: e for e in Evaluation.objects.filter(term=term, course=course)}
        saved = 0
        for student_id, text in entries.items():
            appreciation = text.appreciation.strip()
            if not appreciation:
                continue
            if text.level not in levels:
                raise SchoolYearError(_("Choisissez un niveau dans la liste."))
            values = {
                "appreciation": appreciation,
                "level": text.level if site_settings.uses_levels else "",
                "skills": text.skills.strip() if site_settings.uses_skills else "",
                "teacher": teacher,
            }
            evaluation = existing.get(student_id)
            if evaluation is None:
                Evaluation.objects.create(term=term, course=course, student_id=student_id, **values)
                saved += 1
            elif any(getattr(evaluation, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(evaluation, key, value)
                evaluation.save()
                saved += 1
        return saved


def correct_evaluation(
    *, evaluation: Evaluation, actor, appreciation: str, level: str, skills: str
) -> Evaluation:
    """The secretariat corrects an evaluation (admin), published or not: locked and recorded."""
    if not appreciation.strip():
        raise SchoolYearError(_("L'appréciation ne peut pas être vide."), field="appreciation")
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        before = snapshot(locked, ["appreciation", "level", "skills"])
        locked.appreciation, locked.level, locked.skills = appreciation.strip(), level, skills.strip()
        locked.save(update_fields=["appreciation", "level", "skills", "updated_at"])
        record_changes(actor=actor, instance=locked, changes=diff(locked, before))
        # The pupil's stored bulletin of the term no longer says what the evaluations say.
        StoredBulletin.objects.filter(student_id=locked.student_id, term_id=locked.term_id).delete()
        if Term.objects.filter(pk=locked.term_id, published_on__isnull=False).exists():
            term_id, student_id = locked.term_id, locked.student_id
            transaction.on_commit(lambda: enqueue_bulletins(term_id, [student_id], replace=True))
    return locked


def publish_term(*, term: Term, actor, published_on: datetime.date) -> Term:
    """The secretariat publishes a term's evaluations: families see them from ``published_on``.

    Once it commits, a task renders and stores every pupil's bulletin of the term (even ahead of
    a publication date to come), so the families' downloads serve stored bytes. Withdrawing the
    publication (no date) drops the stored bulletins: teachers may write again.
    """
    with transaction.atomic():
        locked = Term.objects.select_for_update().get(pk=term.pk)
        before = snapshot(locked, ["published_on"])
        locked.published_on = published_on
        locked.published_by = actor
        locked.save(update_fields=["published_on", "published_by"])
        record_changes(actor=actor, instance=locked, changes=diff(locked, before))
        if published_on is None:
            StoredBulletin.objects.filter(term=locked).delete()
        else:
            transaction.on_commit(lambda: enqueue_bulletins(locked.pk))
    return locked


# --- Bulletins --------------------------------------------------------------------------------


def stored_bulletin(*, student: Student, term: Term) -> StoredBulletin | None:
    return StoredBulletin.objects.filter(student=student, term=term).first()


def store_bulletin(
    *, site: Site, student: Student, term: Term, evaluations: list[Evaluation], replace: bool = False
) -> StoredBulletin:
    """Render the pupil's bulletin of ``term`` from ``evaluations`` and store it.

    Rendered outside any transaction (WeasyPrint takes a fraction of a second of CPU). When
    another process stored the bulletin first, theirs is kept and returned, so every download
    serves the same bytes; ``replace`` (after a correction) puts the new rendering in its place.
    """
    filename, pdf = render_bulletin(
        snapshot_bulletin(site=site, student=student, term=term, evaluations=evaluations)
    )
    values = {"filename": filename, "content": pdf, "sha256": hashlib.sha256(pdf).hexdigest()}
    try:
        with transaction.atomic():
            if replace:
                StoredBulletin.objects.filter(student=student, term=term).delete()
            return StoredBulletin.objects.create(student=student, term=term, **values)
    except IntegrityError:
        return StoredBulletin.objects.get(student=student, term=term)


@task(queue_name=PDF_QUEUE)
def render_term_bulletins(term_id: int, student_ids: list[int] | None = None, replace: bool = False) -> int:
    """The background task: render and store the bulletins of a published term. Returns how many.

    Every pupil with an evaluation of the term (or only ``student_ids``) whose bulletin is not
    stored yet; with ``replace``, those pupils' bulletins are rendered again whatever is stored.
    """
    term = (
        Term.objects.select_related("site", "season").filter(pk=term_id, published_on__isnull=False).first()
    )
    if term is None:  # publication withdrawn since: nothing to render
        return 0
    evaluations = (
        Evaluation.objects.filter(term=term)
        .select_related("student", "course", "teacher__user")
        .order_by("student_id", "course__name")
    )
    if student_ids is not None:
        evaluations = evaluations.filter(student_id__in=student_ids)
    done = (
        set()
        if replace
        else set(StoredBulletin.objects.filter(term=term).values_list("student_id", flat=True))
    )
    by_student: dict[int, list[Evaluation]] = defaultdict(list)
    for evaluation in evaluations:
        if evaluation.student_id not in done:
            by_student[evaluation.student_id].append(evaluation)
    for pupil_evaluations in by_student.values():
        store_bulletin(
            site=term.site,
            student=pupil_evaluations[0].student,
            term=term,
            evaluations=pupil_evaluations,
            replace=replace,
        )
    return len(by_student)


def enqueue_bulletins(term_id: int, student_ids: list[int] | None = None, *, replace: bool = False) -> bool:
    """Hand a term's bulletins to the worker; a failure to enqueue loses nothing (downloads render)."""
    return enqueue(
        render_term_bulletins,
        term_id,
        student_ids,
        replace,
        failure=f"term {term_id}: bulletins could not be queued, downloads will render them",
    )


# --- Teachers ---------------------------------------------------------------------------------


def send_teacher_welcome(*, teacher: Teacher) -> bool:
    """First login: the teacher's site, identifier and a link to choose a password."""
    user = teacher.user
    if not user.email:
        return False
    with transaction.atomic():
        send_email(
            "teacher_welcome",
            to=[user.email],
            context={
                "user": user,
                "teacher": teacher,
                "site": teacher.site,
                "identifier": user.identifier,
                # The single-use link families get too, made when the email leaves: the
                # outbox, which staff read, never holds it.
                "link": PasswordLink(user),
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
    return True


@task(queue_name=EMAIL_QUEUE)
def send_teacher_welcomes(teacher_ids: list[int]) -> int:
    """The background task of the admin's "Envoyer le lien de première connexion". Returns emails queued."""
    teachers = Teacher.objects.filter(pk__in=teacher_ids).select_related("user", "site").order_by("pk")
    return sum(send_teacher_welcome(teacher=teacher) for teacher in teachers)


def queue_teacher_welcomes(teachers) -> int:
    """Queue one task sending the first-login links of ``teachers`` who have an email, after
    commit: the page answers at once, whatever the number. Returns how many will be sent."""
    teacher_ids = list(teachers.exclude(user__email="").order_by("pk").values_list("pk", flat=True))
    if teacher_ids:
        enqueue_after_commit(
            send_teacher_welcomes, teacher_ids, failure="teachers' first-login links could not be queued"
        )
    return len(teacher_ids)


def create_teacher(
    *,
    site: Site,
    identifier: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    courses: Iterable[Course] = (),
    actor=None,
    send_welcome: bool = True,
) -> Teacher:
    """The secretariat creates a teacher: a login of the site without a password, then the welcome link."""
    User = get_user_model()
    identifier = identifier.strip()
    if not email.strip():
        raise SchoolYearError(
            _("Indiquez l'e-mail du professeur : le lien de première connexion y est envoyé."), field="email"
        )
    courses = list(courses)
    if any(course.pole.site_id != site.pk for course in courses):
        raise SchoolYearError(_("Choisissez des cours de ce site."), field="courses")
    with transaction.atomic():
        if User.objects.filter(site=site, identifier__iexact=identifier).exists():
            raise SchoolYearError(_("Cet identifiant est déjà pris sur ce site."), field="identifier")
        user = User.objects.create_user(
            identifier,
            None,
            site=site,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
        )
        teacher = Teacher.objects.create(user=user, site=site, phone=phone)
        teacher.courses.set(courses)
        if send_welcome:
            send_teacher_welcome(teacher=teacher)
    return teacher


# --- The family's calendar feed ---------------------------------------------------------------


def family_calendar(*, family: Family) -> FamilyCalendar:
    """The family's feed address, made on first use."""
    calendar, _created = FamilyCalendar.objects.get_or_create(family=family)
    return calendar


def renew_calendar(*, family: Family, actor) -> FamilyCalendar:
    """A new secret address for the family's feed: the old one answers 404 from now on."""
    with transaction.atomic():
        calendar = FamilyCalendar.objects.select_for_update().filter(family=family).first()
        if calendar is None:
            return FamilyCalendar.objects.create(family=family, renewed_by=actor)
        calendar.token = new_calendar_token()
        calendar.renewed_at = timezone.now()
        calendar.renewed_by = actor
        calendar.save(update_fields=["token", "renewed_at", "renewed_by"])
        return calendar
