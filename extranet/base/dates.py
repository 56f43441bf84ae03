"""Dates and times as the school writes them in messages, exports and history: 31/01/2027 09:00."""

from __future__ import annotations

import datetime

from django.utils import timezone


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
