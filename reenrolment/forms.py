"""Forms of re-enrolment: the family's dossier, withdrawing it, and the secretariat's decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reenrolment.models import Reenrolment, ReenrolmentChoice
from reenrolment.selectors import ReenrolmentOffer
from students.models import Course, CourseCategory

Kind = ReenrolmentChoice.Kind
INVALID_COURSE = _("Ce cours ne fait pas partie des cours proposés à cet élève.")


def course_details(course: Course) -> list[str]:
    """What a family needs to choose a course: timetable, teacher, semester, ages, places."""
    details = []
    if course.cycle_id:
        details.append(course.cycle.name)
    if course.timetable:
        details.append(course.timetable)
    if course.teacher_name:
        details.append(course.teacher_name)
    if course.semester:
        details.append(str(course.get_semester_display()))
    if course.min_age is not None and course.max_age is not None:
        details.append(str(_("%(min)s à %(max)s ans") % {"min": course.min_age, "max": course.max_age}))
    elif course.min_age is not None:
        details.append(str(_("à partir de %(min)s ans") % {"min": course.min_age}))
    elif course.max_age is not None:
        details.append(str(_("jusqu'à %(max)s ans") % {"max": course.max_age}))
    if not course.beginners_allowed:
        details.append(str(_("non débutants")))
    seats_taken = getattr(course, "seats_taken", None)
    if seats_taken is not None:
        left = course.capacity - seats_taken
        if left > 0:
            details.append(
                ngettext("%(left)s place restante", "%(left)s places restantes", left) % {"left": left}
            )
        else:
            details.append(str(_("complet : liste d'attente")))
    return details


class ReenrolmentForm(forms.Form):
    """The Réinscription tab. Choices come from the pupil's offer; the rules are checked by the service."""

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

    def __init__(self, *args, offer: ReenrolmentOffer, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
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
        widgets = {str(w.data["value"]): w for w in self["continued"]}
        return [(c, widgets.get(str(c.enrolment.pk))) for c in self.offer.continuations]

    def wish_groups(self) -> list[tuple]:
        """The catalogue by pôle, then by kind of course: [(pole, [(category label, [(course, checkbox)])])]."""
        widgets = {str(w.data["value"]): w for w in self["wishes"]}
        labels = dict(CourseCategory.choices)
        groups: list[tuple] = []
        for course in self.offer.wishable_courses:
            if not groups or groups[-1][0] != course.pole:
                groups.append((course.pole, []))
            categories = groups[-1][1]
            label = labels.get(course.category, course.category)
            if not categories or categories[-1][0] != label:
                categories.append((label, []))
            categories[-1][1].append((course, course_details(course), widgets[str(course.pk)]))
        return groups


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class DecisionReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé à la famille)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
