"""Template filters of the portal."""

from django import template
from django.utils.formats import date_format
from django.utils.translation import pgettext

from extranet.base.phones import format_phone

register = template.Library()


@register.filter(name="phone")
def phone(value: str) -> str:
    """Show a stored phone number the French way: ``{{ guardian.mobile|phone }}`` -> "06 12 34 56 78"."""
    return format_phone(value)


@register.filter(name="long_datetime", expects_localtime=True)
def long_datetime(value, with_weekday: str = "") -> str:
    """ "4 janvier 2027 à 23:00" in French, "4 January 2027 at 23:00" in English.

    ``{{ window.closes_at|long_datetime:"weekday" }}`` adds the day: "lundi 4 janvier 2027 à 23:00".
    """
    if not value:
        return ""
    day = date_format(value, "l j F Y" if with_weekday else "j F Y")
    # Translators: between a date and a time, "4 janvier 2027 à 23:00".
    at = pgettext("date and time", "à")
    return f"{day} {at} {date_format(value, 'H:i')}"
