"""Helpers for admin tests: the data a change page would post back as the browser shows it."""

from __future__ import annotations

from django import forms
from django.test import Client


def _field_data(bound) -> dict:
    value = bound.value()
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        return {
            f"{bound.html_name}{suffix}": widget.widgets[i].format_value(part) or ""
            for i, (suffix, part) in enumerate(zip(widget.widgets_names, parts, strict=False))
        }
    if isinstance(widget, forms.CheckboxInput):
        return {bound.html_name: "on"} if value else {}
    if value is None:
        return {bound.html_name: ""}
    if isinstance(value, list | tuple):
        return {bound.html_name: [str(item) for item in value]}
    return {bound.html_name: str(value)}


def change_page_data(response, **overrides) -> dict:
    """What posting the admin change (or add) page in ``response`` unchanged would send, plus ``overrides``."""
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_on_page.append(inline.formset.management_form)
        forms_on_page.extend(inline.formset.forms)
    data: dict = {}
    for form in forms_on_page:
        for bound in form:
            data.update(_field_data(bound))
    data.update(overrides)
    return data


def staff_logged_in(staff) -> Client:
    """A browser of its own, logged in to the admin as ``staff``."""
    client = Client()
    client.force_login(staff)
    return client


def inline_rows(response, prefix: str) -> list:
    """The forms of the inline whose formset prefix is ``prefix`` ("memberships", "enrolments"…)."""
    [formset] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    return formset.forms
