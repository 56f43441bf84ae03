"""Returned direct debits (rejects, returns, refunds asked by the debtor) and refund requests.

A reject makes the instalment due again (its presented debit no longer covers it), tells the
family by email and on Facturation what to do, and decides whether the next export presents it
again. Reasons that say the account or the mandate cannot be used (closed or blocked account,
no mandate, deceased debtor) revoke the mandate; reasons that say the debtor disagrees (MS02,
MD06) are not re-presented automatically: the family pays another way.

Money going back to a family (an overpayment, a refund) is never a hand-edited amount: it is a
refund request that the secretariat settles with a credit note.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import mandates, services
from billing.models import Invoice, InvoiceLine, Payment
from billing.payment_errors import PaymentError
from billing.payment_models import DebitReject, DirectDebit, RefundRequest
from extranet.base.emails import send_email
from extranet.base.money import euros
from families.selectors import family_emails

Reason = DebitReject.Reason

# The account or the mandate is unusable: stop debiting it.
REVOKING_REASONS = {Reason.AC01, Reason.AC04, Reason.AC06, Reason.AG01, Reason.MD01, Reason.MD07}
# The debtor disputes the debit: do not present it again without their agreement.
DISPUTED_REASONS = {Reason.MS02, Reason.MD06}


def record_reject(
    *,
    direct_debit: DirectDebit,
    reason: str,
    actor,
    returned_on: datetime.date | None = None,
    note: str = "",
) -> DebitReject:
    if reason not in Reason.values:
        raise PaymentError(_("Code motif inconnu : %(code)s.") % {"code": reason}, field="reason")
    with transaction.atomic():
        debit = (
            DirectDebit.objects.select_for_update(of=("self",))
            .select_related("instalment__invoice__family__site", "mandate__details")
            .get(pk=direct_debit.pk)
        )
        if debit.state != DirectDebit.State.PRESENTED:
            raise PaymentError(_("Ce prélèvement a déjà été enregistré comme rejeté."))
        debit.state = DirectDebit.State.REJECTED
        debit.save(update_fields=["state"])
        represent = reason not in REVOKING_REASONS and reason not in DISPUTED_REASONS
        reject = DebitReject.objects.create(
            direct_debit=debit,
            reason=reason,
            returned_on=returned_on or timezone.localdate(),
            recorded_by=actor,
            represent=represent,
            note=note,
        )
        mandate_revoked = False
        if reason in REVOKING_REASONS and debit.mandate.revoked_on is None:
            mandates.revoke_mandate(
                mandate=debit.mandate,
                actor=actor,
                reason=_("Prélèvement rejeté par la banque : %(reason)s")
                % {"reason": reject.get_reason_display()},
            )
            mandate_revoked = True
        family = debit.instalment.invoice.family
        send_email(
            "billing_debit_rejected",
            to=family_emails(family),
            context={
                "family": family,
                "site": family.site,
                "debit": debit,
                "reason_label": reject.get_reason_display(),
                "represent": represent,
                "mandate_revoked": mandate_revoked,
                "invoices_url": settings.SITE_URL + reverse("billing:invoices"),
            },
        )
    return reject


def received_on_invoice(invoice: Invoice) -> Decimal:
    """Payments plus direct debits presented and not rejected."""
    paid = Payment.objects.filter(instalment__invoice=invoice).aggregate(total=Sum("amount"))["total"]
    debited = (
        DirectDebit.objects.presented()
        .filter(instalment__invoice=invoice)
        .aggregate(total=Sum("amount"))["total"]
    )
    return (paid or Decimal("0.00")) + (debited or Decimal("0.00"))


def request_refund(*, invoice: Invoice, amount: Decimal, reason: str, actor) -> RefundRequest:
    """Ask for money back to the family; never more than it paid on the invoice."""
    if amount is None or amount <= 0:
        raise PaymentError(_("Le montant à rembourser doit être positif."), field="amount")
    if not reason.strip():
        raise PaymentError(_("Indiquez le motif du remboursement."), field="reason")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        pending = RefundRequest.objects.filter(invoice=locked).exclude(
            state=RefundRequest.State.DECLINED
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        refundable = received_on_invoice(locked) - pending
        if amount > refundable:
            raise PaymentError(
                _("Au plus %(amount)s peuvent être remboursés sur cette facture.")
                % {"amount": euros(refundable)},
                field="amount",
            )
        return RefundRequest.objects.create(
            family_id=locked.family_id,
            invoice=locked,
            amount=amount,
            reason=reason.strip(),
            requested_by=actor,
        )


def settle_refund(*, refund: RefundRequest, actor) -> RefundRequest:
    """Settle a refund request by billing's credit note: ``cancel_invoice`` credits the amount
    on the invoice's lines (what was already paid shows on the note as to be refunded), and the
    request is linked to that note. An issued invoice is never edited."""
    with transaction.atomic():
        locked = RefundRequest.objects.select_for_update().select_related("invoice").get(pk=refund.pk)
        if locked.state != RefundRequest.State.REQUESTED:
            raise PaymentError(_("Cette demande de remboursement est déjà traitée."))
        left = locked.amount
        credit_lines = []
        for line in locked.invoice.lines.exclude(kind=InvoiceLine.Kind.REDUCTION).order_by("-pk"):
            if left <= 0:
                break
            take = min(line.amount, left)
            if take > 0:
                credit_lines.append(services.CreditLine(line=line, amount=take))
                left -= take
        if left > 0:
            raise PaymentError(
                _("Les lignes de la facture %(number)s ne suffisent pas pour un avoir de %(amount)s.")
                % {"number": locked.invoice.number, "amount": euros(locked.amount)}
            )
        try:
            credit_note = services.cancel_invoice(
                invoice=locked.invoice,
                reason=locked.reason or _("Remboursement"),
                actor=actor,
                lines=credit_lines,
            )
        except services.BillingError as error:
            raise PaymentError(error.message) from error
        locked.credit_note = credit_note
        locked.state = RefundRequest.State.SETTLED
        locked.save(update_fields=["credit_note", "state"])
    return locked
