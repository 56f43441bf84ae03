"""Render the PDFs of the invoices and credit notes that have none yet."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from billing import pdf
from billing.models import Invoice
from billing.selectors import billing_settings
from billing.services import render_and_store_pdf
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option

# Invoices loaded (with their lines and instalments) per round trip: one process renders a
# whole shard, so the queries are shared by a batch, not paid for each PDF.
BATCH = 200


class Command(BaseCommand):
    help = (
        "Produit le PDF des factures et avoirs d'un site qui n'en ont pas encore (rendu interrompu, "
        "billing_issue --no-pdf). Un PDF déjà produit n'est jamais refait. --shard K/N ne traite "
        "qu'une facture sur N, pour répartir le travail entre plusieurs processus."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--shard",
            default="0/1",
            help=gettext("K/N : ne traite que les factures dont l'id modulo N vaut K."),
        )

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        shard, shards = (int(part) for part in options["shard"].split("/"))
        ids = [
            pk
            for pk in Invoice.objects.filter(site=site, pdf__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            if pk % shards == shard
        ]
        rules = billing_settings(site)
        bar = ProgressBar(len(ids), stream=self.stderr._out, unit=gettext("PDF"))
        rendered = done = 0
        for start in range(0, len(ids), BATCH):
            batch = pdf.invoices_to_render(Invoice.objects.filter(pk__in=ids[start : start + BATCH]))
            for invoice in batch.order_by("pk"):
                rendered += render_and_store_pdf(invoice.pk, invoice=invoice, rules=rules) is not None
                done += 1
                bar.update(done)
        bar.finish()
        self.stdout.write(
            gettext("%(site)s : %(rendered)s, %(failed)s.")
            % {
                "site": site.name,
                "rendered": ngettext("%(count)d PDF produit", "%(count)d PDF produits", rendered)
                % {"count": rendered},
                "failed": ngettext("%(count)d en échec", "%(count)d en échec", len(ids) - rendered)
                % {"count": len(ids) - rendered},
            }
        )
