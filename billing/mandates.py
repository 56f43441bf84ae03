"""Writes about SEPA mandates: set one up online, amend it, replace it, revoke it, activate it
when the secretariat validates the signed copy in Documents fournis, and show a full IBAN to
staff only with a recorded reason.

SEPA rules followed here (EPC SDD Core rulebook):
- the mandate reference (RUM) is unique for the creditor, at most 35 characters, and never
  derived from the account: it is random;
- a change of debtor account makes a new mandate (new RUM, new signature, first debit FRST);
  the old one is replaced and no longer debited;
- a change of the holder's name on the same account is an amendment of the mandate in force:
  same RUM, recorded with who and when;
- a mandate is debited only once its signed copy has been validated by the secretariat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import crypto
from billing.iban import BankAccountError, mask_iban, parse_account
from billing.models import Mandate
from billing.payment_errors import PaymentError
from billing.payment_models import IbanDisclosure, MandateDetails, MandateStateChange
from documents.models import Document
from extranet.base.audit import FieldChange, record_changes
from extranet.base.emails import send_email
from families.models import Family
from families.selectors import family_emails

MANDATE_DOCUMENT_CODE = "mandat-prelevement"
# Characters allowed in a SEPA mandate identifier, kept to the unambiguous ones.
_RUM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

State = MandateDetails.State


@dataclass(frozen=True)
class MandateOutcome:
    mandate: Mandate
    created: bool  # a new RUM was issued (first mandate or change of account)
    amended: bool  # the holder of the mandate in force changed


def new_reference(family: Family) -> str:
    """``TUTTI-MALAKOFF-2026-7KQ2M9XD4P``: site, year and 10 random characters, never the IBAN."""
    site = "".join(c for c in family.site.slug.upper() if c.isalnum())[:12] or "SITE"
    year = timezone.localdate().year
    while True:
        suffix = "".join(secrets.choice(_RUM_ALPHABET) for _ in range(10))
        reference = f"TUTTI-{site}-{year}-{suffix}"
        if not Mandate.objects.filter(reference=reference).exists():
            return reference


def current_mandate(family: Family) -> Mandate | None:
    """The family's mandate in force or awaiting its signed copy (at most one: a DB constraint)."""
    return Mandate.objects.filter(family=family, revoked_on__isnull=True).select_related("details").first()


def _record_state(*, mandate: Mandate, old: str, new: str, actor, reason: str = "") -> None:
    MandateStateChange.objects.create(
        mandate=mandate, old_state=old, new_state=new, actor=actor, reason=reason
    )


def _email_context(mandate: Mandate, **extra) -> dict:
    return {
        "family": mandate.family,
        "site": mandate.family.site,
        "mandate": mandate,
        "masked_iban": mask_iban(mandate.iban),
        "creditor_identifier": mandate.family.site.sepa_creditor_identifier,
        "mandate_url": settings.SITE_URL + reverse("billing:mandate"),
        "documents_url": settings.SITE_URL + reverse("documents:family"),
        **extra,
    }


def _create(*, family: Family, holder_name: str, iban: str, bic: str, actor, replaces: Mandate | None):
    today = timezone.localdate()
    mandate = Mandate.objects.create(
        family=family,
        reference=new_reference(family),
        holder_name=holder_name,
        iban=mask_iban(iban).replace(" ", ""),
        bic=bic,
        # The date printed on the pre-filled form; replaced by the signature date on validation.
        signed_on=today,
    )
    MandateDetails.objects.create(
        mandate=mandate,
        iban_encrypted=crypto.encrypt(iban),
        iban_fingerprint=crypto.fingerprint(iban),
        created_by=actor,
        replaces=replaces,
    )
    _record_state(mandate=mandate, old="", new=State.AWAITING_SIGNATURE, actor=actor)
    return mandate


def set_up_mandate(*, family: Family, holder_name: str, iban: str, bic: str = "", actor) -> MandateOutcome:
    """Enter or change the account to debit. Raises ``PaymentError`` with a French message."""
    holder_name = " ".join(holder_name.split())
    if not holder_name:
        raise PaymentError(_("Indiquez le nom du titulaire du compte."), field="holder_name")
    if len(holder_name) > 70:
        raise PaymentError(_("Le nom du titulaire compte au plus 70 caractères."), field="holder_name")
    try:
        account = parse_account(iban=iban, bic=bic)
    except BankAccountError as error:
        raise PaymentError(error.message, field=error.field) from None
    if not account.bic:
        raise PaymentError(
            _("La banque de cet IBAN n'a pas pu être reconnue : indiquez le BIC figurant sur votre RIB."),
            field="bic",
        )
    with transaction.atomic():
        locked = Family.objects.select_for_update().select_related("site").get(pk=family.pk)
        current = current_mandate(locked)
        if current is not None:
            Mandate.objects.select_for_update().filter(pk=current.pk).first()
        if current is not None and current.details.iban_fingerprint == crypto.fingerprint(account.iban):
            before = {"holder_name": current.holder_name, "bic": current.bic}
            if before == {"holder_name": holder_name, "bic": account.bic}:
                return MandateOutcome(mandate=current, created=False, amended=False)
            current.holder_name = holder_name
            current.bic = account.bic
            current.save(update_fields=["holder_name", "bic"])
            changes = [
                FieldChange(
                    field=name, label=str(Mandate._meta.get_field(name).verbose_name), old=old, new=new
                )
                for name, old, new in (
                    ("holder_name", before["holder_name"], holder_name),
                    ("bic", before["bic"], account.bic),
                )
                if old != new
            ]
            record_changes(actor=actor, instance=current, changes=changes)
            send_email("billing_mandate_amended", to=family_emails(locked), context=_email_context(current))
            return MandateOutcome(mandate=current, created=False, amended=True)
        if current is not None:
            # A new account is a new mandate: the old one stops here.
            old_state = current.details.state
            current.revoked_on = timezone.localdate()
            current.save(update_fields=["revoked_on"])
            current.details.state = State.REPLACED
            current.details.save(update_fields=["state"])
            _record_state(
                mandate=current,
                old=old_state,
                new=State.REPLACED,
                actor=actor,
                reason=_("Changement de compte"),
            )
        mandate = _create(
            family=locked,
            holder_name=holder_name,
            iban=account.iban,
            bic=account.bic,
            actor=actor,
            replaces=current,
        )
        send_email("billing_mandate_created", to=family_emails(locked), context=_email_context(mandate))
    return MandateOutcome(mandate=mandate, created=True, amended=False)


