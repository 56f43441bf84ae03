"""What a family owes for a season, computed from tariffs and enrolments, before anything is stored.

Pure functions over plain data: the estimate on the Facturation tab and ``issue_invoice`` both
call ``price_family``, so a family is shown exactly what it will be billed. The one read is a
site's terms (``TariffBook.terms_of``), once per book, for a mid-year change under pro rata.

Rules (from the conservatories' guides):

- the tariff is the one of the course's discipline if the site set one, else of its category;
  a pupil aged 18 or more on 1 September pays the adults' tariff when there is one;
- the family-quotient bracket is the family's QF only once the secretariat has validated a QF
  attestation; otherwise the highest bracket applies;
- where the site lists its communes, a family living elsewhere pays the non-resident column
  when the tariff has one;
- sibling reductions go by rank among the family's children (under 18), the dearest first:
  the 2nd child gets the site's 2nd-child rate, the 3rd and the following the 3rd-child rate;
- a course that starts after the season began or stops before it ends costs what the site's
  rule says (full year; reduced share across a cut-off date; pro rata of the terms attended,
  the site's own terms when it has them, else three trimesters).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import BillingSettings, ChangeRule, Tariff, normalise_commune
from extranet.base.money import euros
from students.schoolyear_models import Term, TermSystem

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
ADULT_AGE = 18


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------- the schedule


def split_amount(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` amounts that add up to it exactly; the remainder goes on the first.

    100.00 in 3 -> 33.34, 33.33, 33.33; 0.05 in 8 -> 0.05 then seven 0.00.
    """
    if parts < 1:
        raise ValueError("parts must be 1 or more")
    total = money(total)
    share = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    first = total - share * (parts - 1)
    return [first] + [share] * (parts - 1)


# Due on the 15th: October; October, January, April; or every month from October to May.
INSTALMENT_MONTHS = {1: [10], 3: [10, 1, 4], 8: [10, 11, 12, 1, 2, 3, 4, 5]}
DUE_DAY = 15


def schedule_dates(season_start: datetime.date, billing_mode: int) -> list[datetime.date]:
    """The due dates of a season's instalments: months from October on fall in the start year."""
    return [
        datetime.date(season_start.year + (0 if month >= 9 else 1), month, DUE_DAY)
        for month in INSTALMENT_MONTHS[billing_mode]
    ]


def schedule(
    total: Decimal, *, season_start: datetime.date, billing_mode: int, issued_on: datetime.date
) -> list[tuple[datetime.date, Decimal]]:
    """(due date, amount) of each instalment. Dates already past when the invoice is issued (a
    supplementary invoice in March) are dropped; with none left, one instalment 30 days on."""
    dates = [day for day in schedule_dates(season_start, billing_mode) if day >= issued_on]
    if not dates:
        dates = [issued_on + datetime.timedelta(days=30)]
    return list(zip(dates, split_amount(total, len(dates)), strict=True))


# ----------------------------------------------------------------------------- the inputs


@dataclass(frozen=True)
class CourseToPrice:
    """One course of a pupil: an enrolment, or a course asked for in a dossier (estimate)."""

    student_id: int
    student_name: str
    birth_date: datetime.date | None
    course_name: str
    category: str
    category_label: str
    discipline_id: int
    enrolment_id: int | None = None
    starts_on: datetime.date | None = None  # None: from the start of the season
    stops_on: datetime.date | None = None  # None: to the end of the season


@dataclass(frozen=True)
class QuotientUsed:
    """The QF the tariff was read with (None: highest bracket) and why, in French."""

    value: int | None
    note: str


