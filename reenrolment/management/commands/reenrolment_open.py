"""Open a site's re-enrolment window for a season."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reenrolment.management.base import get_season, get_site, local, parse_datetime
from reenrolment.services import DEFAULT_WINDOW_LENGTH, WindowError, check_window_dates, open_window


class Command(BaseCommand):
    help = (
        "Ouvre la période de réinscription d'un site pour une saison (heure de Paris). Sans --opens, elle "
        "ouvre maintenant ; sans --closes, elle dure 14 jours. Refuse une seconde période pour la même "
        "saison ou des dates qui chevauchent une autre période du site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="Identifiant court (slug) ou nom du site.")
        parser.add_argument("--season", required=True, help="Saison visée, par ex. 2026/2027.")
        parser.add_argument("--opens", help="Ouverture, par ex. « 2027-05-10 09:00 » (défaut : maintenant).")
        parser.add_argument(
            "--closes", help="Fermeture, par ex. « 2027-05-24 18:00 » (défaut : 14 jours après)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Vérifie sans rien enregistrer.")

    def handle(self, *args, **options):
        site = get_site(options["site"])
        season = get_season(options["season"])
        now = timezone.now()
        opens_at = parse_datetime(options["opens"], "--opens") if options["opens"] else now
        closes_at = (
            parse_datetime(options["closes"], "--closes")
            if options["closes"]
            else opens_at + DEFAULT_WINDOW_LENGTH
        )
        try:
            if options["dry_run"]:
                if closes_at <= now:
                    raise WindowError(f"La date de fermeture ({local(closes_at)}) est déjà passée.")
                check_window_dates(site=site, season=season, opens_at=opens_at, closes_at=closes_at)
            else:
                open_window(site=site, season=season, opens_at=opens_at, closes_at=closes_at, now=now)
        except WindowError as error:
            raise CommandError(error.message) from None
        state = "ouverte" if opens_at <= now else "programmée"
        prefix = f"Simulation : la période serait {state}" if options["dry_run"] else f"Période {state}"
        self.stdout.write(
            f"{prefix} pour {site.name}, saison {season.label} : "
            f"du {local(opens_at)} au {local(closes_at)} (heure de Paris)."
        )
