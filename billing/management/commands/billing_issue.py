"""Issue a season's invoices for one site, from the validated enrolments."""

import multiprocessing
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils.translation import gettext, ngettext

from billing.services import issue_invoices
from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.models import Season, Site
from extranet.base.money import euros


class Command(BaseCommand):
    help = (
        "Émet les factures d'une saison pour un site : une facture par famille ayant des inscriptions "
        "actives (ou arrêtées en cours d'année) dans la saison, aux tarifs du site, avec le QF validé, "
        "les réductions fratrie et l'échéancier choisi. Relancé, il n'émet rien deux fois : une famille "
        "dont les inscriptions ont changé reçoit une facture complémentaire ou un avoir pour la "
        "différence. Les PDF sont produits après chaque facture ; un PDF manquant l'est au premier "
        "téléchargement ou par billing_render_pdfs. --dry-run calcule sans rien émettre. --processes N "
        "répartit les familles entre N processus (id modulo N), pour occuper tous les cœurs : "
        "PostgreSQL seulement, SQLite n'écrivant qu'une transaction à la fois."
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
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help=gettext(
                "Nombre de processus qui se partagent les familles (1 par défaut, PostgreSQL pour plus)."
            ),
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
        processes = options["processes"]
        if processes < 1:
            raise CommandError(gettext("--processes doit valoir au moins 1."))
        if processes > 1 and connection.vendor == "sqlite":
            raise CommandError(
                gettext(
                    "--processes %(count)d demande PostgreSQL : SQLite n'écrit qu'une transaction à la fois."
                )
                % {"count": processes}
            )
        work = {
            "site_id": site.pk,
            "season_id": season.pk,
            "dry_run": options["dry_run"],
            "render_pdf": not options["no_pdf"],
        }
        if processes == 1:
            bar = ProgressBar(0, stream=self.stderr._out, unit=gettext("familles"))

            def progress(done, total):
                bar.total = total
                bar.update(done)

            results = _issue_shard(work, (0, 1), progress if options["verbosity"] >= 1 else None)
            bar.finish()
        else:
            # Forked workers, each with its own database connection (closed here first, so no
            # child shares the parent's socket) and its own families: id modulo --processes.
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                shards = pool.starmap(_issue_shard, [(work, (k, processes), None) for k in range(processes)])
            results = [result for shard in shards for result in shard]
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
            "total": euros(total),
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


@dataclass(frozen=True)
class IssueSummary:
    family: str
    invoice_total: Decimal
    credit_total: Decimal
    problems: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.invoice_total or self.credit_total)


def _issue_shard(work: dict, shard: tuple[int, int], progress) -> list[IssueSummary]:
    """One process's share of the families, as plain summaries a worker can send back."""
    site = Site.objects.get(pk=work["site_id"])
    season = Season.objects.get(pk=work["season_id"])
    results = issue_invoices(
        site=site,
        season=season,
        actor=None,
        dry_run=work["dry_run"],
        progress=progress,
        render_pdf=work["render_pdf"],
        shard=shard,
    )
    return [
        IssueSummary(
            family=str(r.family),
            invoice_total=r.invoice_total,
            credit_total=r.credit_total,
            problems=list(r.problems),
        )
        for r in results
    ]