def _lock(mandate: Mandate) -> Mandate:
    return (
        Mandate.objects.select_for_update(of=("self",))
        .select_related("details", "family__site")
        .get(pk=mandate.pk)
    )


def revoke_mandate(*, mandate: Mandate, actor, reason: str = "") -> Mandate:
    """The family (or the secretariat) ends the mandate: no debit is presented on it any more."""
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.revoked_on is not None:
            raise PaymentError(_("Ce mandat n'est plus en vigueur."))
        old_state = locked.details.state
        locked.revoked_on = timezone.localdate()
        locked.save(update_fields=["revoked_on"])
        locked.details.state = State.REVOKED
        locked.details.save(update_fields=["state"])
        _record_state(mandate=locked, old=old_state, new=State.REVOKED, actor=actor, reason=reason)
        send_email(
            "billing_mandate_revoked",
            to=family_emails(locked.family),
            context=_email_context(locked, reason=reason),
        )
    return locked


def activate_mandate(*, mandate: Mandate, document: Document, actor) -> Mandate:
    """The secretariat validated the signed mandate: debits may now be presented on it."""
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.details.state != State.AWAITING_SIGNATURE:
            raise PaymentError(_("Ce mandat n'attend pas de signature."))
        if document.family_id != locked.family_id or document.state != Document.State.VALIDATED:
            raise PaymentError(_("Le mandat signé doit être un document validé de la même famille."))
        locked.signed_on = document.document_date or timezone.localdate(document.uploaded_at)
        locked.save(update_fields=["signed_on"])
        locked.details.state = State.ACTIVE
        locked.details.activated_at = timezone.now()
        locked.details.signed_document = document
        locked.details.save(update_fields=["state", "activated_at", "signed_document"])
        _record_state(
            mandate=locked,
            old=State.AWAITING_SIGNATURE,
            new=State.ACTIVE,
            actor=actor,
            reason=_("Mandat signé validé dans les documents fournis"),
        )
        send_email("billing_mandate_active", to=family_emails(locked.family), context=_email_context(locked))
    return locked


def documents_changed(*, family: Family, student=None, at=None) -> None:
    """Told by documents after each change: a validated signed mandate activates the one awaiting it.

    Only a copy handed in after the mandate was issued counts: an older paper mandate carries
    another RUM.
    """
    if student is not None:
        return
    mandate = (
        Mandate.objects.filter(
            family=family, revoked_on__isnull=True, details__state=State.AWAITING_SIGNATURE
        )
        .select_related("details")
        .first()
    )
    if mandate is None:
        return
    document = (
        Document.objects.filter(
            family=family,
            student__isnull=True,
            document_type__code=MANDATE_DOCUMENT_CODE,
            state=Document.State.VALIDATED,
            uploaded_at__gte=mandate.details.created_at,
        )
        .select_related("checked_by")
        .order_by("-checked_at", "-pk")
        .first()
    )
    if document is not None:
        activate_mandate(mandate=mandate, document=document, actor=document.checked_by)


def mandate_iban(mandate: Mandate) -> str:
    """The full IBAN, for the bank file only. Staff reads go through ``reveal_iban``."""
    return crypto.decrypt(mandate.details.iban_encrypted)


def reveal_iban(*, mandate: Mandate, actor, reason: str) -> str:
    """A staff member sees a full IBAN: only with a reason, and the reading is recorded."""
    reason = reason.strip()
    if len(reason) < 10:
        raise PaymentError(
            _("Indiquez pourquoi vous avez besoin de l'IBAN complet (10 caractères au moins)."),
            field="reason",
        )
    if not (actor.is_active and actor.is_staff):
        raise PaymentError(_("Seule l'équipe du conservatoire peut consulter un IBAN complet."))
    with transaction.atomic():
        IbanDisclosure.objects.create(mandate=mandate, actor=actor, reason=reason)
    return mandate_iban(mandate)
