"""Email the families of a site with late instalments."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from billing.services import remind_late_families
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.money import euros


class Command(BaseCommand):
    help = (
        "Relance par e-mail les familles d'un site dont une échéance est passée sans être réglée : le "
        "montant en retard, la facture, l'échéance et comment payer. --dry-run compte sans envoyer."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help=gettext("Compte sans rien envoyer."))

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        reminders = remind_late_families(site=site, dry_run=options["dry_run"])
        bar = ProgressBar(len(reminders), stream=self.stderr._out, unit=gettext("familles"))
        for done, _reminder in enumerate(reminders, start=1):
            bar.update(done)
        bar.finish()
        reached = [r for r in reminders if r.sent_to]
        total = sum((r.total for r in reminders), Decimal("0.00"))
        verb = gettext("à relancer") if options["dry_run"] else gettext("relancées")
        self.stdout.write(
            gettext("%(site)s : %(families)s %(verb)s pour %(total)s en retard, %(without)s.")
            % {
                "site": site.name,
                "families": ngettext("%(count)d famille", "%(count)d familles", len(reached))
                % {"count": len(reached)},
                "verb": verb,
                "total": euros(total),
                "without": ngettext(
                    "%(count)d sans adresse e-mail",
                    "%(count)d sans adresse e-mail",
                    len(reminders) - len(reached),
                )
                % {"count": len(reminders) - len(reached)},
            }
        )
