"""Build the demo conservatory (idempotent), and optionally N generated families for scale tests."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from extranet.base.management.progress import ProgressBar
from extranet.base.statistics import refresh_planner_statistics
from extranet.shell.demo import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    SECRETARIAT_PASSWORD,
    add_generated_families,
    build_demo,
)


class Command(BaseCommand):
    help = (
        "Crée ou met à jour le conservatoire de démonstration : sites Malakoff et Sèvre Loire, saisons "
        "passée, en cours et suivante selon la date du jour, disciplines, cours, actualités, périodes de "
        "réinscription (celle de Malakoff ouverte), familles de démonstration aux mots de passe connus, "
        "tarifs et factures de la saison en cours (une payée, une avec une échéance en retard, une en 8 "
        "fois), comptes du secrétariat et d'administration. Le relancer ne change rien. --families N ajoute N familles générées pour "
        "les tests de charge. Refuse de s'exécuter si DEBUG est désactivé, sauf avec --force, puisqu'il "
        "crée des mots de passe connus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--families",
            type=int,
            default=0,
            metavar="N",
            help=gettext("Ajoute aussi N familles générées."),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help=gettext("Familles générées insérées par lot (500 par défaut)."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext("S'exécute même si DEBUG est désactivé (crée des mots de passe connus)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext("Fait tout dans une transaction, puis l'annule."),
        )

    def handle(self, *args, families: int, batch_size: int, force: bool, dry_run: bool, **options):
        self.verbosity = options["verbosity"]
        if not settings.DEBUG and not force:
            raise CommandError(
                gettext(
                    "seed_demo crée des comptes aux mots de passe connus : il ne s'exécute qu'avec "
                    "DEBUG=1, ou avec --force sur une base de données que l'on peut jeter."
                )
            )
        if families < 0:
            raise CommandError(gettext("--families doit valoir 0 ou plus."))
        if batch_size < 1:
            raise CommandError(gettext("--batch-size doit valoir 1 ou plus."))
        if not dry_run:
            # Each batch of generated families commits on its own: an interrupted load keeps
            # what it inserted, and the next run continues the numbering.
            self.seed(families=families, batch_size=batch_size)
            return
        with transaction.atomic():
            self.seed(families=families, batch_size=batch_size)
            transaction.set_rollback(True)
        self.stdout.write(gettext("Simulation : rien n'a été enregistré."))

    def seed(self, *, families: int, batch_size: int) -> None:
        summary = build_demo()
        if self.verbosity >= 1:
            self.stdout.write(self.demo_summary(summary))
            logins = [
                (
                    gettext("familles (site Malakoff)"),
                    "famille.demo, famille.demo2, famille.voisin",
                    DEMO_PASSWORD,
                ),
                (
                    gettext("familles (site Sèvre Loire)"),
                    "famille.loire, famille.moreau, famille.giraud",
                    DEMO_PASSWORD,
                ),
                (gettext("secrétariat (admin)"), "secretariat", SECRETARIAT_PASSWORD),
                (gettext("superutilisateur (admin)"), "admin", ADMIN_PASSWORD),
            ]
            for who, identifiers, password in logins:
                line = gettext("%(who)s : %(identifiers)s / %(password)s")
                self.stdout.write(
                    "  " + line % {"who": who, "identifiers": identifiers, "password": password}
                )
        if not families:
            return
        started = time.monotonic()
        bar = None
        if self.verbosity >= 1:
            bar = ProgressBar(families, stream=self.stdout._out, unit=gettext("familles"))
        added = add_generated_families(families, batch_size=batch_size, progress=bar.update if bar else None)
        if bar:
            bar.finish()
        refresh_planner_statistics()
        elapsed = time.monotonic() - started
        rate = added.families / elapsed if elapsed else 0
        self.stdout.write(
            gettext(
                "Ajoutés : %(families)s, %(guardians)s, %(students)s, %(enrolments)s "
                "en %(seconds)s s (%(rate)s familles/s)."
            )
            % {
                "families": ngettext("%(count)d famille", "%(count)d familles", added.families)
                % {"count": added.families},
                "guardians": ngettext("%(count)d responsable", "%(count)d responsables", added.guardians)
                % {"count": added.guardians},
                "students": ngettext("%(count)d élève", "%(count)d élèves", added.students)
                % {"count": added.students},
                "enrolments": ngettext("%(count)d inscription", "%(count)d inscriptions", added.enrolments)
                % {"count": added.enrolments},
                "seconds": f"{elapsed:.1f}",
                "rate": f"{rate:.0f}",
            }
        )

    @staticmethod
    def demo_summary(summary) -> str:
        return gettext(
            "Démo prête : %(sites)s, %(courses)s, %(families)s, %(students)s "
            "(ajoutés : %(documents)s, %(dossiers)s, %(invoices)s)."
        ) % {
            "sites": ngettext("%(count)d site", "%(count)d sites", summary.sites) % {"count": summary.sites},
            "courses": ngettext("%(count)d cours", "%(count)d cours", summary.courses)
            % {"count": summary.courses},
            "families": ngettext(
                "%(count)d famille de démonstration", "%(count)d familles de démonstration", summary.families
            )
            % {"count": summary.families},
            "students": ngettext("%(count)d élève", "%(count)d élèves", summary.students)
            % {"count": summary.students},
            "documents": ngettext("%(count)d document", "%(count)d documents", summary.documents)
            % {"count": summary.documents},
            "dossiers": ngettext(
                "%(count)d dossier de réinscription", "%(count)d dossiers de réinscription", summary.dossiers
            )
            % {"count": summary.dossiers},
            "invoices": ngettext("%(count)d facture", "%(count)d factures", summary.invoices)
            % {"count": summary.invoices},
        }
