"""Generate a site's lessons for a season from each course's timetable and the site's calendar."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.models import Season
from students.schoolyear_services import SchoolHolidaysMissing, generate_lessons


class Command(BaseCommand):
    help = (
        "Crée les séances de chaque cours d'un site pour une saison : chaque semaine au jour et à l'heure "
        "du cours, entre le début et la fin de la saison, sauf pendant les vacances scolaires de la zone "
        "du site, les jours fériés et les jours de fermeture du site. Sans effet sur les séances déjà "
        "créées (même déplacées ou annulées) ; ne supprime rien. Refuse de tourner tant que les vacances "
        "scolaires de la saison ne sont pas chargées pour la zone du site."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument("--season", required=True, help=gettext("Saison visée, par ex. 2025/2026."))
        parser.add_argument("--dry-run", action="store_true", help=gettext("Compte sans rien enregistrer."))

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        season = Season.objects.filter(label=options["season"].strip()).first()
        if season is None:
            known = ", ".join(Season.objects.order_by("starts_on").values_list("label", flat=True))
            raise CommandError(
                gettext("Saison inconnue : « %(value)s ». Saisons connues : %(known)s.")
                % {"value": options["season"], "known": known}
            )
        if not site.zone:
            self.stderr.write(
                gettext(
                    "Attention : %(site)s n'a pas de zone de vacances scolaires ; seuls les jours fériés et "
                    "les jours de fermeture sont retirés."
                )
                % {"site": site.name}
            )
        try:
            result = generate_lessons(site=site, season=season, dry_run=options["dry_run"])
        except SchoolHolidaysMissing as error:
            raise CommandError(f"{site.name} : {error.message}") from error
        created = (
            ngettext("%(count)d séance serait créée", "%(count)d séances seraient créées", result.created)
            if options["dry_run"]
            else ngettext("%(count)d séance créée", "%(count)d séances créées", result.created)
        ) % {"count": result.created}
        courses = ngettext("%(count)d cours", "%(count)d cours", result.courses) % {"count": result.courses}
        existing = ngettext("%(count)d déjà présente", "%(count)d déjà présentes", result.existing) % {
            "count": result.existing
        }
        without = ngettext(
            "%(count)d cours sans horaire", "%(count)d cours sans horaire", result.without_timetable
        ) % {"count": result.without_timetable}
        prefix = gettext("Simulation : ") if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{site.name}, {season.label} : {courses}, {created}, {existing}, {without}."
        )
