"""One form field the Bootstrap 5 way, written in Python: ``{{ form.city.as_bootstrap }}``.

The markup is the one crispy-forms' ``|as_crispy_field`` wrote (same ids, classes, labels, error
blocks, ``aria-describedby`` and typed values), which a template wrote before with three
includes and a dozen tags per field, and Django's widget templates with one include per option:
on Famille and Identité that was most of the page's time. A form opts in with ``bound_field_class = BootstrapBoundField``.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from extranet.base.forms import FrozenChoices


def conditional_escape(value) -> str:
    """django.utils.html.conditional_escape without its lazy-argument wrappers (the same text)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _safe(markup: str) -> SafeString:
    """Markup written in this module: every value in it went through conditional_escape (or is
    Django's own rendering of a widget, or a help text of ours, which is HTML on purpose)."""
    return mark_safe(markup)  # noqa: S308


def field_kind(field: BoundField) -> str:
    """ "checkbox", "radio", "select" or "input": how the field is laid out."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    if input_type == "checkbox" and not getattr(widget, "allow_multiple_selected", False):
        return "checkbox"
    if input_type == "radio":
        return "radio"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


_BOOTSTRAP_CLASS = {"checkbox": "form-check-input", "select": "form-select", "input": "form-control"}

# Django's widget templates that _widget writes itself, with the same output (for a select,
# Django renders one template per option: the school levels, the PCS list).
_INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "date", "number", "tel", "checkbox", "hidden", "file")
}
# A file input without a current file is a plain input (the "Importer" form's file).
_CLEARABLE_FILE_TEMPLATE = "django/forms/widgets/clearable_file_input.html"
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"``, a bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Options written per (language, value) for choices that never change (FrozenChoices: the
# reference lists, shared by every form), at most this many per list.
OPTIONS_KEPT = 512


def _options(widget: forms.Select, value) -> str:
    """ChoiceWidget.optgroups and select_option.html in one loop: the first matching choice is
    selected (all of them for a multiple select). Frozen choices are written once per language
    and value (the PCS list: 40 options, 80 escapes, on every view of Famille)."""
    value = widget.format_value(value)
    choices = widget.choices
    if isinstance(choices, FrozenChoices):
        key = (get_language(), widget.allow_multiple_selected, tuple(value))
        written = choices.written.get(key)
        if written is None:
            written = _written_options(widget, value)
            if len(choices.written) >= OPTIONS_KEPT:
                choices.written.clear()
            choices.written[key] = written
        return written
    return _written_options(widget, value)


def _written_options(widget: forms.Select, value: list[str]) -> str:
    multiple = widget.allow_multiple_selected
    has_selected = False
    parts = []
    for option_value, option_label in widget.choices:
        if option_value is None:
            option_value = ""
        grouped = isinstance(option_label, (list, tuple))
        if grouped:
            parts.append(f'\n  <optgroup label="{conditional_escape(option_value)}">')
        for subvalue, sublabel in option_label if grouped else ((option_value, option_label),):
            selected = (not has_selected or multiple) and str(subvalue) in value
            has_selected |= selected
            parts.append(
                f'\n  <option value="{conditional_escape(subvalue)}"{" selected" if selected else ""}>'
                f"{conditional_escape(sublabel)}</option>"
            )
        if grouped:
            parts.append("\n  </optgroup>")
    return "".join(parts)


def _fast_widget(field: BoundField, attrs: dict) -> str | None:
    """``field.as_widget(attrs=attrs)`` for plain inputs and selects, without the template
    engine; None for any other widget."""
    widget = field.field.widget
    select = widget.template_name == _SELECT_TEMPLATE and widget.option_template_name == _OPTION_TEMPLATE
    clearable = widget.template_name == _CLEARABLE_FILE_TEMPLATE
    if not (select or clearable or widget.template_name in _INPUT_TEMPLATES) or field.field.localize:
        return None
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    name = conditional_escape(field.html_name)
    if select:
        attrs = widget.build_attrs(widget.attrs, attrs)
        if widget.allow_multiple_selected:
            attrs["multiple"] = True
        return f'<select name="{name}"{_attrs(attrs)}>{_options(widget, field.value())}\n</select>'
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if clearable and context["is_initial"]:
        return None  # the current file's link and the "clear" checkbox: Django's template
    value = "" if context["value"] is None else f' value="{conditional_escape(context["value"])}"'
    return (
        f'<input type="{conditional_escape(context["type"])}" name="{name}"{value}{_attrs(context["attrs"])}>'
    )


def _widget(field: BoundField, kind: str) -> str:
    """The widget with Bootstrap's class (and ``is-invalid`` when the field has errors)."""
    css = _BOOTSTRAP_CLASS[kind]
    if field.errors:
        css += " is-invalid"
    own = field.field.widget.attrs.get("class")
    attrs = {"class": f"{own} {css}" if own else css}
    rendered = _fast_widget(field, attrs)
    return field.as_widget(attrs=attrs) if rendered is None else rendered


_CHOICE_INPUT_TEMPLATES = {
    "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio_option.html",
}


def choice_tag(choice: BoundWidget) -> SafeString:
    """``choice.tag()`` (one checkbox or radio of a multiple-choice field) without the template
    engine: the same ``<input>``."""
    data = choice.data
    if choice.template_name not in _CHOICE_INPUT_TEMPLATES:
        return choice.tag()
    value = "" if data["value"] is None else f' value="{conditional_escape(data["value"])}"'
    return _safe(
        f'<input type="{conditional_escape(data["type"])}" name="{conditional_escape(data["name"])}"'
        f"{value}{_attrs(data['attrs'])}>"
    )


