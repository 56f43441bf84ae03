"""Close a site's re-enrolment window now, or at a given time."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reenrolment.management.base import get_season, get_site, local, parse_datetime
from reenrolment.selectors import window_for_site
from reenrolment.services import WindowError, close_window


class Command(BaseCommand):
    help = (
        "Ferme la période de réinscription ouverte (ou à venir) d'un site, maintenant ou à la date --at "
        "(heure de Paris). Une demande en cours d'envoi au moment de la fermeture est soit acceptée, "
        "soit refusée clairement à la famille."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="Identifiant court (slug) ou nom du site.")
        parser.add_argument("--season", help="Saison de la période (défaut : la période ouverte ou à venir).")
        parser.add_argument(
            "--at", help="Fermeture à cette date, par ex. « 2027-05-24 18:00 » (défaut : maintenant)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Vérifie sans rien enregistrer.")

    def handle(self, *args, **options):
        site = get_site(options["site"])
        now = timezone.now()
        if options["season"]:
            season = get_season(options["season"])
            window = site.reenrolment_windows.filter(season=season).select_related("season").first()
            if window is None:
                raise CommandError(
                    f"Aucune période de réinscription pour {site.name} et la saison {season.label}."
                )
        else:
            window = window_for_site(site, at=now)
            if window is None or window.closes_at <= now:
                raise CommandError(f"Aucune période de réinscription ouverte ou à venir pour {site.name}.")
        at = parse_datetime(options["at"], "--at") if options["at"] else None
        if options["dry_run"]:
            closes = at or now
            if closes <= window.opens_at:
                raise CommandError(
                    f"La période n'ouvre que le {local(window.opens_at)} : elle ne peut pas fermer avant."
                )
            self.stdout.write(
                f"Simulation : la période {window.season.label} de {site.name} fermerait le {local(closes)}."
            )
            return
        try:
            window = close_window(window=window, at=at)
        except WindowError as error:
            raise CommandError(error.message) from None
        verb = "fermée" if window.closes_at <= timezone.now() else "fermera"
        self.stdout.write(
            f"Période {window.season.label} de {site.name} {verb} le {local(window.closes_at)} (heure de Paris)."
        )
