"""Accessible names for the admin's fields that Django renders without a ``<label>``.

Django's tabular inlines name each field in the column header only, and its date-and-time widget
writes "Date :" and "Heure :" as plain text beside two inputs: a screen reader, and axe, find
inputs and selects without a name. The admin templates (templates/admin/edit_inline/tabular.html,
templates/admin/includes/fieldset.html) render those fields through ``{% labelled_widget %}``:

- ``{% labelled_widget bound_field row=True %}`` names each input of an inline's row by its column
  and row ("Relation, ligne 2");
- ``{% labelled_widget bound_field %}`` keeps the ``<label>`` the page already has and names only
  the parts of a widget in several parts ("Fermeture (date)", "Fermeture (heure)").
"""

from __future__ import annotations

import copy

from django import forms, template
from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()


def _parts(widget: forms.MultiWidget) -> list[str]:
    if isinstance(widget, AdminSplitDateTime | forms.SplitDateTimeWidget):
        return [gettext("date"), gettext("heure")]
    return [str(index) for index in range(1, len(widget.widgets) + 1)]


def row_field_name(bound_field: forms.BoundField) -> str:
    """What a field of an inline's row is called: "Relation, ligne 2", from the row's form prefix
    ("memberships-1"); "…, nouvelle ligne" in the blank row the admin's script copies to add one."""
    label = capfirst(bound_field.label)
    index = (bound_field.form.prefix or "").rpartition("-")[2]
    if not index.isdigit():
        return gettext("%(field)s, nouvelle ligne") % {"field": label}
    return gettext("%(field)s, ligne %(row)s") % {"field": label, "row": int(index) + 1}


@register.simple_tag
def labelled_widget(bound_field: forms.BoundField, row: bool = False) -> SafeString:
    """The field's widget as ``{{ bound_field }}`` renders it, with an ``aria-label`` on each
    input of a row (``row=True``), or on each part of a widget in several parts."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return bound_field.__html__()
    name = row_field_name(bound_field) if row else ""
    inner = widget.widget if isinstance(widget, RelatedFieldWidgetWrapper) else widget
    attrs = {}
    if isinstance(inner, forms.MultiWidget):
        # Each part gets its own name; the copy leaves the form's widget as it was.
        widget = copy.deepcopy(widget)
        inner = widget.widget if isinstance(widget, RelatedFieldWidgetWrapper) else widget
        whole = name or capfirst(bound_field.label)
        for part, label in zip(inner.widgets, _parts(inner), strict=True):
            part.attrs = {**part.attrs, "aria-label": f"{whole} ({label})"}
    elif name:
        attrs["aria-label"] = name
    html = bound_field.as_widget(widget=widget, attrs=attrs)
    if bound_field.field.show_hidden_initial:
        html += bound_field.as_hidden(only_initial=True)
    return html
