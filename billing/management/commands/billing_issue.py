"""Issue a season's invoices for one site, from the validated enrolments."""

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from billing.pricing import _euros
from billing.services import issue_invoices
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.models import Season


class Command(BaseCommand):
    help = (
        "Émet les factures d'une saison pour un site : une facture par famille ayant des inscriptions "
        "actives (ou arrêtées en cours d'année) dans la saison, aux tarifs du site, avec le QF validé, "
        "les réductions fratrie et l'échéancier choisi. Relancé, il n'émet rien deux fois : une famille "
        "dont les inscriptions ont changé reçoit une facture complémentaire ou un avoir pour la "
        "différence. Les PDF sont produits après chaque facture ; un PDF manquant l'est au premier "
        "téléchargement ou par billing_render_pdfs. --dry-run calcule sans rien émettre."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument("--season", required=True, help=gettext("La saison, par exemple 2026/2027."))
        parser.add_argument("--dry-run", action="store_true", help=gettext("Calcule sans rien émettre."))
        parser.add_argument(
            "--no-pdf",
            action="store_true",
            help=gettext("N'effectue pas le rendu des PDF maintenant (billing_render_pdfs les produira)."),
        )

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        season = Season.objects.filter(label=options["season"].strip()).first()
        if season is None:
            known = ", ".join(Season.objects.order_by("starts_on").values_list("label", flat=True))
            raise CommandError(
                gettext("Saison inconnue : « %(season)s ». Saisons connues : %(known)s.")
                % {"season": options["season"], "known": known or "—"}
            )
        bar = ProgressBar(0, stream=self.stderr._out, unit=gettext("familles"))

        def progress(done, total):
            bar.total = total
            bar.update(done)

        results = issue_invoices(
            site=site,
            season=season,
            actor=None,
            dry_run=options["dry_run"],
            progress=progress if options["verbosity"] >= 1 else None,
            render_pdf=not options["no_pdf"],
        )
        bar.finish()
        invoices = [r for r in results if r.invoice_total > 0]
        credits = [r for r in results if r.credit_total > 0]
        blocked = [r for r in results if r.problems]
        for result in blocked:
            for problem in result.problems:
                self.stderr.write(f"{result.family} : {problem}")
        total = sum((r.invoice_total for r in results), Decimal("0.00"))
        summary = gettext(
            "%(site)s, saison %(season)s : %(invoices)s (%(total)s), %(credits)s, %(unchanged)s, %(blocked)s."
        ) % {
            "site": site.name,
            "season": season.label,
            "invoices": ngettext("%(count)d facture", "%(count)d factures", len(invoices))
            % {"count": len(invoices)},
            "total": _euros(total),
            "credits": ngettext("%(count)d avoir", "%(count)d avoirs", len(credits))
            % {"count": len(credits)},
            "unchanged": ngettext(
                "%(count)d famille déjà à jour",
                "%(count)d familles déjà à jour",
                sum(1 for r in results if not r.changed and not r.problems),
            )
            % {"count": sum(1 for r in results if not r.changed and not r.problems)},
            "blocked": ngettext(
                "%(count)d famille sans tarif pour un cours",
                "%(count)d familles sans tarif pour un cours",
                len(blocked),
            )
            % {"count": len(blocked)},
        }
        if options["dry_run"]:
            summary = gettext("Simulation, rien n'est émis. %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