@dataclass(frozen=True)
class PricedLine:
    kind: str  # "course" or "reduction"
    student_id: int
    student_name: str
    label: str
    detail: str
    amount: Decimal
    enrolment_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What a line bills, to compare what is due with what was already invoiced."""
        if self.kind == "course":
            return ("course", self.enrolment_id or 0)
        return ("reduction", self.student_id)


@dataclass
class FamilyPrice:
    lines: list[PricedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # courses without a tariff

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


class TariffBook:
    """A site's tariffs of one season, indexed once so 20,000 families cost no extra query."""

    def __init__(
        self,
        tariffs: Iterable[Tariff],
        settings: BillingSettings | None,
        terms: SeasonTerms | None = None,
    ):
        self.settings = settings
        self._terms = terms
        self.by_discipline: dict[tuple[int, bool], list[Tariff]] = {}
        self.by_category: dict[tuple[str, bool], list[Tariff]] = {}
        for tariff in tariffs:
            if tariff.discipline_id:
                self.by_discipline.setdefault((tariff.discipline_id, tariff.adult), []).append(tariff)
            else:
                self.by_category.setdefault((tariff.category, tariff.adult), []).append(tariff)
        self.communes = settings.communes if settings is not None else set()

    def __bool__(self) -> bool:
        return bool(self.by_discipline or self.by_category)

    def brackets(self, course: CourseToPrice, *, adult: bool) -> list[Tariff]:
        for is_adult in (True, False) if adult else (False,):
            found = self.by_discipline.get((course.discipline_id, is_adult)) or self.by_category.get(
                (course.category, is_adult)
            )
            if found:
                return found
        return []

    def is_resident(self, city: str) -> bool:
        return not self.communes or normalise_commune(city) in self.communes

    def counts_terms(self, course: CourseToPrice) -> bool:
        """Whether pricing ``course`` needs the site's terms: pro rata, and not the whole season."""
        return (
            self.settings is not None
            and self.settings.change_rule == ChangeRule.PRO_RATA_TERM
            and (course.starts_on is not None or course.stops_on is not None)
        )

    def terms_of(self, season_start: datetime.date, season_end: datetime.date) -> SeasonTerms | None:
        """The site's terms of the season (read once per book, only for a course that stops or
        starts mid-year under the pro-rata rule); None when the site has none: three trimesters."""
        if self._terms is None and self.settings is not None and self.settings.site_id:
            rows = list(
                Term.objects.filter(
                    site_id=self.settings.site_id,
                    season__starts_on=season_start,
                    season__ends_on=season_end,
                )
                .order_by("number")
                .values_list("starts_on", "ends_on", "system")
            )
            self._terms = SeasonTerms(
                bounds=tuple((first, last) for first, last, _system in rows),
                semesters=bool(rows) and rows[0][2] == TermSystem.SEMESTERS,
            )
        return self._terms if self._terms is not None and self._terms.bounds else None


def bracket_for(tariffs: Sequence[Tariff], quotient: int | None) -> Tariff:
    """The bracket holding ``quotient``; the highest bracket when there is no (validated) QF."""
    ordered = sorted(tariffs, key=lambda tariff: tariff.quotient_min)
    if quotient is not None:
        for tariff in ordered:
            if tariff.quotient_min <= quotient and (
                tariff.quotient_max is None or quotient < tariff.quotient_max
            ):
                return tariff
    return ordered[-1]


# ----------------------------------------------------------------------------- mid-year changes


@dataclass(frozen=True)
class SeasonTerms:
    """The periods the pro-rata rule counts, first to last, and whether they are semesters."""

    bounds: tuple[tuple[datetime.date, datetime.date], ...]
    semesters: bool = False


