"""Writes about households made by their guardians from the portal (Famille tab)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from extranet.base.audit import FieldChange, record_changes
from extranet.base.editing import apply_values, bump_version, lock_version
from extranet.base.emails import send_email
from extranet.base.models import Site
from families.models import Family, Guardian

GUARDIAN_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "family_situation",
    "profession",
    "socio_professional_category",
    "address",
    "postal_code",
    "city",
    "phone_home",
    "phone_work",
    "email",
    "mobile",
)
FAMILY_FIELDS = ("billing_mode", "payment_means")
# The login carries the names and email too: password rules compare against them, and the
# "Mot de passe perdu" form matches the email.
USER_FIELDS = {"first_name": "first_name", "last_name": "last_name", "email": "email"}


def update_family_details(
    *,
    family: Family,
    guardian: Guardian,
    guardian_version: int,
    family_version: int,
    guardian_values: dict,
    family_values: dict,
) -> list[FieldChange]:
    """Save the Famille tab: the logged-in guardian's identity and the household's billing choice.

    Both rows are locked and checked against the versions the form was built from; if another
    guardian saved either meanwhile, StaleEditError is raised and nothing is written.
    """
    if set(guardian_values) - set(GUARDIAN_FIELDS) or set(family_values) - set(FAMILY_FIELDS):
        raise ValueError("not editable by families")
    with transaction.atomic():
        locked_guardian = lock_version(
            Guardian.objects.filter(memberships__family=family), pk=guardian.pk, version=guardian_version
        )
        locked_family = lock_version(
            Family.objects.filter(pk=family.pk), pk=family.pk, version=family_version
        )
        old_email = locked_guardian.email
        guardian_changes = apply_values(locked_guardian, guardian_values)
        family_changes = apply_values(locked_family, family_values)
        if guardian_changes:
            bump_version(
                locked_guardian, version=guardian_version, fields=[c.field for c in guardian_changes]
            )
            record_changes(actor=guardian.user, instance=locked_guardian, changes=guardian_changes)
            _sync_login(locked_guardian, [c.field for c in guardian_changes])
        if family_changes:
            bump_version(locked_family, version=family_version, fields=[c.field for c in family_changes])
            record_changes(actor=guardian.user, instance=locked_family, changes=family_changes)
        changes = guardian_changes + family_changes
        if changes:
            acknowledge_changes(
                guardian=locked_guardian,
                site=family.site,
                subject_label=_("votre famille"),
                changes=changes,
                also_to=[old_email] if old_email and old_email != locked_guardian.email else [],
            )
        if family_changes:
            # The billing choice commits the payer: a payer who did not make the change is told.
            payers = Guardian.objects.filter(memberships__family=family, memberships__is_payer=True).exclude(
                pk=locked_guardian.pk
            )
            for payer in payers:
                acknowledge_changes(
                    guardian=payer,
                    site=family.site,
                    subject_label=_("votre famille"),
                    changes=family_changes,
                    changed_by=locked_guardian,
                )
    return changes


def _sync_login(guardian: Guardian, changed: list[str]) -> None:
    fields = {USER_FIELDS[name]: getattr(guardian, name) for name in changed if name in USER_FIELDS}
    if fields and guardian.user_id:
        type(guardian.user)._default_manager.filter(pk=guardian.user_id).update(**fields)


def acknowledge_changes(
    *,
    guardian: Guardian,
    site: Site,
    subject_label: str,
    changes: list[FieldChange],
    also_to: Iterable[str] = (),
    changed_by: Guardian | None = None,
) -> None:
    """The acknowledgement of receipt the law of 12 April 2000 asks for: each field, before and after.

    ``changed_by``: another guardian made the change (the payer is told of a new billing choice).
    """
    recipients = [guardian.email, *also_to]
    send_email(
        "changes_acknowledgement",
        to=[address for address in dict.fromkeys(recipients) if address],
        context={
            "guardian": guardian,
            "site": site,
            "subject_label": subject_label,
            "changes": changes,
            "changed_at": timezone.localtime(),
            "changed_by": changed_by,
        },
    )
