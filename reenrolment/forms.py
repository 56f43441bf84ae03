"""Forms of re-enrolment: the family's dossier, withdrawing it, and the secretariat's decisions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from extranet.base.fieldhtml import (
    BootstrapBoundField,
    choice_input,
    choice_options,
    conditional_escape,
)
from reenrolment.models import Reenrolment, ReenrolmentChoice
from reenrolment.selectors import ReenrolmentOffer
from students.models import Course, CourseCategory, Weekday

Kind = ReenrolmentChoice.Kind
INVALID_COURSE = _("Ce cours ne fait pas partie des cours proposés à cet élève.")

# The day and semester names: Django's get_<field>_display() translates every choice of the
# field to look one up, for each of the catalogue's courses.
WEEKDAYS = dict(Weekday.choices)
SEMESTERS = dict(Course._meta.get_field("semester").choices)


@dataclass(frozen=True)
class _DetailWords:
    """The words of course_details in one language, translated once per process (the catalogue
    repeats them for each course, on each view of the tab)."""

    weekdays: dict[str, str]
    semesters: dict[str, str]
    ages: str
    from_age: str
    to_age: str
    advanced: str
    full: str


@lru_cache(maxsize=16)
def _detail_words(language: str | None) -> _DetailWords:
    """The words in ``language``, which is the active language (get_language())."""
    return _DetailWords(
        weekdays={value: str(label) for value, label in WEEKDAYS.items()},
        semesters={value: str(label) for value, label in SEMESTERS.items()},
        ages=gettext("%(min)s à %(max)s ans"),
        from_age=gettext("à partir de %(min)s ans"),
        to_age=gettext("jusqu'à %(max)s ans"),
        advanced=gettext("non débutants"),
        full=gettext("complet : liste d'attente"),
    )


@lru_cache(maxsize=512)
def _places_left(language: str | None, left: int) -> str:
    return ngettext("%(left)s place restante", "%(left)s places restantes", left) % {"left": left}


def timetable(course: Course, words: _DetailWords | None = None) -> str:
    """``course.timetable`` ("mercredi 14:00–15:00, salle 2"), its day's name translated alone."""
    if course.weekday is None or course.starts_at is None or course.ends_at is None:
        return ""
    weekdays = (words or _detail_words(get_language())).weekdays
    text = f"{weekdays.get(course.weekday, course.weekday)} {course.starts_at:%H:%M}–{course.ends_at:%H:%M}"
    return f"{text}, {course.room}" if course.room else text


def course_details(course: Course) -> list[str]:
    """What a family needs to choose a course: timetable, teacher, semester, ages, places."""
    language = get_language()
    words = _detail_words(language)
    details = []
    if course.cycle_id:
        details.append(course.cycle.name)
    when = timetable(course, words)
    if when:
        details.append(when)
    if course.teacher_name:
        details.append(course.teacher_name)
    if course.semester:
        details.append(words.semesters.get(course.semester, course.semester))
    if course.min_age is not None and course.max_age is not None:
        details.append(words.ages % {"min": course.min_age, "max": course.max_age})
    elif course.min_age is not None:
        details.append(words.from_age % {"min": course.min_age})
    elif course.max_age is not None:
        details.append(words.to_age % {"max": course.max_age})
    if not course.beginners_allowed:
        details.append(words.advanced)
    seats_taken = getattr(course, "seats_taken", None)
    if seats_taken is not None:
        left = course.capacity - seats_taken
        details.append(_places_left(language, left) if left > 0 else words.full)
    return details


def _category_labels() -> dict[str, str]:
    """The kinds of course by value, translated once here: a lazy label compared with another
    is translated again at each comparison."""
    return {value: str(label) for value, label in CourseCategory.choices}


class Checkbox(NamedTuple):
    """One course's checkbox as the template writes it: ``{{ widget.tag }}``, ``{{ widget.id_for_label }}``."""

    tag: SafeString
    id_for_label: str


