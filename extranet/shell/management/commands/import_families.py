"""manage.py import_families --site S FILE.csv [--dry-run]: the format is in extranet/shell/imports.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext, ngettext

from extranet.base.management.progress import ProgressBar
from extranet.base.management.sites import add_site_argument, site_from_option
from extranet.base.statistics import refresh_planner_statistics
from extranet.shell.import_columns import columns_help
from extranet.shell.imports import ImportFileError, ImportSummary, import_families, read_import_file


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the help, where the columns are listed."""


class Command(BaseCommand):
    help = (
        """Importe les familles d'un site depuis l'export CSV de l'ancien logiciel : crée ou met à
jour les familles, leurs responsables (chacun avec un identifiant de connexion sans mot de passe :
le premier accès passe par send_credentials ou « Mot de passe perdu ») et leurs élèves. Tout le
fichier est vérifié d'abord : à la moindre erreur, chaque ligne fautive est signalée (numéro de
ligne, colonne, problème) et rien n'est enregistré. Relancer le même fichier ne change rien ; rien
n'est jamais supprimé et aucun mot de passe n'est modifié.

Fichier : UTF-8 (avec ou sans BOM), cellules séparées par « ; » ou « , », une ligne d'en-tête
puis une ligne par personne ; les lignes d'une même famille partagent sa reference_famille.
Colonnes (* obligatoire ; majuscules, accents et espaces ignorés dans l'en-tête) :
"""
        + columns_help()
        + """
Les colonnes de la famille se remplissent sur une de ses lignes ou sont répétées à l'identique.
Une cellule vide ne remplace jamais une valeur enregistrée.

Correspondances : famille par reference_famille ; responsable par identifiant, sinon par nom
dans la famille, sinon par e-mail et nom sur le site (un parent séparé présent dans deux familles
devient un seul responsable membre des deux) ; élève par famille, nom, prénom et date de
naissance."""
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = HelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument("file", metavar="FICHIER.csv", help=gettext("Export CSV de l'ancien logiciel."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext(
                "Vérifie le fichier et dit ce qui serait créé ou mis à jour, sans rien enregistrer."
            ),
        )

    def handle(self, *args, site: str, file: str, dry_run: bool, **options):
        site_obj = site_from_option(site)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                gettext("Impossible de lire le fichier %(path)s : %(error)s")
                % {"path": path, "error": error.strerror or error}
            ) from None
        try:
            import_file = read_import_file(data)
            bar = ProgressBar(len(import_file.households), stream=self.stderr._out, unit=gettext("familles"))
            try:
                summary = import_families(
                    site=site_obj, import_file=import_file, dry_run=dry_run, progress=bar.update
                )
            finally:
                bar.finish()
            if not dry_run:
                refresh_planner_statistics()
        except ImportFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(error.problems)
            raise CommandError(
                ngettext(
                    "%(count)d erreur dans %(path)s : rien n'a été enregistré.",
                    "%(count)d erreurs dans %(path)s : rien n'a été enregistré.",
                    count,
                )
                % {"count": count, "path": path.name}
            ) from None
        self.stdout.write(self.summary(summary, site=site_obj.slug, dry_run=dry_run))

    @staticmethod
    def summary(summary: ImportSummary, *, site: str, dry_run: bool) -> str:
        def counts(families: int, guardians: int, students: int) -> str:
            return ", ".join(
                [
                    ngettext("%(count)d famille", "%(count)d familles", families) % {"count": families},
                    ngettext("%(count)d responsable", "%(count)d responsables", guardians)
                    % {"count": guardians},
                    ngettext("%(count)d élève", "%(count)d élèves", students) % {"count": students},
                ]
            )

        params = {
            "site": site,
            "created": counts(summary.families_created, summary.guardians_created, summary.students_created),
            "updated": counts(summary.families_updated, summary.guardians_updated, summary.students_updated),
            "unchanged": counts(
                summary.families_unchanged, summary.guardians_unchanged, summary.students_unchanged
            ),
        }
        if dry_run:
            return (
                gettext(
                    "Simulation, rien n'a été enregistré. Site %(site)s – seraient ajoutés : %(created)s ; "
                    "seraient mis à jour : %(updated)s ; déjà à jour : %(unchanged)s."
                )
                % params
            )
        return (
            gettext(
                "Site %(site)s – ajoutés : %(created)s ; mis à jour : %(updated)s ; déjà à jour : %(unchanged)s."
            )
            % params
        )