def season_terms(
    season_start: datetime.date, season_end: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Three terms when the site has none of its own: September–December, January–March, April–June."""
    year = season_start.year + 1
    return [
        (season_start, datetime.date(year, 1, 1) - datetime.timedelta(days=1)),
        (datetime.date(year, 1, 1), datetime.date(year, 3, 31)),
        (datetime.date(year, 4, 1), season_end),
    ]


def cutoff_date(settings: BillingSettings, season_start: datetime.date) -> datetime.date:
    month, day = settings.cutoff_month or 1, settings.cutoff_day or 1
    return datetime.date(season_start.year + (0 if month >= 9 else 1), month, day)


def due_share(
    settings: BillingSettings | None,
    *,
    season_start: datetime.date,
    season_end: datetime.date,
    starts_on: datetime.date | None,
    stops_on: datetime.date | None,
    terms: SeasonTerms | None = None,
) -> tuple[Decimal, str]:
    """The part of the yearly price due (1 = all of it) and, if less, a French note saying why.

    Pro rata counts the site's own terms (``terms``, the students app's ``Term`` rows), else
    three trimesters."""
    starts_on = max(starts_on or season_start, season_start)
    stops_on = min(stops_on or season_end, season_end)
    if settings is None or (starts_on <= season_start and stops_on >= season_end):
        return Decimal(1), ""
    if settings.change_rule == ChangeRule.CUTOFF:
        limit = cutoff_date(settings, season_start)
        if starts_on < limit <= stops_on:
            return Decimal(1), ""
        percent = settings.reduced_percent
        return percent / HUNDRED, _("%(percent)s %% du tarif annuel (date limite du %(date)s)") % {
            "percent": format(percent.normalize(), "f").replace(".", ","),
            "date": limit.strftime("%d/%m/%Y"),
        }
    if settings.change_rule == ChangeRule.PRO_RATA_TERM:
        terms = terms or SeasonTerms(tuple(season_terms(season_start, season_end)))
        total = len(terms.bounds)
        attended = sum(1 for first, last in terms.bounds if first <= stops_on and last >= starts_on)
        if attended == total:
            return Decimal(1), ""
        if terms.semesters:
            note = ngettext("%(count)s semestre sur %(total)s", "%(count)s semestres sur %(total)s", attended)
        else:
            note = ngettext(
                "%(count)s trimestre sur %(total)s", "%(count)s trimestres sur %(total)s", attended
            )
        return Decimal(attended) / Decimal(total), note % {"count": attended, "total": total}
    return Decimal(1), ""


# ----------------------------------------------------------------------------- the family's price


def _age_on(birth_date: datetime.date | None, day: datetime.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def price_family(
    *,
    book: TariffBook,
    courses: Sequence[CourseToPrice],
    quotient: QuotientUsed,
    city: str,
    season_start: datetime.date,
    season_end: datetime.date,
) -> FamilyPrice:
    """Lines (one per course, then one reduction per pupil concerned) for a family's season."""
    price = FamilyPrice()
    resident = book.is_resident(city)
    by_student: dict[int, list[PricedLine]] = {}
    adults: set[int] = set()
    names: dict[int, str] = {}
    for course in courses:
        age = _age_on(course.birth_date, season_start)
        adult = age is not None and age >= ADULT_AGE
        if adult:
            adults.add(course.student_id)
        names[course.student_id] = course.student_name
        brackets = book.brackets(course, adult=adult)
        if not brackets:
            price.problems.append(
                _("Aucun tarif pour « %(course)s » (%(category)s) : le secrétariat doit le saisir.")
                % {"course": course.course_name, "category": course.category_label}
            )
            continue
        tariff = bracket_for(brackets, quotient.value)
        yearly = tariff.amount
        details = []
        if not resident and tariff.non_resident_amount is not None:
            yearly = tariff.non_resident_amount
            details.append(_("tarif non-résident"))
        if adult and tariff.adult:
            details.append(_("tarif adulte"))
        share, why = due_share(
            book.settings,
            season_start=season_start,
            season_end=season_end,
            starts_on=course.starts_on,
            stops_on=course.stops_on,
            terms=book.terms_of(season_start, season_end) if book.counts_terms(course) else None,
        )
        amount = money(yearly * share)
        if why:
            details.append(_("%(why)s, sur %(yearly)s") % {"why": why, "yearly": euros(yearly)})
        by_student.setdefault(course.student_id, []).append(
            PricedLine(
                kind="course",
                student_id=course.student_id,
                student_name=course.student_name,
                label=course.course_name,
                detail=", ".join(details),
                amount=amount,
                enrolment_id=course.enrolment_id,
            )
        )
    # Children ranked dearest first; adults pay their own tariff without sibling reduction.
    children = sorted(
        (student_id for student_id in by_student if student_id not in adults),
        key=lambda student_id: (-sum(line.amount for line in by_student[student_id]), student_id),
    )
    settings = book.settings
    reductions: dict[int, PricedLine] = {}
    for rank, student_id in enumerate(children, start=1):
        if rank == 1 or settings is None:
            continue
        rate = settings.sibling_rate_second if rank == 2 else settings.sibling_rate_third
        subtotal = sum((line.amount for line in by_student[student_id]), ZERO)
        amount = money(subtotal * rate / HUNDRED)
        if amount <= 0:
            continue
        reductions[student_id] = PricedLine(
            kind="reduction",
            student_id=student_id,
            student_name=names[student_id],
            label=_("Réduction %(rank)se enfant (%(rate)s %%)")
            % {"rank": rank, "rate": format(rate.normalize(), "f").replace(".", ",")},
            detail=_("sur %(subtotal)s") % {"subtotal": euros(subtotal)},
            amount=-amount,
        )
    for student_id, lines in by_student.items():
        price.lines.extend(lines)
        if student_id in reductions:
            price.lines.append(reductions[student_id])
    return price
