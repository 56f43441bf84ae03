"""Dates and times: as a French reader expects in sentences ("1er décembre 2026", "23 h",
"9 h 30"), and short in messages, exports and history ("31/01/2027 09:00").

Django's French formats give "1 décembre" and "23:00"; French typography (Lexique des règles
typographiques en usage à l'Imprimerie nationale) writes the first day of a month as an ordinal
and hours with "h". Other languages keep Django's formats.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext


def _french() -> bool:
    return (get_language() or "fr").startswith("fr")


def long_date(value: datetime.date, *, with_weekday: bool = False, with_year: bool = True) -> str:
    """ "1er décembre 2026", "mardi 1er décembre 2026", "4 janvier" (``with_year=False``)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    month = date_format(value, "F Y" if with_year else "F")
    if _french():
        day = "1er" if value.day == 1 else str(value.day)
        text = f"{day} {month}"
    else:
        text = date_format(value, "j F Y" if with_year else "j F")
    if with_weekday:
        text = f"{date_format(value, 'l')} {text}"
    return text


def clock(value: datetime.datetime | datetime.time) -> str:
    """ "23 h", "9 h 30" in French (local time); "23:00" elsewhere."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if not _french():
        return date_format(value, "H:i") if isinstance(value, datetime.datetime) else value.strftime("%H:%M")
    if value.minute == 0:
        return f"{value.hour} h"
    return f"{value.hour} h {value.minute:02d}"


def long_datetime(value: datetime.datetime, *, with_weekday: bool = False) -> str:
    """ "lundi 4 janvier 2027 à 23 h" (local time)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    # Translators: between a date and a time, "4 janvier 2027 à 23 h".
    at = pgettext("date and time", "à")
    return f"{long_date(value, with_weekday=with_weekday)} {at} {clock(value)}"


def short_date(value: datetime.date | datetime.datetime) -> str:
    """ "31/01/2027"; a date-time is first read in the school's time zone."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def short_datetime(value: datetime.datetime, *, seconds: bool = False) -> str:
    """ "31/01/2027 09:00" (with ``seconds``, "31/01/2027 09:00:05") in the school's time zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
