import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from billing.payment_errors import PaymentError
from billing.sepa import DEFAULT_VERSION, SCHEMAS, export_direct_debits
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option


class Command(BaseCommand):
    help = (
        "Écrit le fichier de prélèvements SEPA (pain.008, validé par son schéma XSD) d'un site pour une "
        "date de prélèvement : chaque échéance due à cette date ou avant, encore à payer, d'une famille "
        "au prélèvement dont le mandat est en vigueur et qui a été pré-notifiée 14 jours avant. Une échéance "
        "n'est jamais prélevée deux fois ; les familles qui ne peuvent pas l'être sont listées avec la raison."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the pain.008 version here, not the program's: ours replaces Django's.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--due-date", required=True, help=gettext("Date de prélèvement, au format AAAA-MM-JJ.")
        )
        parser.add_argument(
            "--version",
            default=DEFAULT_VERSION,
            choices=sorted(SCHEMAS),
            help=gettext(
                "Version du format pain.008 (001.08 par défaut, 001.02 pour les banques plus anciennes)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext("Construit et valide le fichier sans l'écrire.")
        )
        parser.add_argument("--output-dir", default=None, help=gettext("Dossier où écrire le fichier."))

    def handle(self, *args, site, due_date, version, dry_run, output_dir, **options):
        site_obj = site_from_option(site)
        try:
            collection_date = datetime.date.fromisoformat(due_date)
        except ValueError:
            raise CommandError(
                gettext("Date de prélèvement illisible : « %(value)s ». Écrivez-la ainsi : 2026-10-15.")
                % {"value": due_date}
            ) from None
        bar = ProgressBar(1, stream=self.stderr._out, unit=gettext("fichier"))
        try:
            result = export_direct_debits(
                site=site_obj,
                collection_date=collection_date,
                version=version,
                dry_run=dry_run,
                output_dir=output_dir,
            )
        except PaymentError as error:
            raise CommandError(error.message) from None
        bar.update(1)
        bar.finish()
        for refusal in result.refusals:
            self.stderr.write(
                gettext("Non prélevé : %(family)s, %(instalment)s, %(amount)s € – %(reason)s")
                % {
                    "family": refusal.family,
                    "instalment": refusal.instalment,
                    "amount": f"{refusal.amount:.2f}",
                    "reason": refusal.reason,
                }
            )
        debits = ngettext("%(count)d prélèvement", "%(count)d prélèvements", result.transactions) % {
            "count": result.transactions
        }
        refused = ngettext("%(count)d ligne refusée", "%(count)d lignes refusées", len(result.refusals)) % {
            "count": len(result.refusals)
        }
        values = {
            "debits": debits,
            "total": f"{result.control_sum:.2f}",
            "date": collection_date.strftime("%d/%m/%Y"),
            "site": site_obj.slug,
            "schema": result.schema,
            "refused": refused,
            "path": result.path or "",
        }
        if not result.transactions:
            summary = gettext("Aucun prélèvement à exporter le %(date)s sur le site %(site)s ; %(refused)s.")
        elif dry_run:
            summary = gettext(
                "Simulation : %(debits)s pour %(total)s € le %(date)s sur le site %(site)s (%(schema)s valide) ; "
                "%(refused)s ; aucun fichier écrit."
            )
        else:
            summary = gettext(
                "%(debits)s pour %(total)s € le %(date)s sur le site %(site)s (%(schema)s) dans %(path)s ; %(refused)s."
            )
        self.stdout.write(summary % values)
