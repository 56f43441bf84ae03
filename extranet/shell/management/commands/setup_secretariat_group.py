"""Create or update the "Secrétariat" group: what a secretariat does all day in the admin."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import ngettext

GROUP_NAME = "Secrétariat"

# Apps whose every model the secretariat reads, creates and edits (never deletes).
WORKING_APPS = ("families", "students", "documents", "reenrolment", "billing")
# extranet models the secretariat maintains: sites, pôles, seasons, news, payment means. Data every
# site shares (seasons, payment means, disciplines, document types…) stays read-only for a site's
# own secretariat whatever the group grants (extranet.base.backends): central staff change it.
MAINTAINED = ("extranet.site", "extranet.pole", "extranet.season", "extranet.news", "extranet.paymentmeans")
# Read only: logins, the audit trail, the outbox, reference data, groups, login lockouts.
READ_ONLY = (
    "extranet.user",
    "extranet.changerecord",
    "extranet.outboundemail",
    "extranet.civility",
    "extranet.schoollevel",
    "extranet.socioprofessionalcategory",
    "auth.group",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
)
# Deletions a secretariat needs: rows inside a dossier, a news item, and unlocking a login
# (deleting its lock-out). Invoices and payments are never deleted.
DELETABLE = (
    "families.membership",
    "students.schoolrecord",
    "students.repertoireentry",
    "extranet.news",
    "axes.accessattempt",
)


def secretariat_permission_keys() -> set[tuple[str, str]]:
    """(app_label, codename) of every permission of the group, from the installed models."""
    installed = {app_config.label for app_config in apps.get_app_configs()}
    keys: set[tuple[str, str]] = set()
    for app_label in WORKING_APPS:
        if app_label not in installed:
            continue
        for model in apps.get_app_config(app_label).get_models():
            for action in ("view", "add", "change"):
                keys.add((app_label, f"{action}_{model._meta.model_name}"))
    for label in MAINTAINED:
        app_label, model_name = label.split(".")
        for action in ("view", "add", "change"):
            keys.add((app_label, f"{action}_{model_name}"))
    for label in READ_ONLY:
        app_label, model_name = label.split(".")
        if app_label in installed:
            keys.add((app_label, f"view_{model_name}"))
    for label in DELETABLE:
        app_label, model_name = label.split(".")
        if app_label in installed:
            keys.add((app_label, f"delete_{model_name}"))
    return keys


@transaction.atomic
def setup_secretariat_group() -> tuple[Group, int]:
    """Give the group exactly its permissions (idempotent). Returns the group and their count."""
    # Permissions are created after migrate; make sure they exist when run right after it.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    keys = secretariat_permission_keys()
    wanted = Permission.objects.filter(content_type__app_label__in={app for app, _ in keys})
    permissions = [
        p for p in wanted.select_related("content_type") if (p.content_type.app_label, p.codename) in keys
    ]
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)
    return group, len(permissions)


class Command(BaseCommand):
    help = (
        "Crée ou met à jour le groupe « Secrétariat » : consulter, ajouter et modifier familles, élèves, "
        "cours, documents, réinscriptions et facturation ; sites, pôles, saisons, actualités et moyens de "
        "paiement ; comptes, historique des modifications et e-mails en lecture seule ; jamais de "
        "suppression de facture. Les données communes à tous les sites (saisons, disciplines, cycles, types "
        "de documents, moyens de paiement…) restent en lecture seule pour le secrétariat d'un site : seuls "
        "les comptes « tous les sites » et les superutilisateurs les modifient. Sans effet s'il est déjà à "
        "jour : à relancer après chaque mise à jour, puis ajoutez les comptes de l'équipe au groupe."
    )

    def handle(self, *args, **options):
        group, count = setup_secretariat_group()
        self.stdout.write(
            ngettext(
                "Groupe « %(group)s » : %(count)d permission.",
                "Groupe « %(group)s » : %(count)d permissions.",
                count,
            )
            % {"group": group.name, "count": count}
        )
