"""Remind families whose re-enrolment dossier is not sent yet or still incomplete."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from documents import selectors as document_selectors
from extranet.base.dates import short_datetime
from extranet.base.emails import send_email
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from families.models import Family
from families.selectors import family_emails
from reenrolment.selectors import OPEN, dossiers_for_reminder, window_for_site, window_phase


def _missing_names(family, student) -> list[str]:
    types = list(document_selectors.missing_required_types(family=family)) + list(
        document_selectors.missing_required_types(family=family, student=student)
    )
    return [str(getattr(t, "name", t)) for t in types]


class Command(BaseCommand):
    help = (
        "Pendant la période ouverte d'un site, envoie un rappel aux familles dont un élève attendu n'a "
        "pas encore envoyé sa demande de réinscription, ou dont le dossier envoyé est incomplet "
        "(documents à fournir). Les demandes retirées ne sont pas relancées. --dry-run compte sans envoyer."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext("Compte les familles à relancer sans rien envoyer."),
        )

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        window = window_for_site(site)
        if window is None:
            raise CommandError(
                gettext("La réinscription de %(site)s n'est pas ouverte : aucun rappel envoyé.")
                % {"site": site.name}
            )
        if window_phase(window) != OPEN:
            raise CommandError(
                gettext(
                    "La réinscription de %(site)s n'est pas ouverte (période du %(opens)s au %(closes)s) : "
                    "aucun rappel envoyé."
                )
                % {
                    "site": site.name,
                    "opens": short_datetime(window.opens_at),
                    "closes": short_datetime(window.closes_at),
                }
            )
        todo = dossiers_for_reminder(window)
        families = Family.objects.in_bulk(list(todo))
        sent = without_email = unsent = incomplete = 0
        progress = ProgressBar(len(todo), stream=self.stderr._out, unit=gettext("familles"))
        for done, (family_id, lists) in enumerate(sorted(todo.items()), start=1):
            family = families[family_id]
            unsent += len(lists["unsent"])
            incomplete += len(lists["incomplete"])
            recipients = family_emails(family)
            if not recipients:
                without_email += 1
            elif not options["dry_run"]:
                with transaction.atomic():
                    send_email(
                        "reenrolment_reminder",
                        to=recipients,
                        context={
                            "family": family,
                            "site": site,
                            "window": window,
                            "unsent": lists["unsent"],
                            "incomplete": [(s, _missing_names(family, s)) for s in lists["incomplete"]],
                        },
                    )
                sent += 1
            progress.update(done)
        progress.finish()
        reached = len(todo) - without_email
        counts = {
            "unsent": ngettext(
                "%(count)d élève sans demande envoyée", "%(count)d élèves sans demande envoyée", unsent
            )
            % {"count": unsent},
            "incomplete": ngettext("%(count)d dossier incomplet", "%(count)d dossiers incomplets", incomplete)
            % {"count": incomplete},
            "without_email": ngettext(
                "%(count)d famille sans adresse e-mail",
                "%(count)d familles sans adresse e-mail",
                without_email,
            )
            % {"count": without_email},
        }
        if options["dry_run"]:
            summary = gettext(
                "Simulation : %(families)s à relancer (%(unsent)s, %(incomplete)s) ; %(without_email)s."
            )
            families_count = reached
        else:
            summary = gettext(
                "Rappels envoyés à %(families)s (%(unsent)s, %(incomplete)s) ; %(without_email)s."
            )
            families_count = sent
        families_text = ngettext("%(count)d famille", "%(count)d familles", families_count) % {
            "count": families_count
        }
        self.stdout.write(summary % {"families": families_text, **counts})
