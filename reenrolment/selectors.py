"""Reads about re-enrolment: windows and dossiers as the family and the secretariat see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from extranet.base import dates
from extranet.base.models import Site
from extranet.base.prepared import PreparedQuery, attach_prefetched
from extranet.base.sitewide import KeptRead
from extranet.base.todo import TodoItem
from reenrolment import rules
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentStateChange, ReenrolmentWindow
from students.models import Course, CourseCategory, Enrolment, Student

# The phases of the Réinscription tab.
NO_WINDOW = "none"
UPCOMING = "upcoming"
OPEN = "open"
CLOSED = "closed"

# A family may change or withdraw its dossier until the secretariat decides.
EDITABLE_STATES = {Reenrolment.State.DRAFT, Reenrolment.State.SUBMITTED, Reenrolment.State.WITHDRAWN}
SENT_STATES = {
    Reenrolment.State.SUBMITTED,
    Reenrolment.State.VALIDATED,
    Reenrolment.State.WAITLISTED,
}


def queue_order(path: str = "") -> tuple:
    """The guides' order for places: dossiers in the order they became complete, then were sent.

    ``path`` leads from the rows ordered to the dossier ("reenrolment__" for its choices).
    """
    return (
        F(f"{path}complete_at").asc(nulls_last=True),
        F(f"{path}submitted_at").asc(nulls_last=True),
        f"{path}pk",
    )


# Kept a few seconds (extranet/base/sitewide.py): the open/upcoming/closed choice below is made
# from the rows at each call. What a family submits is checked against the window read again,
# locked (services).
_SITE_WINDOWS = KeptRead(
    PreparedQuery(
        lambda site_id: ReenrolmentWindow.objects.filter(site_id=site_id).select_related("season", "site")
    )
)


def window_for_site(site: Site, *, at: datetime | None = None) -> ReenrolmentWindow | None:
    """The window the families of ``site`` see: the open one, else the next to open, else the last closed."""
    at = at or timezone.now()
    windows = _SITE_WINDOWS.list(site_id=site.pk)
    open_now = [window for window in windows if window.is_open(at)]
    if open_now:
        return open_now[0]
    upcoming = sorted((w for w in windows if w.opens_at > at), key=lambda w: w.opens_at)
    if upcoming:
        return upcoming[0]
    closed = sorted((w for w in windows if w.closes_at <= at), key=lambda w: w.closes_at, reverse=True)
    return closed[0] if closed else None


def window_phase(window: ReenrolmentWindow | None, *, at: datetime | None = None) -> str:
    at = at or timezone.now()
    if window is None:
        return NO_WINDOW
    if window.is_open(at):
        return OPEN
    return UPCOMING if window.opens_at > at else CLOSED


def _count_per_outer_course(queryset):
    """How many rows of ``queryset`` point at the outer query's course (0 when none)."""
    return Coalesce(
        Subquery(
            queryset.filter(course=OuterRef("pk"))
            .order_by()
            .values("course")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def seats_taken_subquery():
    """Active enrolments of the outer course: the seats already given."""
    return _count_per_outer_course(Enrolment.objects.filter(status=Enrolment.Status.ACTIVE))


def waitlisted_subquery():
    return _count_per_outer_course(ReenrolmentChoice.objects.filter(state=ReenrolmentChoice.State.WAITLISTED))


def _site_courses(season_id: int, site_id: int) -> QuerySet[Course]:
    return Course.objects.filter(season_id=season_id, pole__site_id=site_id).order_by(
        "pole__name", "category", "discipline__name", "name", "pk"
    )


def catalogue(window: ReenrolmentWindow, *, with_seats: bool = True) -> QuerySet[Course]:
    """Next season's courses on the window's site, each with ``seats_taken`` if asked."""
    courses = _site_courses(window.season_id, window.site_id).with_names()
    return courses.annotate(seats_taken=seats_taken_subquery()) if with_seats else courses


# The Réinscription tab's reads, compiled once per process (extranet/base/prepared.py). The
# catalogue's courses come with their names but not their season: it is the window's, given to
# each course (reenrolment_offer) rather than read again with each. The catalogue a family is
# shown, with the seats taken, is the same for every family of the site: kept a few seconds
# (extranet/base/sitewide.py; a new enrolment or course forgets it). What a family submits is
# checked against the catalogue read again (services, ``with_seats=False``).
_CATALOGUE = {
    False: PreparedQuery(
        lambda season_id, site_id: _site_courses(season_id, site_id).select_related(
            "discipline", "cycle", "pole"
        )
    ),
    True: KeptRead(
        PreparedQuery(
            lambda season_id, site_id: (
                _site_courses(season_id, site_id)
                .select_related("discipline", "cycle", "pole")
                .annotate(seats_taken=seats_taken_subquery())
            )
        )
    ),
}


@dataclass
class Continuation:
    """A course the pupil follows this season, and the course that carries it on next season."""

    enrolment: Enrolment
    next_course: Course | None


@dataclass
class ReenrolmentOffer:
    """What the Réinscription tab offers one pupil during a window."""

    window: ReenrolmentWindow
    continuations: list[Continuation]
    catalogue: list[Course]
    courses_by_id: dict[int, Course] = field(default_factory=dict)
    # What past_courses() tells, when the offer was read with_past.
    past: tuple[set[int], bool] | None = None

    @property
    def continuation_by_enrolment(self) -> dict[int, Continuation]:
        return {c.enrolment.pk: c for c in self.continuations}

    @property
    def wishable_courses(self) -> list[Course]:
        """The catalogue without the courses that carry on the pupil's current ones."""
        continuing = {c.next_course.pk for c in self.continuations if c.next_course is not None}
        return [course for course in self.catalogue if course.pk not in continuing]


def current_enrolments(student: Student) -> QuerySet[Enrolment]:
    """The pupil's active courses of the current season."""
    return (
        Enrolment.objects.active()
        .filter(student=student, season__is_current=True)
        .select_related("course__discipline", "course__cycle", "course__pole")
        .order_by("course__discipline__name", "course__name", "pk")
    )


def _current_and_past_enrolments(student_id: int, before: date) -> QuerySet[Enrolment]:
    """The pupil's enrolments of the current season and of the seasons that start ``before``."""
    return (
        Enrolment.objects.filter(student_id=student_id)
        .filter(Q(season__is_current=True) | Q(season__starts_on__lt=before))
        .select_related("course__discipline", "course__cycle", "course__pole", "season")
        .order_by("course__discipline__name", "course__name", "pk")
    )


_CURRENT_AND_PAST = PreparedQuery(_current_and_past_enrolments)


def _current_and_past(student: Student, season) -> tuple[list[Enrolment], tuple[set[int], bool]]:
    """current_enrolments() and past_courses() from one read of the pupil's enrolments."""
    enrolments = _CURRENT_AND_PAST.list(student_id=student.pk, before=season.starts_on)
    current = [e for e in enrolments if e.status == Enrolment.Status.ACTIVE and e.season.is_current]
    past = _past_of(
        (e.course.discipline_id, e.course.category, e.course.discipline.is_dance)
        for e in enrolments
        if e.season.starts_on < season.starts_on
    )
    return current, past


def reenrolment_offer(
    student: Student, window: ReenrolmentWindow, *, with_seats: bool = True, with_past: bool = False
) -> ReenrolmentOffer:
    """Current courses with their next-season follow-up, and the catalogue. Two queries;
    ``with_past`` also reads the pupil's past courses (for suggested_course_ids) in the second."""
    courses = _CATALOGUE[with_seats].list(season_id=window.season_id, site_id=window.site_id)
    for course in courses:
        course.season = window.season
    follow_up: dict[int, Course] = {}
    for course in courses:
        if course.continues_id is not None:
            follow_up.setdefault(course.continues_id, course)
    if with_past:
        current, past = _current_and_past(student, window.season)
    else:
        current, past = current_enrolments(student), None
    continuations = [
        Continuation(enrolment=enrolment, next_course=follow_up.get(enrolment.course_id))
        for enrolment in current
    ]
    return ReenrolmentOffer(
        window=window,
        continuations=continuations,
        catalogue=courses,
        courses_by_id={course.pk: course for course in courses},
        past=past,
    )


def _past_of(rows) -> tuple[set[int], bool]:
    """(discipline, category, is dance) rows -> the disciplines, and whether one was an instrument."""
    disciplines: set[int] = set()
    played = False
    for discipline, category, is_dance in rows:
        disciplines.add(discipline)
        played = played or (category in {CourseCategory.INSTRUMENT, CourseCategory.ADULT} and not is_dance)
    return disciplines, played


def past_courses(student: Student, season) -> tuple[set[int], bool]:
    """Disciplines the pupil followed here before ``season``, and whether one was a music
    instrument course (the rules' "non débutant"). One query."""
    return _past_of(
        Enrolment.objects.filter(student=student, season__starts_on__lt=season.starts_on)
        .values_list("course__discipline_id", "course__category", "course__discipline__is_dance")
        .distinct()
    )


def suggested_course_ids(student: Student, offer: ReenrolmentOffer) -> set[int]:
    """The wishable courses the rules allow this pupil (age, level, pôle): offered first, the
    others behind "Autres cours". No query when the offer was read with_past, else one (the
    pupil's past courses)."""
    season = offer.window.season
    past_disciplines, played_instrument = offer.past or past_courses(student, season)
    poles = {c.next_course.pole_id for c in offer.continuations if c.next_course is not None}
    poles |= {c.enrolment.course.pole_id for c in offer.continuations}
    pole_id = poles.pop() if len(poles) == 1 else None
    age = student.age_on(rules.age_reference_day(season))
    return {
        course.pk
        for course in offer.wishable_courses
        if rules.course_fits(
            course=course,
            age=age,
            past_discipline_ids=past_disciplines,
            played_instrument=played_instrument,
            pole_id=pole_id,
        )
    }


_DOSSIER = PreparedQuery(
    lambda student_id, window_id: Reenrolment.objects.filter(student_id=student_id, window_id=window_id)[:1]
)
_DOSSIER_CHOICES = PreparedQuery(
    lambda reenrolment_id: (
        ReenrolmentChoice.objects.filter(reenrolment_id=reenrolment_id)
        .select_related("course__pole", "course__discipline", "course__cycle")
        .order_by("preference", "pk")
    )
)
_DOSSIER_HISTORY = PreparedQuery(
    lambda reenrolment_id: ReenrolmentStateChange.objects.filter(reenrolment_id=reenrolment_id).order_by(
        "at", "pk"
    )
)


def dossier_for(student: Student, window: ReenrolmentWindow | None) -> Reenrolment | None:
    """The pupil's dossier in ``window`` with its choices and its history (three queries), or
    None (one query)."""
    if window is None:
        return None
    dossier = _DOSSIER.first(student_id=student.pk, window_id=window.pk)
    if dossier is not None:
        attach_prefetched(dossier, "choices", _DOSSIER_CHOICES.list(reenrolment_id=dossier.pk))
        attach_prefetched(dossier, "history", _DOSSIER_HISTORY.list(reenrolment_id=dossier.pk))
    return dossier


def students_expected(site: Site) -> QuerySet[Student]:
    """Pupils of the site who should re-enrol: in a course this season, or with no course at all.

    Pupils imported without their courses show "Aucun cours attribué" in the old portal and
    still re-enrol (administrative re-enrolment), so they are expected too.
    """
    this_season = Enrolment.objects.filter(student=OuterRef("pk"), season__is_current=True).exclude(
        status=Enrolment.Status.STOPPED
    )
    any_enrolment = Enrolment.objects.filter(student=OuterRef("pk"))
    return (
        Student.objects.filter(family__site=site)
        .annotate(in_course=Exists(this_season), ever_enrolled=Exists(any_enrolment))
        .filter(Q(in_course=True) | Q(ever_enrolled=False))
    )


@lru_cache(maxsize=256)
def _datetime_text_in(value: datetime, language: str | None, zone: str) -> str:
    return dates.long_datetime(value, with_weekday=True)


def _datetime_text(value: datetime) -> str:
    """ "lundi 4 janvier 2027 à 23 h" (local time), worked out once per process for a window's
    dates in each language and time zone (the Accueil and Réinscription tabs show them on every
    view)."""
    return _datetime_text_in(value, get_language(), timezone.get_current_timezone_name())


def window_opens_text(window: ReenrolmentWindow) -> str:
    return _datetime_text(window.opens_at)


def window_closes_text(window: ReenrolmentWindow) -> str:
    return _datetime_text(window.closes_at)


def window_dates_text(window: ReenrolmentWindow) -> str:
    return _("du %(opens)s au %(closes)s") % {
        "opens": _datetime_text(window.opens_at),
        "closes": _datetime_text(window.closes_at),
    }


def with_reenrolment_status(
    queryset: QuerySet[Student], window: ReenrolmentWindow | int | None
) -> QuerySet[Student]:
    """Pupils annotated for the Accueil tab's re-enrolment lines, in the same query.

    ``expected``: the pupil should re-enrol (the rule of ``students_expected``, without the site:
    the caller's queryset is already scoped); ``reenrolment_state``: the state of its dossier in
    ``window`` (a window or its id; None without a dossier or without a window).
    """
    this_season = Enrolment.objects.filter(student=OuterRef("pk"), season__is_current=True).exclude(
        status=Enrolment.Status.STOPPED
    )
    any_enrolment = Enrolment.objects.filter(student=OuterRef("pk"))
    queryset = queryset.annotate(expected=Exists(this_season) | ~Exists(any_enrolment))
    if window is None:
        return queryset.annotate(reenrolment_state=Value(None, output_field=CharField()))
    dossier = Reenrolment.objects.filter(student=OuterRef("pk"), window=window).values("state")[:1]
    return queryset.annotate(reenrolment_state=Subquery(dossier))


_UNKNOWN = object()


def todo_items(family, *, window=_UNKNOWN, students=None) -> list[TodoItem]:
    """The re-enrolment window's dates and the dossiers still to send, for the Accueil tab.

    The Accueil tab passes the site's ``window`` (``window_for_site``) and the family's pupils
    annotated by ``with_reenrolment_status`` for that window, so nothing is loaded twice.
    """
    now = timezone.now()
    if window is _UNKNOWN:
        window = window_for_site(family.site, at=now)
    phase = window_phase(window, at=now)
    if phase == UPCOMING:
        return [
            TodoItem(
                _("Réinscriptions pour la saison %(season)s : %(dates)s.")
                % {"season": window.season.label, "dates": window_dates_text(window)}
            )
        ]
    if phase != OPEN:
        return []
    if students is None:
        students = with_reenrolment_status(Student.objects.for_family(family), window).order_by(
            "first_name", "pk"
        )
    closes = _datetime_text(window.closes_at)
    items = []
    for student in students:
        if not student.expected:
            continue
        state = student.reenrolment_state
        url = reverse("reenrolment:student", args=[student.pk])
        if state is None:
            text = _("Réinscrire %(name)s pour la saison %(season)s, avant le %(closes)s.")
        elif state == Reenrolment.State.DRAFT:
            text = _(
                "Le dossier de réinscription de %(name)s n'est pas encore envoyé : validez-le avant le %(closes)s."
            )
        else:
            continue
        items.append(
            TodoItem(text % {"name": student.full_name, "season": window.season.label, "closes": closes}, url)
        )
    return items


def dossiers_for_reminder(window: ReenrolmentWindow) -> dict[int, dict[str, list]]:
    """Per family id: pupils without a sent dossier (``unsent``) and sent dossiers still incomplete.

    Withdrawn dossiers are a decision of the family: they are not reminded.
    """
    dossiers = {
        d.student_id: d
        for d in Reenrolment.objects.filter(window=window).only("pk", "student_id", "state", "complete_at")
    }
    result: dict[int, dict[str, list]] = {}
    for student in students_expected(window.site).select_related("family").order_by("family_id", "pk"):
        dossier = dossiers.get(student.pk)
        if dossier is None or dossier.state == Reenrolment.State.DRAFT:
            result.setdefault(student.family_id, {"unsent": [], "incomplete": []})["unsent"].append(student)
        elif dossier.state in SENT_STATES and dossier.complete_at is None:
            result.setdefault(student.family_id, {"unsent": [], "incomplete": []})["incomplete"].append(
                student
            )
    return result


@dataclass
class CourseStatus:
    course: Course
    seats_taken: int
    waitlisted: int
    pending: int

    @property
    def seats_left(self) -> int:
        return max(self.course.capacity - self.seats_taken, 0)


def course_statuses(window: ReenrolmentWindow) -> list[CourseStatus]:
    pending = _count_per_outer_course(
        ReenrolmentChoice.objects.filter(
            state=ReenrolmentChoice.State.PENDING, reenrolment__state=Reenrolment.State.SUBMITTED
        )
    )
    courses = catalogue(window).annotate(waitlisted=waitlisted_subquery(), pending=pending)
    return [
        CourseStatus(course=c, seats_taken=c.seats_taken, waitlisted=c.waitlisted, pending=c.pending)
        for c in courses
    ]


def dance_condition():
    """The re-enrolment rule for the medical certificate: a pupil dances with an active dance
    enrolment this season or next, or a dance choice for next season that is still alive."""
    enrolment = Enrolment.objects.filter(
        student=OuterRef("pk"),
        status=Enrolment.Status.ACTIVE,
        course__discipline__is_dance=True,
    ).filter(Q(season__is_current=True) | Q(season__is_next=True))
    choice = (
        ReenrolmentChoice.objects.filter(
            reenrolment__student=OuterRef("pk"),
            course__season__is_next=True,
            course__discipline__is_dance=True,
        )
        .exclude(state=ReenrolmentChoice.State.REFUSED)
        .exclude(reenrolment__state__in=[Reenrolment.State.WITHDRAWN, Reenrolment.State.REFUSED])
    )
    return Exists(enrolment) | Exists(choice)
