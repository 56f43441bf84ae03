"""The field types every family form shares: phones, postal codes, e-mails, the row version."""

from __future__ import annotations

import re
from functools import lru_cache

from django import forms
from django.core.validators import RegexValidator
from django.db.models import IntegerField, Value
from django.forms.models import ModelChoiceIterator
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from extranet.base.dates import short_date
from extranet.base.phones import format_phone, normalise_phone
from extranet.base.prepared import PreparedQuery
from extranet.base.sitewide import KeptRead

# --- Field types -----------------------------------------------------------------------------


class PhoneInput(forms.TextInput):
    """Shows a stored "0612345678" as "06 12 34 56 78"."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "tel", "inputmode": "tel", **(attrs or {})})

    def format_value(self, value):
        return super().format_value(format_phone(value) if isinstance(value, str) else value)


class PhoneField(forms.CharField):
    """A French phone number typed with spaces, dots or +33; cleaned to ten digits."""

    default_error_messages = {
        "invalid": _(
            "Un numéro de téléphone comporte 10 chiffres et commence par 0, par exemple 01 46 12 34 56."
        ),
    }
    pattern = r"^0\d{9}$"

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhoneInput)
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(self.pattern, self.error_messages["invalid"], code="invalid"))

    def to_python(self, value):
        return normalise_phone(super().to_python(value))


class MobileField(PhoneField):
    """The mobile for SMS: exactly ten digits, 06 or 07 (the Malakoff guide's rule)."""

    default_error_messages = {
        "invalid": _(
            "Le mobile pour les SMS comporte exactement 10 chiffres et commence par 06 ou 07, "
            "sans rien ajouter après (par exemple 06 12 34 56 78)."
        ),
    }
    pattern = r"^0[67]\d{8}$"


class PostalCodeField(forms.CharField):
    default_error_messages = {
        "invalid": _("Le code postal comporte 5 chiffres, par exemple 92240."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(r"^\d{5}$", self.error_messages["invalid"], code="invalid"))

    def to_python(self, value):
        return re.sub(r"\s", "", super().to_python(value))


class FrenchEmailField(forms.EmailField):
    default_error_messages = {
        "invalid": _("Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.EmailInput(attrs={"autocomplete": "email"}))
        super().__init__(**kwargs)


class _ReferenceChoiceIterator(ModelChoiceIterator):
    """Reads the field's queryset once per form (a plain SELECT, kept), not through a server-side
    cursor each time the choices are walked."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self):
        return len(self.queryset) + (1 if self.field.empty_label is not None else 0)


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice among a short reference list (civilités, moyens de paiement, niveaux scolaires)."""

    iterator = _ReferenceChoiceIterator


class PortalFormMixin:
    """Required fields painted (CSS class) and labelled "(obligatoire)": colour and text, not colour alone."""

    required_css_class = "required-field"
    error_css_class = "has-error"

    def mark_required(self, names=None) -> None:
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            # Django's own message follows the browser's language; ours is always French.
            if field.error_messages.get("required") is forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = _("Ce champ est obligatoire.")
            field.plain_label = field.label
            if field.required or (names and name in names):
                field.label = format_html(
                    '{} <span class="required-marker">({})</span>', field.label, _("obligatoire")
                )
                if not field.required:
                    field.widget.attrs["aria-required"] = "true"
                    field.widget.attrs["data-required-marked"] = "1"


def _comparable(field: forms.Field, value):
    try:
        return field.clean(value)
    except forms.ValidationError:
        return value


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Oui") if value else _("Non"))
    if hasattr(value, "strftime"):
        return short_date(value)
    return format_phone(str(value))


def unsaved_values(form: forms.Form, current: dict) -> list[tuple[str, str]]:
    """After a conflict: (label, typed value) for each field where the typing differs from the saved value.

    The page then shows the current values in the form, and these so the guardian can type them again.
    """
    unsaved = []
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        typed = _comparable(field, form[name].value())
        saved = _comparable(field, current.get(name))
        if typed != saved:
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                typed = dict(field.choices).get(typed, typed)
            unsaved.append((str(getattr(field, "plain_label", field.label)), _display(typed)))
    return unsaved


class VersionField(forms.IntegerField):
    """The version of the row the form was built from (optimistic locking)."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=1, **kwargs)


# --- Reference lists (civilities, school levels, PCS, payment means…) ------------------------


def _reference_rows(model, kind: int):
    return (
        model.objects.annotate(kind=Value(kind, output_field=IntegerField()))
        .values_list("kind", "pk", "code", "label", "order")
        .order_by()
    )


_REFERENCE_QUERIES: dict[tuple, KeptRead] = {}


def reference_rows(*models) -> dict[type, list[tuple[int, str, str]]]:
    """(pk, code, label) of each reference list of ``models`` (civilities, school levels…: a code,
    a label, an order), each in its order, in one query: a UNION ALL prepared once per process and
    kept a few seconds (extranet/base/sitewide.py): a change in the admin shows on this process's
    next request, and on the others' within ``SITE_READS_SECONDS``."""
    query = _REFERENCE_QUERIES.get(models)
    if query is None:

        def build():
            first, *others = (_reference_rows(model, kind) for kind, model in enumerate(models))
            return first.union(*others, all=True).order_by("kind", "order", "pk")

        query = _REFERENCE_QUERIES.setdefault(models, KeptRead(PreparedQuery(build), also=models))
    lists: dict[type, list] = {model: [] for model in models}
    for kind, pk, code, label, _order in query.list():
        lists[models[kind]].append((pk, code, label))
    return lists


class FrozenChoices(BaseChoiceIterator):
    """Choices built once and shared by every form that shows them: a field takes a choice
    iterator as it is, where it walks a list again on each assignment (``normalize_choices``:
    0.15 ms for the PCS list) and deep-copies it with each form. Never changed once built."""

    def __init__(self, choices):
        self._choices = tuple(
            (value, tuple(label) if isinstance(label, list) else label) for value, label in choices
        )
        # The options' HTML by (language, multiple, value), kept by extranet.base.fieldhtml.
        self.written: dict[tuple, str] = {}

    def __iter__(self):
        return iter(self._choices)

    def __len__(self):
        return len(self._choices)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


@lru_cache(maxsize=64)
def _reference_choices(rows: tuple, empty_label) -> FrozenChoices:
    choices = [] if empty_label is None else [("", empty_label)]
    choices.extend((pk, label) for pk, _code, label in rows)
    return FrozenChoices(choices)


def set_reference_choices(field: forms.ModelChoiceField, rows) -> None:
    """The choices of a reference list field from ``rows`` (``reference_rows``), labelled as the
    field labels its objects (their label): its queryset is not read to show the form. A POST is
    still checked against the queryset. The same rows give the same (frozen) choices."""
    field.choices = _reference_choices(tuple(rows), field.empty_label)
