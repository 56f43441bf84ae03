"""Writes about households and guardians: the portal's Famille tab and the secretariat's admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from extranet.base.audit import FieldChange
from extranet.base.editing import lock_version, save_versioned
from extranet.base.emails import send_email
from extranet.base.models import Site, User
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


# What the secretariat edits on a household's and a guardian's admin page (and exports, in this order).
STAFF_FAMILY_FIELDS = (
    "name",
    "external_reference",
    "site",
    "address",
    "postal_code",
    "city",
    "billing_mode",
    "payment_means",
    "family_quotient",
)
STAFF_GUARDIAN_FIELDS = ("site", "user", *GUARDIAN_FIELDS)


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
    guardian (or the secretariat) saved either meanwhile, StaleEditError is raised and nothing
    is written.
    """
    _check_editable(guardian_values, GUARDIAN_FIELDS)
    _check_editable(family_values, FAMILY_FIELDS)
    with transaction.atomic():
        locked_guardian = lock_version(
            Guardian.objects.filter(memberships__family=family), pk=guardian.pk, version=guardian_version
        )
        locked_family = lock_version(
            Family.objects.filter(pk=family.pk), pk=family.pk, version=family_version
        )
        old_email = locked_guardian.email
        guardian_changes = _save_guardian(
            locked_guardian, version=guardian_version, values=guardian_values, actor=guardian.user
        )
        family_changes = save_versioned(
            locked_family, version=family_version, values=family_values, actor=guardian.user
        )
        changes = guardian_changes + family_changes
        if changes:
            acknowledge_changes(
                guardian=locked_guardian,
                site=family.site,
                subject_label=_("votre famille"),
                changes=changes,
                former_email=old_email,
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


def update_guardian(*, guardian_id: int, actor: User, version: int, values: dict) -> list[FieldChange]:
    """A staff member edits a guardian in the admin: the same lock, version check, change record
    and acknowledgement as the Famille tab, the guardian told what the secretariat changed."""
    _check_editable(values, STAFF_GUARDIAN_FIELDS)
    with transaction.atomic():
        guardian = lock_version(Guardian.objects.select_related("site"), pk=guardian_id, version=version)
        old_email = guardian.email
        changes = _save_guardian(guardian, version=version, values=values, actor=actor)
        if changes:
            acknowledge_changes(
                guardian=guardian,
                site=guardian.site,
                subject_label=_("vos coordonnées"),
                changes=changes,
                former_email=old_email,
                by_staff=True,
            )
    return changes


def update_family(*, family_id: int, actor: User, version: int, values: dict) -> list[FieldChange]:
    """A staff member edits a household in the admin; each of its guardians is told what changed."""
    _check_editable(values, STAFF_FAMILY_FIELDS)
    with transaction.atomic():
        family = lock_version(Family.objects.select_related("site"), pk=family_id, version=version)
        changes = save_versioned(family, version=version, values=values, actor=actor)
        if changes:
            acknowledge_staff_changes(family=family, subject_label=_("votre famille"), changes=changes)
    return changes


def _save_guardian(
    guardian: Guardian, *, version: int, values: dict, actor: User | None
) -> list[FieldChange]:
    changes = save_versioned(guardian, version=version, values=values, actor=actor)
    _sync_login(guardian, [change.field for change in changes])
    return changes


def _check_editable(values: dict, allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")


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
    former_email: str = "",
    by_staff: bool = False,
    also_to: Iterable[str] = (),
    changed_by: Guardian | None = None,
) -> None:
    """The acknowledgement of receipt the law of 12 April 2000 asks for: each field, before and after.

    ``former_email``: the address a change of email leaves behind is told too, in case the change
    was not its owner's. ``by_staff``: the secretariat made the change, and the family is told so.
    ``changed_by``: another guardian made the change (the payer is told of a new billing choice).
    """
    recipients = [guardian.email, former_email, *also_to]
    send_email(
        "changes_acknowledgement",
        to=[address for address in dict.fromkeys(recipients) if address],
        context={
            "guardian": guardian,
            "site": site,
            "subject_label": subject_label,
            "changes": changes,
            "changed_at": timezone.localtime(),
            "by_staff": by_staff,
            "changed_by": changed_by,
        },
    )


def acknowledge_staff_changes(*, family: Family, subject_label: str, changes: list[FieldChange]) -> None:
    """What the secretariat changed on a household or a pupil, told to each guardian of the family."""
    for guardian in Guardian.objects.filter(memberships__family=family).exclude(email="").order_by("pk"):
        acknowledge_changes(
            guardian=guardian, site=family.site, subject_label=subject_label, changes=changes, by_staff=True
        )
