"""Forms of the school year: a coming absence (families), cancel or move a lesson (teachers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


DATE_ERRORS = {"invalid": _("Saisissez une date valide (jj/mm/aaaa)."), "required": _("Indiquez une date.")}
TIME_ERRORS = {"invalid": _("Saisissez une heure valide (hh:mm)."), "required": _("Indiquez une heure.")}


class AbsenceNoticeForm(forms.Form):
    starts_on = forms.DateField(label=_("Du"), widget=DateInput(), error_messages=DATE_ERRORS)
    ends_on = forms.DateField(label=_("Au (inclus)"), widget=DateInput(), error_messages=DATE_ERRORS)
    reason = forms.CharField(
        label=_("Motif"),
        max_length=255,
        error_messages={"required": _("Indiquez le motif de l'absence.")},
    )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La date de fin doit suivre la date de début."))
        return data


class LessonCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé aux familles)"),
        max_length=255,
        error_messages={"required": _("Indiquez le motif de l'annulation : il est envoyé aux familles.")},
    )


class LessonMoveForm(forms.Form):
    date = forms.DateField(label=_("Nouvelle date"), widget=DateInput(), error_messages=DATE_ERRORS)
    starts_at = forms.TimeField(label=_("Début"), widget=TimeInput(), error_messages=TIME_ERRORS)
    ends_at = forms.TimeField(label=_("Fin"), widget=TimeInput(), error_messages=TIME_ERRORS)
    room = forms.CharField(label=_("Salle"), max_length=50, required=False)
    reason = forms.CharField(label=_("Motif (envoyé aux familles)"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("L'heure de fin doit suivre l'heure de début."))
        return data