def choice_input(field: BoundField, value, attrs: dict) -> SafeString:
    """One option of ``choice_options`` as its ``<input>``: what ``choice_tag`` writes for it."""
    return _safe(
        f'<input type="{conditional_escape(field.field.widget.input_type)}" '
        f'name="{conditional_escape(field.html_name)}" value="{conditional_escape(value)}"{_attrs(attrs)}>'
    )


def _required(field: BoundField) -> str:
    return " requiredField" if field.field.required else ""


def _errors(field: BoundField, errors) -> str:
    """The error block under the widget (``id="<field id>_error"``, which aria-describedby names)."""
    if not errors:
        return "\n"
    auto_id = conditional_escape(field.auto_id)
    lines = "".join(
        f'\n<p id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}</strong></p>'
        for number, error in enumerate(errors, start=1)
    )
    return f'<div id="{conditional_escape(errors.field_id)}_error" class="invalid-feedback">{lines}\n</div>\n'


def _help_text(field: BoundField) -> str:
    if not field.help_text:
        return "\n"
    # The help texts are ours (gettext), written as HTML on purpose: not escaped.
    ident = f'id="{conditional_escape(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {ident}class="form-text">{field.help_text}</div>\n'


def _css(field: BoundField) -> str:
    classes = field.css_classes()
    return f" {conditional_escape(classes)}" if classes else ""


def choice_options(field: BoundField) -> list[tuple[str, object, dict]]:
    """(value, label, attrs) of each radio or checkbox, as ``list(field)`` gives them
    (BoundField.subwidgets, ChoiceWidget.optgroups and create_option), without a BoundWidget and
    a dict per option; read through Django's iteration for a widget of another class or with
    grouped choices."""
    options = _flat_choice_options(field)
    if options is None:
        return [(option.data["value"], option.choice_label, option.data["attrs"]) for option in field]
    return options


def _flat_choice_options(field: BoundField) -> list[tuple[str, object, dict]] | None:
    widget = field.field.widget
    if type(widget) not in (forms.RadioSelect, forms.CheckboxSelectMultiple):
        return None
    id_ = widget.attrs.get("id") or field.auto_id
    base = widget.build_attrs(widget.attrs, field.build_widget_attrs({"id": id_} if id_ else {}))
    value = widget.format_value(field.value())
    has_selected = False
    options = []
    for index, (option_value, option_label) in enumerate(widget.choices):
        if isinstance(option_label, (list, tuple)):
            return None
        if option_value is None:
            option_value = ""
        attrs = dict(base)
        selected = (not has_selected or widget.allow_multiple_selected) and str(option_value) in value
        has_selected |= selected
        if selected:
            attrs.update(widget.checked_attribute)
        if "id" in attrs:
            attrs["id"] = widget.id_for_label(attrs["id"], str(index))
        options.append((option_value, option_label, attrs))
    return options


def _radios(field: BoundField, errors) -> str:
    invalid = " is-invalid" if errors else ""
    name = conditional_escape(field.html_name)
    options = choice_options(field)
    input_type = conditional_escape(field.field.widget.input_type)
    parts = ["<div>\n"]
    for index, (value, label, attrs) in enumerate(options, start=1):
        parts.append(
            f'<div class="form-check">\n<input type="{input_type}" '
            f'class="form-check-input{invalid}" name="{name}" value="{conditional_escape(str(value))}"{_attrs(attrs)}>\n'
            f'<label for="{conditional_escape(attrs.get("id"))}" class="form-check-label">'
            f"{conditional_escape(str(label))}</label>\n"
            f"{_errors(field, errors) if index == len(options) else ''}\n</div>"
        )
    parts.append("\n</div>\n")
    parts.append(_help_text(field))
    return "".join(parts)


def render_field(field: BoundField) -> SafeString:
    """The field's label, widget, errors and help text, in Bootstrap 5 markup."""
    if field.is_hidden:
        return _safe(f"{field}\n")
    kind = field_kind(field)
    errors = field.errors
    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label) if field.label else ""
    if kind == "checkbox":
        return _safe(
            f'<div class="mb-3">\n<div id="div_{auto_id}" class="form-check{_css(field)}">\n'
            f"{_widget(field, kind)}\n"
            f'<label for="{conditional_escape(field.id_for_label)}" class="form-check-label{_required(field)}">'
            f"{label}</label>\n"
            f"{_errors(field, errors)}{_help_text(field)}\n</div>\n</div>\n"
        )
    parts = [f'<div id="div_{auto_id}" class="mb-3{_css(field)}">\n']
    fieldset = field.use_fieldset
    if fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        parts.append(
            f'<fieldset{described}>\n<legend class="form-label{_required(field)} fs-6">{label}</legend>'
        )
    elif field.label:
        for_id = field.id_for_label
        for_id = f' for="{conditional_escape(for_id)}"' if for_id else ""
        parts.append(f'\n<label{for_id} class="form-label{_required(field)}">{label}</label>')
    parts.append("\n")
    if kind == "radio":
        parts.append(_radios(field, errors))
    else:
        parts.append(f"{_widget(field, kind)}\n{_errors(field, errors)}{_help_text(field)}")
    parts.append("\n</fieldset>\n</div>\n" if fieldset else "\n\n</div>\n")
    return _safe("".join(parts))


class BootstrapBoundField(BoundField):
    """A bound field that writes itself the Bootstrap way: ``{{ form.city.as_bootstrap }}``."""

    def as_bootstrap(self) -> SafeString:
        return render_field(self)

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        """``{{ form.version }}`` and the other plain widgets, written without the template engine."""
        if widget is None and not only_initial:
            rendered = _fast_widget(self, attrs or {})
            if rendered is not None:
                return _safe(rendered)
        return super().as_widget(widget, attrs, only_initial)