def _checkboxes(field: forms.BoundField) -> dict[str, Checkbox]:
    """Each course's checkbox by value, written from the choices (``choice_options``) rather than
    through Django's per-option widgets: the catalogue has about ninety."""
    return {
        str(value): Checkbox(choice_input(field, value, attrs), attrs.get("id", ""))
        for value, _label, attrs in choice_options(field)
    }


class CourseChoice(NamedTuple):
    """One wishable course as the template writes it: ``{{ choice.tag }}`` then ``{{ choice.label }}``."""

    course: Course
    tag: SafeString
    label: SafeString


def _choices_html(choices: list[CourseChoice]) -> SafeString:
    """A group's courses, each a ``form-check`` with its checkbox and label: written here, not by
    a template loop, since the catalogue (about ninety courses) is most of the tab's work."""
    return mark_safe(  # noqa: S308 (the tags and labels are SafeStrings, every value escaped)
        "".join(f'<div class="form-check">{choice.tag} {choice.label}</div>\n' for choice in choices)
    )


def _course_choice(course: Course, details: list[str], checkbox: Checkbox) -> CourseChoice:
    """The course's checkbox and its label (name, then the details after a "·"), written here
    rather than by four template tags per course: the catalogue is most of the tab's HTML."""
    text = conditional_escape(course.name)
    if details:
        joined = " · ".join(conditional_escape(detail) for detail in details)
        text = f'{text} <span class="small text-body-secondary">· {joined}</span>'
    label = (
        f'<label class="form-check-label" for="{conditional_escape(checkbox.id_for_label)}">{text}</label>'
    )
    return CourseChoice(course, checkbox.tag, mark_safe(label))  # noqa: S308 (every value escaped)


