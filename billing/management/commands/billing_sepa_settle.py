import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from billing.sepa import settle_direct_debits
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.money import euros


class Command(BaseCommand):
    help = (
        "Enregistre comme encaissés les prélèvements SEPA présentés d'un site, jamais rejetés, dont la date "
        "de prélèvement est passée du délai d'encaissement du site (règles de facturation, 5 jours ouvrés "
        "bancaires par défaut : le délai de retour de la banque du débiteur). Chacun devient un paiement de "
        "l'échéance, visible sur les reçus, l'attestation annuelle et l'export comptable. Relancée, la commande "
        "n'encaisse rien deux fois."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext("Liste les prélèvements à encaisser sans rien écrire."),
        )
        parser.add_argument(
            "--today",
            default=None,
            help=gettext("Date du jour à retenir, au format AAAA-MM-JJ (par défaut : aujourd'hui)."),
        )

    def handle(self, *args, site, dry_run, today, **options):
        site_obj = site_from_option(site)
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(
                gettext("Date illisible : « %(value)s ». Écrivez-la ainsi : 2026-10-15.") % {"value": today}
            ) from None
        bar = ProgressBar(0, stream=self.stderr._out, unit=gettext("prélèvements"))

        def progress(done, total):
            bar.total = total
            bar.update(done)

        result = settle_direct_debits(
            site=site_obj,
            today=day,
            dry_run=dry_run,
            progress=progress if options["verbosity"] >= 1 else None,
        )
        bar.finish()
        for debit, reason in result.refusals:
            self.stderr.write(
                gettext("Non encaissé : %(reference)s – %(reason)s")
                % {"reference": debit.end_to_end_id, "reason": reason}
            )
        values = {
            "collected": (
                ngettext(
                    "%(count)d prélèvement à encaisser",
                    "%(count)d prélèvements à encaisser",
                    len(result.collected),
                )
                if dry_run
                else ngettext(
                    "%(count)d prélèvement encaissé",
                    "%(count)d prélèvements encaissés",
                    len(result.collected),
                )
            )
            % {"count": len(result.collected)},
            "total": euros(result.total),
            "site": site_obj.slug,
            "waiting": ngettext(
                "%(count)d encore dans le délai de %(days)d jours ouvrés",
                "%(count)d encore dans le délai de %(days)d jours ouvrés",
                result.waiting,
            )
            % {"count": result.waiting, "days": result.delay},
            "refused": ngettext("%(count)d refusé", "%(count)d refusés", len(result.refusals))
            % {"count": len(result.refusals)},
        }
        if dry_run:
            summary = gettext(
                "Simulation, site %(site)s : %(collected)s (%(total)s) ; %(waiting)s ; rien n'est enregistré."
            )
        else:
            summary = gettext("Site %(site)s : %(collected)s (%(total)s) ; %(waiting)s ; %(refused)s.")
        self.stdout.write(summary % values)
