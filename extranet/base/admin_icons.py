"""The admin's yes/no icons say "Oui", "Non" or "Inconnu" to a screen reader, not "True"/"False".

Django writes ``alt="True"`` (the Python value) on the icons of boolean columns and read-only
fields (``django.contrib.admin.templatetags.admin_list._boolean_icon``), which a French screen
reader reads out in English. Its callers look the function up on that module at each call, so
replacing it there once at start-up is enough; ``tests`` check a real list page, so a Django
upgrade that renames it fails loudly instead of quietly going back to English.

A list shows the icon in each of its 100 rows: each of the three icons is written once per
language (its ``static`` URL and its translated ``alt``), and again after a setting changes.
"""

from __future__ import annotations

import functools

from django.contrib.admin.templatetags import admin_list
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

_ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val) -> str:
    return _icon(get_language(), field_val)


@functools.cache
def _icon(language: str | None, field_val) -> str:
    alt = {True: gettext("Oui"), False: gettext("Non"), None: gettext("Inconnu")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{_ICONS[field_val]}.svg"), alt)


def _forget_icons(**kwargs) -> None:
    _icon.cache_clear()  # STATIC_URL, the storage or the translations may have changed


setting_changed.connect(_forget_icons)


def install() -> None:
    if not hasattr(admin_list, "_boolean_icon"):
        raise RuntimeError(
            "django.contrib.admin no longer has _boolean_icon: update extranet/base/admin_icons.py"
        )
    admin_list._boolean_icon = boolean_icon