class ReenrolmentForm(forms.Form):
    """The Réinscription tab. Choices come from the pupil's offer; the rules are checked by the service."""

    bound_field_class = BootstrapBoundField  # {{ form.version }} written without the template engine

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    continued = forms.TypedMultipleChoiceField(
        label=_("Réinscription"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": INVALID_COURSE},
    )
    administrative = forms.BooleanField(label=_("Réinscription administrative"), required=False)
    wishes = forms.TypedMultipleChoiceField(
        label=_("Nouveaux cours souhaités"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": INVALID_COURSE},
    )
    information = forms.CharField(
        label=_("Information complémentaire"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Précisez ici tout cours que vous souhaitez arrêter, changer ou commencer, votre décision de ne "
            "pas poursuivre, un besoin d'accompagnement particulier. Pour l'éveil, indiquez l'activité ou "
            "l'instrument souhaité par ordre de préférence."
        ),
    )
    accept_house_rules = forms.BooleanField(label=_("J'accepte le règlement intérieur"), required=False)

    def __init__(self, *args, offer: ReenrolmentOffer, suggested_ids: set[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        # Courses the rules allow this pupil (selectors.suggested_course_ids); None: all of them.
        self.suggested_ids = suggested_ids
        self.fields["continued"].choices = [
            (c.enrolment.pk, c.enrolment.course.name)
            for c in offer.continuations
            if c.next_course is not None
        ]
        self.fields["wishes"].choices = [(course.pk, course.name) for course in offer.wishable_courses]

    @staticmethod
    def initial_from(dossier: Reenrolment | None, offer: ReenrolmentOffer) -> dict:
        if dossier is None:
            return {"version": 0}
        choices = list(dossier.choices.all())
        return {
            "version": dossier.version,
            "continued": [
                c.from_enrolment_id for c in choices if c.kind == "continue" and c.from_enrolment_id
            ],
            "wishes": [c.course_id for c in choices if c.kind == "wish"],
            "administrative": dossier.administrative,
            "information": dossier.information,
        }

    def continuation_rows(self) -> list[tuple]:
        """One row per current course: (continuation, its checkbox or None when nothing follows)."""
        widgets = _checkboxes(self["continued"])
        return [(c, widgets.get(str(c.enrolment.pk))) for c in self.offer.continuations]

    @cached_property
    def _wish_rows(self) -> list[tuple]:
        """(course, its details, its checkbox) for each wishable course, computed once for both groups."""
        widgets = _checkboxes(self["wishes"])
        return [
            (course, course_details(course), widgets[str(course.pk)])
            for course in self.offer.wishable_courses
        ]

    def _is_suggested(self, course: Course) -> bool:
        return self.suggested_ids is None or course.pk in self.suggested_ids

    def suggested_groups(self) -> list[tuple]:
        """The courses the rules allow, grouped as the guides group them (éveil, parcours
        découverte, instrument, pratique collective, culture musicale, adultes):
        [(category label, the courses' HTML)]."""
        order = {value: index for index, (value, _label) in enumerate(CourseCategory.choices)}
        labels = _category_labels()
        rows = [row for row in self._wish_rows if self._is_suggested(row[0])]
        poles = {course.pole_id for course, _details, _widget in rows}
        groups: dict[str, list] = {}
        for course, details, widget in sorted(rows, key=lambda row: order.get(row[0].category, len(order))):
            if len(poles) > 1:
                details = [course.pole.name, *details]
            groups.setdefault(course.category, []).append(_course_choice(course, details, widget))
        return [
            (labels.get(category, category), _choices_html(courses)) for category, courses in groups.items()
        ]

    def other_groups(self) -> list[tuple]:
        """The rest of the catalogue, by pôle then kind of course: [(pole, [(label, the courses' HTML)])]."""
        labels = _category_labels()
        groups: list[tuple] = []
        for course, details, widget in self._wish_rows:
            if self._is_suggested(course):
                continue
            if not groups or groups[-1][0] != course.pole:
                groups.append((course.pole, []))
            categories = groups[-1][1]
            label = labels.get(course.category, course.category)
            if not categories or categories[-1][0] != label:
                categories.append((label, []))
            categories[-1][1].append(_course_choice(course, details, widget))
        return [
            (pole, [(label, _choices_html(courses)) for label, courses in categories])
            for pole, categories in groups
        ]

    def other_count(self) -> int:
        return sum(1 for course in self.offer.wishable_courses if not self._is_suggested(course))

    def other_chosen(self) -> bool:
        """A course of "Autres cours" is ticked (saved draft, or a refused submit): show it open."""
        chosen = {str(value) for value in (self["wishes"].value() or [])}
        return any(
            str(course.pk) in chosen
            for course in self.offer.wishable_courses
            if not self._is_suggested(course)
        )


class WithdrawForm(forms.Form):
    bound_field_class = BootstrapBoundField
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# Ready-made refusal reasons the secretariat picks, then edits for the family.
REFUSAL_REASONS = [
    _("Le dossier est arrivé après la clôture de la période de réinscription."),
    _("Le cours demandé ne correspond pas à l'âge de l'élève au 31 décembre."),
    _("Le cours demandé est réservé aux élèves non débutants dans cette discipline."),
    _(
        "Les cours demandés ont lieu sur deux pôles différents : tous les cours d'un élève ont lieu sur un seul pôle."
    ),
    _("Les droits d'inscription de la saison précédente restent impayés : contactez le secrétariat."),
    _("Ce dossier est en double : une autre demande a déjà été envoyée pour cet élève."),
]


class DecisionReasonForm(forms.Form):
    preset = forms.TypedChoiceField(
        label=_("Motif type"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Choisissez un motif type : il est recopié ci-dessous, où vous pouvez le modifier."),
    )
    reason = forms.CharField(
        label=_("Motif (envoyé à la famille)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_required = required
        self.fields["reason"].required = False
        self.fields["preset"].choices = [("", _("— aucun —"))] + [
            (index, text) for index, text in enumerate(REFUSAL_REASONS)
        ]
        self.fields["preset"].widget.attrs["data-tutti-reason-for"] = "id_reason"

    def clean(self):
        cleaned = super().clean()
        # Without JavaScript the picked reason is not copied into the text: use it as it is.
        if not cleaned.get("reason") and cleaned.get("preset") is not None:
            cleaned["reason"] = str(REFUSAL_REASONS[cleaned["preset"]])
        if self.reason_required and not cleaned.get("reason") and "reason" not in self.errors:
            self.add_error(
                "reason", _("Saisissez le motif envoyé à la famille, ou choisissez un motif type.")
            )
        return cleaned
