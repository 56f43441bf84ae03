"""Returned direct debits (rejects, returns, refunds asked by the debtor) and refund requests.

A reject makes the instalment due again (its presented debit no longer covers it), tells the
family by email and on Facturation what to do, and decides whether the next export presents it
again. Reasons that say the account or the mandate cannot be used (closed or blocked account,
no mandate, deceased debtor) revoke the mandate; reasons that say the debtor disagrees (MS02,
MD06) are not re-presented automatically: the family pays another way.

A return after collection (the bank takes back a debit already recorded as collected) is a
new record too: the payments stay, reversal entries take them back (``record_return``).

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
from billing.payment_models import DebitReject, DirectDebit, PaymentReversal, RefundRequest
from extranet.base.emails import send_email
from extranet.base.money import euros
from families.models import Family
from families.selectors import family_emails

Reason = DebitReject.Reason

# The account or the mandate is unusable: stop debiting it.
REVOKING_REASONS = {Reason.AC01, Reason.AC04, Reason.AC06, Reason.AG01, Reason.MD01, Reason.MD07}
# The debtor disputes the debit: do not present it again without their agreement.
DISPUTED_REASONS = {Reason.MS02, Reason.MD06}


def _check_reason(reason: str) -> None:
    if reason not in Reason.values:
        raise PaymentError(_("Code motif inconnu : %(code)s.") % {"code": reason}, field="reason")


def _locked_debit(direct_debit: DirectDebit) -> DirectDebit:
    return (
        DirectDebit.objects.select_for_update(of=("self",))
        .select_related("instalment__invoice__family__site", "mandate__details")
        .get(pk=direct_debit.pk)
    )


def _mark_returned(
    debit: DirectDebit, *, state: str, reason: str, returned_on: datetime.date, recorded_by, note: str
) -> DebitReject:
    """What a reject and a return after collection both write: the debit's new state and the
    bank's reason, with whether the instalment goes to the bank again."""
    debit.state = state
    debit.save(update_fields=["state"])
    return DebitReject.objects.create(
        direct_debit=debit,
        reason=reason,
        returned_on=returned_on,
        recorded_by=recorded_by,
        represent=reason not in REVOKING_REASONS and reason not in DISPUTED_REASONS,
        note=note,
    )


def record_reject(
    *,
    direct_debit: DirectDebit,
    reason: str,
    actor,
    returned_on: datetime.date | None = None,
    note: str = "",
) -> DebitReject:
    _check_reason(reason)
    with transaction.atomic():
        debit = _locked_debit(direct_debit)
        if debit.state == DirectDebit.State.COLLECTED:
            raise PaymentError(
                _("Ce prélèvement est déjà encaissé : enregistrez un retour après encaissement.")
            )
        if debit.state != DirectDebit.State.PRESENTED:
            raise PaymentError(_("Ce prélèvement a déjà été enregistré comme rejeté."))
        reject = _mark_returned(
            debit,
            state=DirectDebit.State.REJECTED,
            reason=reason,
            returned_on=returned_on or timezone.localdate(),
            recorded_by=actor,
            note=note,
        )
        represent = reject.represent
        mandate_revoked = _revoke_if_unusable(debit, reject, actor)
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


def _revoke_if_unusable(debit: DirectDebit, reject: DebitReject, actor) -> bool:
    """Revoke the debit's mandate when the reason says the account or the mandate is unusable."""
    if reject.reason not in REVOKING_REASONS or debit.mandate.revoked_on is not None:
        return False
    mandates.revoke_mandate(
        mandate=debit.mandate,
        actor=actor,
        reason=_("Prélèvement rejeté par la banque : %(reason)s") % {"reason": reject.get_reason_display()},
    )
    return True


def _collection_payments(debit: DirectDebit) -> list[Payment]:
    """The payments the debit's collection made, locked; by its receipt (a collection recorded
    before receipts were kept on the debit: by its reference)."""
    payments = Payment.objects.select_for_update(of=("self",)).filter(amount__gt=0, reversal__isnull=True)
    if debit.receipt_id:
        payments = payments.filter(receipt_id=debit.receipt_id)
    else:
        payments = payments.filter(
            reference=f"SEPA {debit.end_to_end_id}",
            instalment__invoice__family=debit.instalment.invoice.family,
        )
    return list(payments.select_related("means", "instalment__invoice").order_by("pk"))


def record_return(
    *,
    direct_debit: DirectDebit,
    reason: str,
    actor,
    returned_on: datetime.date | None = None,
    note: str = "",
) -> DebitReject:
    """The bank took back a debit already recorded as collected: a return after settlement
    (R-transaction), the debtor's refund right (MD06, 8 weeks) or an unauthorised debit (MD01,
    13 months). A new record, never an edit: the debit becomes "returned", each payment of its
    collection gets a reversal entry (a negative payment on the same instalment, with the
    reason), so the instalment is due again exactly as before the collection; a refund still
    pending for an overpayment of that collection is declined (the bank took that money back
    too); the mandate is revoked for the reasons that say it cannot be used; the family is told
    what to do, and the next file presents the instalment again unless the debtor disputes it."""
    _check_reason(reason)
    returned_on = returned_on or timezone.localdate()
    recorded_by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        debit = _locked_debit(direct_debit)
        if debit.state != DirectDebit.State.COLLECTED:
            raise PaymentError(
                _(
                    "Seul un prélèvement encaissé peut être retourné après encaissement ; celui-ci est %(state)s."
                )
                % {"state": debit.get_state_display()}
            )
        family = (
            Family.objects.select_for_update(of=("self",))
            .select_related("site")
            .get(pk=debit.instalment.invoice.family_id)
        )
        reject = _mark_returned(
            debit,
            state=DirectDebit.State.RETURNED,
            reason=reason,
            returned_on=returned_on,
            recorded_by=recorded_by,
            note=note,
        )
        represent = reject.represent
        why = _("Prélèvement %(reference)s retourné par la banque après encaissement : %(reason)s") % {
            "reference": debit.end_to_end_id,
            "reason": reject.get_reason_display(),
        }
        reversed_lines = []
        for payment in _collection_payments(debit):
            entry = Payment.objects.create(
                instalment=payment.instalment,
                means=payment.means,
                amount=-payment.amount,
                received_on=returned_on,
                reference=f"Retour SEPA {debit.end_to_end_id} {reason}"[:100],
                recorded_by=recorded_by,
            )
            PaymentReversal.objects.create(
                payment=payment, entry=entry, debit_reject=reject, reason=why, recorded_by=recorded_by
            )
            reversed_lines.append(payment)
        RefundRequest.objects.filter(direct_debit=debit, state=RefundRequest.State.REQUESTED).update(
            state=RefundRequest.State.DECLINED
        )
        mandate_revoked = _revoke_if_unusable(debit, reject, actor)
        taken_back = sum((payment.amount for payment in reversed_lines), Decimal("0.00"))
        send_email(
            "billing_debit_returned",
            to=family_emails(family),
            context={
                "family": family,
                "site": family.site,
                "debit": debit,
                "collection_date": debit.collection_date.strftime("%d/%m/%Y"),
                "returned_on": returned_on.strftime("%d/%m/%Y"),
                "amount": euros(debit.amount),
                "taken_back": euros(taken_back),
                "lines": [
                    {
                        "invoice": payment.instalment.invoice.number,
                        "rank": payment.instalment.rank,
                        "due_on": payment.instalment.due_on.strftime("%d/%m/%Y"),
                        "amount": euros(payment.amount),
                    }
                    for payment in reversed_lines
                ],
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
