"""Writes about households and guardians: the portal's Famille tab and the secretariat's admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from extranet.base.audit import FieldChange, creation_changes, record_changes
from extranet.base.editing import lock_version, save_versioned
from extranet.base.emails import send_email
from extranet.base.errors import DomainError
from extranet.base.models import Site, User
from families.models import Family, Guardian, Membership


class MembershipError(DomainError):
    """A guardian cannot join, change in or leave a household that way: nothing was written."""


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


# --- Created by the secretariat -------------------------------------------------------------------


def create_family(*, actor: User, values: dict) -> Family:
    """A staff member adds a household in the admin; the record names them ("créé")."""
    _check_editable(values, STAFF_FAMILY_FIELDS)
    with transaction.atomic():
        family = Family.objects.create(**values)
        record_changes(actor=actor, instance=family, changes=creation_changes(family, list(values)))
    return family


def create_guardian(*, actor: User, values: dict) -> Guardian:
    """A staff member adds a guardian in the admin. The guardian hears from the school when it joins
    a household (``add_membership``) and when ``send_credentials`` gives it its login."""
    _check_editable(values, STAFF_GUARDIAN_FIELDS)
    with transaction.atomic():
        guardian = Guardian.objects.create(**values)
        _sync_login(guardian, list(values))
        record_changes(actor=actor, instance=guardian, changes=creation_changes(guardian, list(values)))
    return guardian


# --- Who belongs to a household ---------------------------------------------------------------------


def check_payer(*, family: Family, membership_id: int | None, leaving: Iterable[int] = ()) -> None:
    """A household has at most one payer: refuse another one while ``family`` has a payer that is
    neither this membership nor one of ``leaving`` (memberships unticked or removed in the same save)."""
    payers = Membership.objects.filter(family=family, is_payer=True).select_related("guardian")
    payer = payers.exclude(pk__in=[membership_id, *leaving]).first()
    if payer is not None:
        raise MembershipError(
            _("La famille %(family)s a déjà un payeur : %(payer)s. Décochez-le d'abord.")
            % {"family": family.name, "payer": payer.guardian.full_name},
            field="is_payer",
        )


def check_same_site(*, family: Family, guardian: Guardian, field: str = "guardian") -> None:
    """A household and its guardians belong to one site (one secretariat, one login site).
    ``field``: the form field the refusal is shown next to (the one that was picked)."""
    if guardian.site_id != family.site_id:
        raise MembershipError(
            _("%(guardian)s est inscrit sur un autre site que la famille %(family)s.")
            % {"guardian": guardian.full_name, "family": family.name},
            field=field,
        )


def add_membership(
    *, family_id: int, guardian_id: int, actor: User, relationship: str, is_payer: bool
) -> Membership:
    """A staff member puts a guardian in a household: same site, not twice, at most one payer.
    The change is recorded on the household and told to its guardians, the newcomer included."""
    with transaction.atomic():
        family = _lock_family(family_id)
        guardian = Guardian.objects.select_for_update(of=("self",)).get(pk=guardian_id)
        check_same_site(family=family, guardian=guardian)
        if Membership.objects.filter(family=family, guardian=guardian).exists():
            raise MembershipError(
                _("%(guardian)s est déjà responsable de la famille %(family)s.")
                % {"guardian": guardian.full_name, "family": family.name},
                field="guardian",
            )
        if is_payer:
            check_payer(family=family, membership_id=None)
        membership = Membership.objects.create(
            family=family, guardian=guardian, relationship=relationship, is_payer=is_payer
        )
        _record_membership(actor=actor, membership=membership, old="", new=_membership_text(membership))
    return membership


def change_membership(*, membership_id: int, actor: User, relationship: str, is_payer: bool) -> Membership:
    """A staff member changes a guardian's link to a household or makes them the payer."""
    with transaction.atomic():
        membership = _lock_membership(membership_id)
        if is_payer and not membership.is_payer:
            check_payer(family=membership.family, membership_id=membership.pk)
        old = _membership_text(membership)
        membership.relationship, membership.is_payer = relationship, is_payer
        new = _membership_text(membership)
        if new != old:
            membership.save(update_fields=["relationship", "is_payer"])
            _record_membership(actor=actor, membership=membership, old=old, new=new)
    return membership


def remove_membership(*, membership_id: int, actor: User) -> None:
    """A staff member takes a guardian out of a household; the guardian leaving is told too."""
    with transaction.atomic():
        membership = _lock_membership(membership_id)
        _record_membership(actor=actor, membership=membership, old=_membership_text(membership), new="")
        membership.delete()


def _lock_family(family_id: int) -> Family:
    return Family.objects.select_for_update(of=("self",)).select_related("site").get(pk=family_id)


def _lock_membership(membership_id: int) -> Membership:
    family_id = Membership.objects.values_list("family_id", flat=True).get(pk=membership_id)
    _lock_family(family_id)  # the household first, as add_membership does: one payer at a time
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("family__site", "guardian")
        .get(pk=membership_id)
    )


def _membership_text(membership: Membership) -> str:
    text = membership.get_relationship_display()
    return f"{text}, {_('payeur')}" if membership.is_payer else text


def _record_membership(*, actor: User, membership: Membership, old: str, new: str) -> None:
    """One change record on the household, and each of its guardians (at this point) told."""
    family, guardian = membership.family, membership.guardian
    change = FieldChange(
        field=f"membership.{guardian.pk}",
        label=_("Responsable %(name)s") % {"name": guardian.full_name},
        old=old,
        new=new,
    )
    record_changes(actor=actor, instance=family, changes=[change])
    acknowledge_staff_changes(family=family, subject_label=_("votre famille"), changes=[change])
