"""What the re-enrolment commands share: reading --season and dates, finding the window.

--site is read by ``extranet.base.management.sites``, like every ops command taking a site.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext

from extranet.base.models import Season, Site
from reenrolment.models import ReenrolmentWindow
from reenrolment.selectors import window_for_site

DATE_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


def get_season(value: str) -> Season:
    season = Season.objects.filter(label=value).first()
    if season is None:
        known = ", ".join(Season.objects.order_by("starts_on").values_list("label", flat=True))
        if not known:
            raise CommandError(
                gettext("Saison inconnue : « %(value)s ». Aucune saison n'est encore enregistrée.")
                % {"value": value}
            )
        raise CommandError(
            gettext("Saison inconnue : « %(value)s » (écrivez-la ainsi : 2026/2027). Saisons : %(known)s.")
            % {"value": value, "known": known}
        )
    return season


def parse_datetime(value: str, option: str) -> datetime:
    """A date-time typed by ops, read in the site's time zone (Europe/Paris)."""
    for fmt in DATE_FORMATS:
        try:
            naive = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return timezone.make_aware(naive, ZoneInfo(settings.TIME_ZONE))
    raise CommandError(
        gettext(
            "%(option)s « %(value)s » n'est pas une date : écrivez-la ainsi : 2027-05-10 09:00 (heure de Paris)."
        )
        % {"option": option, "value": value}
    )


def window_of(site: Site, season: Season | None) -> ReenrolmentWindow:
    """The window named by --season, else the one families see now (open, next or last)."""
    if season is not None:
        window = (
            ReenrolmentWindow.objects.filter(site=site, season=season)
            .select_related("season", "site")
            .first()
        )
        if window is None:
            raise CommandError(
                gettext("Aucune période de réinscription pour %(site)s et la saison %(season)s.")
                % {"site": site.name, "season": season.label}
            )
        return window
    window = window_for_site(site)
    if window is None:
        raise CommandError(
            gettext("Aucune période de réinscription pour %(site)s : ouvrez-en une avec reenrolment_open.")
            % {"site": site.name}
        )
    return window
