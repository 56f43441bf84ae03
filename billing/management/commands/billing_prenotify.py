from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from billing.prenotify import prenotify
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option


class Command(BaseCommand):
    help = (
        "Envoie à chaque famille au prélèvement dont le mandat est en vigueur un e-mail de pré-notification "
        "de ses prochains prélèvements (montant, date, RUM, ICS) : chaque échéance encore due dans 14 jours "
        "ou plus et pas encore annoncée. Sans cet e-mail 14 jours avant, l'export refuse l'échéance."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext("Compte les e-mails sans rien envoyer ni enregistrer."),
        )

    def handle(self, *args, site, dry_run, **options):
        site_obj = site_from_option(site)
        bar = None

        def progress(done, total):
            nonlocal bar
            if bar is None:
                bar = ProgressBar(total, stream=self.stderr._out, unit=gettext("familles"))
            bar.update(done)

        result = prenotify(site=site_obj, dry_run=dry_run, progress=progress)
        if bar is not None:
            bar.finish()
        for name in result.without_email:
            self.stderr.write(
                gettext("Sans adresse e-mail, à prévenir autrement : %(family)s") % {"family": name}
            )
        values = {
            "emails": (
                ngettext(
                    "%(count)d famille à pré-notifier", "%(count)d familles à pré-notifier", result.families
                )
                if dry_run
                else ngettext(
                    "%(count)d famille pré-notifiée", "%(count)d familles pré-notifiées", result.families
                )
            )
            % {"count": result.families},
            "debits": ngettext("%(count)d prélèvement", "%(count)d prélèvements", result.debits)
            % {"count": result.debits},
            "total": f"{result.total:.2f}",
            "site": site_obj.slug,
            "missing": len(result.without_email),
        }
        if dry_run:
            summary = gettext(
                "Simulation : %(emails)s de %(debits)s (%(total)s €) sur le site %(site)s ; "
                "%(missing)d sans e-mail."
            )
        else:
            summary = gettext(
                "%(emails)s de %(debits)s (%(total)s €) sur le site %(site)s ; %(missing)d sans e-mail."
            )
        self.stdout.write(summary % values)
