from django.core.management.base import BaseCommand, CommandError

from extranet.management.progress import ProgressBar
from extranet.models import Site
from extranet.services import guardians_never_logged_in, guardians_without_email, send_welcome


class Command(BaseCommand):
    help = (
        "Emails a welcome message to every guardian of a site whose login was never used and who "
        "has an email address: their identifier and a single-use link (24 h) to choose a password. "
        "No password is ever sent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", required=True, help="Identifiant court (slug) du site, par exemple malakoff."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte les destinataires sans rien envoyer."
        )

    def handle(self, *args, site, dry_run, **options):
        try:
            site_obj = Site.objects.get(slug=site)
        except Site.DoesNotExist:
            known = ", ".join(Site.objects.order_by("slug").values_list("slug", flat=True)) or "aucun"
            raise CommandError(f"Site inconnu : {site!r}. Sites connus : {known}.") from None
        guardians = list(guardians_never_logged_in(site_obj))
        total = len(guardians)
        sent = 0
        bar = ProgressBar(total, stream=self.stderr._out, unit="responsables")
        for position, guardian in enumerate(guardians, start=1):
            if not dry_run and send_welcome(guardian=guardian):
                sent += 1
            bar.update(position)
        bar.finish()
        without_email = guardians_without_email(site_obj).count()
        skipped = (
            f"{without_email} responsable(s) jamais connecté(s) sans adresse e-mail, à contacter autrement."
        )
        if dry_run:
            self.stdout.write(
                f"Simulation, rien n'a été envoyé : {total} e-mail(s) de bienvenue à envoyer sur le site "
                f"{site_obj.slug} ; {skipped}"
            )
        else:
            self.stdout.write(
                f"{sent} e-mail(s) de bienvenue envoyé(s) sur le site {site_obj.slug} ; {skipped}"
            )
