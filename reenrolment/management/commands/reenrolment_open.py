"""Open a site's re-enrolment window for a season."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext

from extranet.base.dates import short_datetime
from extranet.base.management.sites import add_site_argument, site_from_option
from reenrolment.management.base import get_season, parse_datetime
from reenrolment.models import ReenrolmentWindow
from reenrolment.services import (
    DEFAULT_WINDOW_LENGTH,
    WindowError,
    check_house_rules,
    check_new_window,
    check_window_dates,
    close_window,
    open_window,
)


class Command(BaseCommand):
    help = (
        "Ouvre la période de réinscription d'un site pour une saison (heure de Paris). Sans --opens, elle "
        "ouvre maintenant ; sans --closes, elle dure 14 jours. Avec --until, prolonge la période existante "
        "de cette saison, ou la rouvre si elle est close, jusqu'à la date donnée. Refuse une seconde période "
        "pour la même saison, des dates qui chevauchent une autre période du site, et un site sans "
        "règlement intérieur."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument("--season", required=True, help=gettext("Saison visée, par ex. 2026/2027."))
        parser.add_argument(
            "--opens", help=gettext("Ouverture, par ex. « 2027-05-10 09:00 » (défaut : maintenant).")
        )
        parser.add_argument(
            "--closes", help=gettext("Fermeture, par ex. « 2027-05-24 18:00 » (défaut : 14 jours après).")
        )
        parser.add_argument(
            "--until",
            help=gettext(
                "Prolonge ou rouvre la période de la saison jusqu'à cette date, par ex. « 2027-05-31 23:00 »."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext("Vérifie sans rien enregistrer."))

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        season = get_season(options["season"])
        now = timezone.now()
        if options["until"]:
            if options["opens"] or options["closes"]:
                raise CommandError(gettext("--until ne se combine pas avec --opens ni --closes."))
            window = ReenrolmentWindow.objects.filter(site=site, season=season).first()
            if window is not None:
                return self._extend(
                    window, parse_datetime(options["until"], "--until"), now, options["dry_run"]
                )
            options["closes"] = options["until"]
        opens_at = parse_datetime(options["opens"], "--opens") if options["opens"] else now
        closes_at = (
            parse_datetime(options["closes"], "--closes")
            if options["closes"]
            else opens_at + DEFAULT_WINDOW_LENGTH
        )
        try:
            if options["dry_run"]:
                check_new_window(site=site, season=season, opens_at=opens_at, closes_at=closes_at, now=now)
            else:
                open_window(site=site, season=season, opens_at=opens_at, closes_at=closes_at, now=now)
        except WindowError as error:
            raise CommandError(error.message) from None
        opens_now = opens_at <= now
        if options["dry_run"]:
            message = (
                gettext(
                    "Simulation : la période serait ouverte pour %(site)s, saison %(season)s : "
                    "du %(opens)s au %(closes)s (heure de Paris)."
                )
                if opens_now
                else gettext(
                    "Simulation : la période serait programmée pour %(site)s, saison %(season)s : "
                    "du %(opens)s au %(closes)s (heure de Paris)."
                )
            )
        else:
            message = (
                gettext(
                    "Période ouverte pour %(site)s, saison %(season)s : "
                    "du %(opens)s au %(closes)s (heure de Paris)."
                )
                if opens_now
                else gettext(
                    "Période programmée pour %(site)s, saison %(season)s : "
                    "du %(opens)s au %(closes)s (heure de Paris)."
                )
            )
        self.stdout.write(
            message
            % {
                "site": site.name,
                "season": season.label,
                "opens": short_datetime(opens_at),
                "closes": short_datetime(closes_at),
            }
        )

    def _extend(self, window, until, now, dry_run):
        """Move the closing of the season's window to ``until``: longer if open, open again if closed."""
        was_open = window.is_open(now)
        try:
            if until <= now:
                raise WindowError(
                    gettext("La date de fermeture (%(closes)s) est déjà passée.")
                    % {"closes": short_datetime(until)}
                )
            check_house_rules(window.site)
            if dry_run:
                check_window_dates(
                    site=window.site,
                    season=window.season,
                    opens_at=window.opens_at,
                    closes_at=until,
                    exclude_pk=window.pk,
                )
            else:
                window = close_window(window=window, at=until)
        except WindowError as error:
            raise CommandError(error.message) from None
        if was_open or window.opens_at > now:
            message = gettext(
                "Période prolongée pour %(site)s, saison %(season)s : jusqu'au %(closes)s (heure de Paris)."
            )
        else:
            message = gettext(
                "Période rouverte pour %(site)s, saison %(season)s : jusqu'au %(closes)s (heure de Paris)."
            )
        if dry_run:
            message = gettext("Simulation : %(message)s") % {"message": message}
        self.stdout.write(
            message
            % {"site": window.site.name, "season": window.season.label, "closes": short_datetime(until)}
        )
