"""Remind families whose re-enrolment dossier is not sent yet or still incomplete."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from extranet.emails import send_email
from extranet.management.progress import ProgressBar
from families.models import Family
from reenrolment.management.base import get_site, local
from reenrolment.selectors import OPEN, dossiers_for_reminder, window_for_site, window_phase
from reenrolment.services import family_emails


def _missing_names(family, student) -> list[str]:
    from documents.selectors import missing_required_types

    types = list(missing_required_types(family=family)) + list(
        missing_required_types(family=family, student=student)
    )
    return [str(getattr(t, "name", t)) for t in types]


class Command(BaseCommand):
    help = (
        "Pendant la période ouverte d'un site, envoie un rappel aux familles dont un élève attendu n'a "
        "pas encore envoyé sa demande de réinscription, ou dont le dossier envoyé est incomplet "
        "(documents à fournir). Les demandes retirées ne sont pas relancées. --dry-run compte sans envoyer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="Identifiant court (slug) ou nom du site.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte les familles à relancer sans rien envoyer."
        )

    def handle(self, *args, **options):
        site = get_site(options["site"])
        window = window_for_site(site)
        if window is None or window_phase(window) != OPEN:
            when = f" (période du {local(window.opens_at)} au {local(window.closes_at)})" if window else ""
            raise CommandError(
                f"La réinscription de {site.name} n'est pas ouverte{when} : aucun rappel envoyé."
            )
        todo = dossiers_for_reminder(window)
        families = Family.objects.in_bulk(list(todo))
        sent = without_email = unsent = incomplete = 0
        progress = ProgressBar(len(todo), stream=self.stderr._out, unit="familles")
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
        if options["dry_run"]:
            self.stdout.write(
                f"Simulation : {reached} famille(s) seraient relancées ({unsent} élève(s) sans demande envoyée, "
                f"{incomplete} dossier(s) incomplet(s)) ; {without_email} famille(s) sans adresse e-mail."
            )
        else:
            self.stdout.write(
                f"Rappels envoyés à {sent} famille(s) ({unsent} élève(s) sans demande envoyée, "
                f"{incomplete} dossier(s) incomplet(s)) ; {without_email} famille(s) sans adresse e-mail."
            )
