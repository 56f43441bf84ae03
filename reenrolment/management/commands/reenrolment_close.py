"""Close a site's re-enrolment window now, or at a given time."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext

from extranet.base.dates import short_datetime
from extranet.base.management.sites import add_site_argument, site_from_option
from reenrolment.management.base import get_season, parse_datetime
from reenrolment.selectors import window_for_site
from reenrolment.services import WindowError, close_window


class Command(BaseCommand):
    help = (
        "Ferme la période de réinscription ouverte (ou à venir) d'un site, maintenant ou à la date --at "
        "(heure de Paris). Une demande en cours d'envoi au moment de la fermeture est soit acceptée, "
        "soit refusée clairement à la famille."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--season", help=gettext("Saison de la période (défaut : la période ouverte ou à venir).")
        )
        parser.add_argument(
            "--at",
            help=gettext("Fermeture à cette date, par ex. « 2027-05-24 18:00 » (défaut : maintenant)."),
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext("Vérifie sans rien enregistrer."))

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        now = timezone.now()
        if options["season"]:
            season = get_season(options["season"])
            window = site.reenrolment_windows.filter(season=season).select_related("season").first()
            if window is None:
                raise CommandError(
                    gettext("Aucune période de réinscription pour %(site)s et la saison %(season)s.")
                    % {"site": site.name, "season": season.label}
                )
        else:
            window = window_for_site(site, at=now)
            if window is None or window.closes_at <= now:
                raise CommandError(
                    gettext("Aucune période de réinscription ouverte ou à venir pour %(site)s.")
                    % {"site": site.name}
                )
        at = parse_datetime(options["at"], "--at") if options["at"] else None
        if options["dry_run"]:
            closes = at or now
            if closes <= window.opens_at:
                raise CommandError(
                    gettext("La période n'ouvre que le %(opens)s : elle ne peut pas fermer avant.")
                    % {"opens": short_datetime(window.opens_at)}
                )
            self.stdout.write(
                gettext(
                    "Simulation : la période %(season)s de %(site)s fermerait le %(closes)s (heure de Paris)."
                )
                % {"season": window.season.label, "site": site.name, "closes": short_datetime(closes)}
            )
            return
        try:
            window = close_window(window=window, at=at)
        except WindowError as error:
            raise CommandError(error.message) from None
        message = (
            gettext("Période %(season)s de %(site)s fermée le %(closes)s (heure de Paris).")
            if window.closes_at <= timezone.now()
            else gettext("Période %(season)s de %(site)s fermera le %(closes)s (heure de Paris).")
        )
        self.stdout.write(
            message
            % {"season": window.season.label, "site": site.name, "closes": short_datetime(window.closes_at)}
        )
