"""The admin home of the secretariat: "À traiter" (what waits for them on their sites) and the
re-enrolment campaign drawn as server-rendered SVG, with the same figures as tables.

Reads only, cut to the staff member's sites by ``scope_to_staff``. Queries: four counts, the
windows, then two per window shown (dossiers sent per day, seats per course).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from billing import payment_selectors
from billing.payment_models import InstalmentFollowUp
from documents.models import Document
from extranet.base.scoping import scope_to_staff
from reenrolment import selectors as reenrolment_selectors
from reenrolment.models import Reenrolment, ReenrolmentWindow

# The chart's drawing box, in SVG user units (it scales to the page width).
CHART_WIDTH = 640
DAYS_HEIGHT = 160
BAR_ROW = 22
LABEL_WIDTH = 220
MAX_DAY_BAR = 48


@dataclass
class Queue:
    label: str
    count: int
    url: str


@dataclass
class DayBar:
    day: datetime.date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class CourseBar:
    name: str
    capacity: int
    taken: int
    waiting: int
    y: float
    taken_width: float
    waiting_x: float
    waiting_width: float
    capacity_x: float


@dataclass
class Campaign:
    window: ReenrolmentWindow
    sent_total: int
    days: list[DayBar] = field(default_factory=list)
    day_max: int = 0
    courses: list[CourseBar] = field(default_factory=list)
    width: int = CHART_WIDTH
    days_height: int = DAYS_HEIGHT
    label_width: int = LABEL_WIDTH

    @property
    def courses_height(self) -> int:
        return max(len(self.courses), 1) * BAR_ROW + 24


@dataclass
class Dashboard:
    queues: list[Queue]
    campaigns: list[Campaign]


def _changelist(name: str, query: str) -> str:
    return f"{reverse(f'admin:{name}_changelist')}?{query}"


def families_late(user) -> int:
    """Families with an instalment past its date and still due (what paid it, what a credit note
    cancelled and a debit presented to the bank deducted): the families of the instalment
    follow-up list filtered "en retard" (billing's ``LateFilter``), on the staff member's sites."""
    late = scope_to_staff(
        payment_selectors.late(payment_selectors.with_outstanding(InstalmentFollowUp.objects.all())), user
    )
    return late.values("invoice__family").distinct().count()


def queues(user) -> list[Queue]:
    """What waits for the secretariat, each a link to the list filtered the same way."""
    dossiers = scope_to_staff(Reenrolment.objects.filter(state=Reenrolment.State.SUBMITTED), user).count()
    documents = scope_to_staff(Document.objects.filter(state=Document.State.SUBMITTED), user).count()
    waiting = scope_to_staff(Reenrolment.objects.filter(state=Reenrolment.State.WAITLISTED), user).count()
    late = families_late(user)
    return [
        Queue(
            ngettext(
                "%(count)s dossier de réinscription en attente de validation",
                "%(count)s dossiers de réinscription en attente de validation",
                dossiers,
            )
            % {"count": dossiers},
            dossiers,
            _changelist("reenrolment_reenrolment", "state__exact=submitted"),
        ),
        Queue(
            ngettext("%(count)s document à vérifier", "%(count)s documents à vérifier", documents)
            % {"count": documents},
            documents,
            _changelist("documents_document", "state=submitted"),
        ),
        Queue(
            ngettext("%(count)s dossier en liste d'attente", "%(count)s dossiers en liste d'attente", waiting)
            % {"count": waiting},
            waiting,
            _changelist("reenrolment_reenrolment", "state__exact=waitlisted"),
        ),
        Queue(
            ngettext(
                "%(count)s famille avec une échéance en retard",
                "%(count)s familles avec une échéance en retard",
                late,
            )
            % {"count": late},
            late,
            _changelist("billing_instalmentfollowup", "late=1"),
        ),
    ]


def campaign_windows(user, *, at: datetime.datetime | None = None) -> list[ReenrolmentWindow]:
    """Per site the staff member sees: the open window, else the latest one that has opened."""
    at = at or timezone.now()
    windows = (
        scope_to_staff(ReenrolmentWindow.objects.filter(opens_at__lte=at), user)
        .select_related("site", "season")
        .order_by("site__name", "-opens_at")
    )
    chosen: dict[int, ReenrolmentWindow] = {}
    for window in windows:
        current = chosen.get(window.site_id)
        if current is None or (window.is_open(at) and not current.is_open(at)):
            chosen[window.site_id] = window
    return list(chosen.values())


def campaign(window: ReenrolmentWindow) -> Campaign:
    """Dossiers sent per day (Paris days) and, per course, seats taken and dossiers waiting."""
    rows = (
        Reenrolment.objects.filter(window=window, submitted_at__isnull=False)
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    per_day = {row["day"]: row["count"] for row in rows}
    result = Campaign(window=window, sent_total=sum(per_day.values()))
    if per_day:
        first, last = min(per_day), max(per_day)
        days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        result.day_max = max(per_day.values())
        slot = CHART_WIDTH / len(days)
        bar_width = min(slot * 0.8, MAX_DAY_BAR)
        for index, day in enumerate(days):
            count = per_day.get(day, 0)
            height = (DAYS_HEIGHT - 20) * count / result.day_max
            result.days.append(
                DayBar(
                    day=day,
                    count=count,
                    x=round(index * slot + (slot - bar_width) / 2, 1),
                    y=round(DAYS_HEIGHT - 20 - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                )
            )
    statuses = reenrolment_selectors.course_statuses(window)
    scale_max = max([1] + [max(s.course.capacity, s.seats_taken + s.waitlisted) for s in statuses])
    bar_space = CHART_WIDTH - LABEL_WIDTH - 10
    for index, status in enumerate(statuses):
        taken_width = bar_space * status.seats_taken / scale_max
        waiting_width = bar_space * status.waitlisted / scale_max
        result.courses.append(
            CourseBar(
                name=status.course.name,
                capacity=status.course.capacity,
                taken=status.seats_taken,
                waiting=status.waitlisted,
                y=index * BAR_ROW + 4,
                taken_width=round(taken_width, 1),
                waiting_x=round(LABEL_WIDTH + taken_width, 1),
                waiting_width=round(waiting_width, 1),
                capacity_x=round(LABEL_WIDTH + bar_space * status.course.capacity / scale_max, 1),
            )
        )
    return result


def staff_dashboard(user) -> Dashboard:
    return Dashboard(queues=queues(user), campaigns=[campaign(w) for w in campaign_windows(user)])
