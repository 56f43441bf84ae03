from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.shell.accounts import guardians_never_logged_in, guardians_without_email, send_welcome


class Command(BaseCommand):
    help = (
        "Envoie un e-mail de bienvenue à chaque responsable d'un site dont l'identifiant n'a jamais "
        "servi et qui a une adresse e-mail : son identifiant et un lien à usage unique (24 h) pour "
        "choisir son mot de passe. Aucun mot de passe n'est jamais envoyé."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext("Compte les destinataires sans rien envoyer.")
        )

    def handle(self, *args, site, dry_run, **options):
        site_obj = site_from_option(site)
        guardians = list(guardians_never_logged_in(site_obj))
        total = len(guardians)
        sent = 0
        bar = ProgressBar(total, stream=self.stderr._out, unit=gettext("responsables"))
        for position, guardian in enumerate(guardians, start=1):
            if not dry_run and send_welcome(guardian=guardian):
                sent += 1
            bar.update(position)
        bar.finish()
        without_email = guardians_without_email(site_obj).count()
        skipped = ngettext(
            "%(count)d responsable jamais connecté sans adresse e-mail, à contacter autrement.",
            "%(count)d responsables jamais connectés sans adresse e-mail, à contacter autrement.",
            without_email,
        ) % {"count": without_email}
        if dry_run:
            emails = ngettext("%(count)d e-mail de bienvenue", "%(count)d e-mails de bienvenue", total) % {
                "count": total
            }
            summary = gettext("Simulation : %(emails)s à envoyer sur le site %(site)s ; %(skipped)s")
        else:
            emails = ngettext(
                "%(count)d e-mail de bienvenue envoyé", "%(count)d e-mails de bienvenue envoyés", sent
            ) % {"count": sent}
            summary = gettext("%(emails)s sur le site %(site)s ; %(skipped)s")
        self.stdout.write(summary % {"emails": emails, "site": site_obj.slug, "skipped": skipped})
