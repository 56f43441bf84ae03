"""Template filters and tags of the portal: French phones, dates, amounts, elision, error titles."""

import datetime

from django import template
from django.contrib.messages import ERROR
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext

from extranet.base import dates, money
from extranet.base.phones import format_phone

register = template.Library()

# Letters before which "de" becomes "d'" (the h of French first names is nearly always mute:
# "d'Hugo", "d'Hélène").
ELIDING_INITIALS = set("aeiouyhàâäéèêëîïôöùûüÿœæ")


@register.filter(name="phone")
def phone(value: str) -> str:
    """Show a stored phone number the French way: ``{{ guardian.mobile|phone }}`` -> "06 12 34 56 78"."""
    return format_phone(value)


@register.filter(name="euros")
def euros(value) -> str:
    """An amount as a French reader writes it: ``{{ total|euros }}`` -> "1 234,50 €" (a space
    between thousands, a comma before the cents); "€1,234.50" in English."""
    if value in (None, ""):
        return ""
    if not (get_language() or "fr").startswith("fr"):
        return money.euros_en(value)
    return money.euros(value)


@register.filter(name="long_datetime", expects_localtime=True)
def long_datetime(value, with_weekday: str = "") -> str:
    """ "4 janvier 2027 à 23 h" in French, "4 January 2027 at 23:00" in English.

    ``{{ window.closes_at|long_datetime:"weekday" }}`` adds the day: "lundi 4 janvier 2027 à 23 h".
    """
    if not value:
        return ""
    return dates.long_datetime(value, with_weekday=bool(with_weekday))


@register.filter(name="long_date", expects_localtime=True)
def long_date(value, options: str = "") -> str:
    """ "1er décembre 2026"; ``|long_date:"weekday"`` adds the day, ``|long_date:"noyear"`` drops the year."""
    if not value:
        return ""
    return dates.long_date(value, with_weekday="weekday" in options, with_year="noyear" not in options)


@register.filter(name="clock", expects_localtime=True)
def clock(value) -> str:
    """ "23 h", "9 h 30" in French."""
    if not value:
        return ""
    return dates.clock(value)


def of_name(name: str) -> str:
    """The French "de" before a name, elided before a vowel or a mute h: "d'Emma", "de Léo"."""
    name = str(name or "").strip()
    if not (get_language() or "fr").startswith("fr"):
        # Translators: "of" before a name, "Courses of Emma"; French elides it ("d'Emma").
        return f"{pgettext('before a name', 'de')} {name}"
    if name[:1].lower() in ELIDING_INITIALS:
        return f"d’{name}" if "’" in name else f"d'{name}"
    return f"de {name}"


@register.filter(name="of_name")
def of_name_filter(value) -> str:
    """``Cours {{ student.first_name|of_name }}`` -> "Cours d'Emma", "Cours de Léo"."""
    return of_name(value)


@register.filter(name="born")
def born(student) -> str:
    """ "née" or "né" from the pupil's civility (Madame, Mademoiselle -> "née")."""
    civility = getattr(student, "civility", None)
    feminine = civility is not None and getattr(civility, "code", "") in {"mme", "mlle"}
    return pgettext("feminine", "née") if feminine else pgettext("masculine", "né")


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """ "Erreur : " at the start of the page title after a failed submit (RGAA 8.6, 11.10)."""
    for name in ("form", "form2"):
        form = context.get(name)
        if form is not None and getattr(form, "is_bound", False) and form.errors:
            return gettext("Erreur : ")
    if context.get("lockout"):
        return gettext("Erreur : ")
    for message in context.get("messages") or ():
        if message.level >= ERROR:
            return gettext("Erreur : ")
    return ""


@register.filter(name="iso_datetime")
def iso_datetime(value) -> str:
    """For ``<time datetime>``: ISO 8601 to the second ("2026-11-30T10:29:02+01:00"); HTML allows no
    more than three digits of a second, and Django's ``date:"c"`` writes six."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


@register.filter(name="first_lesson")
def first_lesson(course):
    """The date of a weekly course's first lesson: the first of its weekday from the season's start."""
    weekday = getattr(course, "weekday", None)
    season = getattr(course, "season", None)
    if not weekday or season is None:
        return None
    start = season.starts_on
    # Weekday: 1 = Monday (students.models.Weekday); date.weekday(): 0 = Monday.
    return start + datetime.timedelta(days=(weekday - 1 - start.weekday()) % 7)
