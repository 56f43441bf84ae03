"""Card payment online through eopayment: the one boundary with the payment providers.

Each site names its provider in ``PAYMENTS_ONLINE_PROVIDERS`` (PayFiP web-service mode for a
public treasury, Systempay or Payzen for a bank; eopayment's ``dummy`` in the demo and tests).

Rules:
- nothing is paid until the provider's answer is verified server-side: a signature checked by
  eopayment (Systempay/Payzen), or PayFiP's own web service asked by eopayment, or the dummy
  backend's ``signed`` mark; the amount, when the provider returns it, must be ours;
- every answer, accepted or not, is logged (``PaymentNotification``); a forged, tampered,
  unknown or replayed one changes nothing;
- answers are idempotent: a transaction is paid once, whatever arrives afterwards;
- a payment whose notification never came is settled by ``billing_poll_payments``, which asks
  the provider where eopayment can (PayFiP) and expires the others after a delay.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

import eopayment
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services
from billing.payment_errors import PaymentError
from billing.payment_models import (
    OnlineTransaction,
    OnlineTransactionLine,
    PaymentNotification,
    RefundRequest,
)
from billing.payment_selectors import open_instalments
from extranet.base.emails import send_email
from extranet.base.models import PaymentMeans, Site
from families.models import Family
from families.selectors import family_emails

logger = logging.getLogger(__name__)

BACKENDS = {"dummy", "payfip_ws", "systempayv2", "payzen"}
# What ``start_payment`` returns to send the browser on: a URL, or a form to post.
REDIRECT_URL = eopayment.URL
REDIRECT_FORM = eopayment.FORM
CARD_MEANS_CODE = "card"
Outcome = PaymentNotification.Outcome
Channel = PaymentNotification.Channel


def provider_config(site: Site) -> dict | None:
    """The site's provider settings, or None when the site takes no payment online."""
    providers = settings.PAYMENTS_ONLINE_PROVIDERS
    config = providers.get(site.slug) or providers.get("*")
    return dict(config) if config else None


def is_enabled(site: Site) -> bool:
    return provider_config(site) is not None


def _provider(site: Site) -> tuple[str, eopayment.Payment]:
    config = provider_config(site)
    if config is None:
        raise PaymentError(_("Le paiement en ligne n'est pas proposé par ce conservatoire."))
    backend = config.pop("backend")
    options = {
        "normal_return_url": settings.SITE_URL + reverse("billing:online_return", args=[site.slug]),
        "automatic_return_url": settings.SITE_URL + reverse("billing:online_notify", args=[site.slug]),
        **config,
    }
    if backend == "dummy":
        options.setdefault("origin", site.name)
    return backend, eopayment.Payment(backend, options, logger=logger)


def start_payment(
    *, family: Family, instalment_ids: list[int], actor, email: str
) -> tuple[OnlineTransaction, int, object]:
    """Open a transaction for the chosen instalments; returns it with eopayment's (kind, data)
    to send the browser to the provider (a URL, a form or HTML)."""
    chosen = {int(pk) for pk in instalment_ids}
    if not chosen:
        raise PaymentError(_("Cochez au moins une échéance à payer."), field="instalments")
    with transaction.atomic():
        locked = Family.objects.select_for_update().select_related("site").get(pk=family.pk)
        instalments = [instalment for instalment in open_instalments(locked) if instalment.pk in chosen]
        if len(instalments) != len(chosen):
            raise PaymentError(
                _(
                    "Une des échéances choisies n'est plus à payer : rechargez la page et choisissez de nouveau."
                ),
                field="instalments",
            )
        amount = sum((instalment.outstanding for instalment in instalments), Decimal("0.00"))
        backend, provider = _provider(locked.site)
        numbers = ", ".join(f"{i.invoice.number}/{i.rank}" for i in instalments)
        try:
            reference, kind, data = provider.request(
                f"{amount:.2f}",
                email=email or None,
                subject=_("Conservatoire – échéances %(list)s") % {"list": numbers},
            )
        except (eopayment.PaymentException, ValueError) as error:
            logger.warning("online payment request refused by %s: %s", backend, error)
            raise PaymentError(
                _("Le service de paiement n'a pas pu ouvrir la transaction. Réessayez dans quelques minutes.")
            ) from error
        online = OnlineTransaction.objects.create(
            site=locked.site,
            family=locked,
            backend=backend,
            reference=str(reference),
            amount=amount,
            created_by=actor,
        )
        OnlineTransactionLine.objects.bulk_create(
            OnlineTransactionLine(transaction=online, instalment=instalment, amount=instalment.outstanding)
            for instalment in instalments
        )
    return online, kind, data


@dataclass(frozen=True)
class Answer:
    outcome: str
    transaction: OnlineTransaction | None
    return_content: str | None


def _returned_amount(backend: str, bank_data: dict) -> Decimal | None:
    """The amount the provider says it took, when it says it (None otherwise)."""

    def first(key):
        value = bank_data.get(key)
        return value[0] if isinstance(value, list) else value

    try:
        if backend == "dummy" and first("amount") is not None:
            return Decimal(str(first("amount")))
        if backend in {"systempayv2", "payzen"} and first("vads_amount") is not None:
            return Decimal(str(first("vads_amount"))) / 100
        if backend == "payfip_ws" and first("montant") is not None:
            return Decimal(str(first("montant"))) / 100
    except (InvalidOperation, ValueError):
        return Decimal("-1")
    return None


def _log(*, channel, outcome, transaction=None, raw="", detail="", remote_address=None) -> None:
    PaymentNotification.objects.create(
        transaction=transaction,
        channel=channel,
        outcome=outcome,
        raw=raw[:4000],
        detail=detail[:255],
        remote_address=remote_address,
    )
    if outcome in {Outcome.FORGED, Outcome.TAMPERED, Outcome.UNKNOWN, Outcome.MALFORMED}:
        logger.warning("online payment answer refused (%s, %s): %s", channel, outcome, detail)


def handle_answer(
    *, site: Site, query_string: str, channel: str, remote_address: str | None = None
) -> Answer:
    """Process one answer of the site's provider (browser return, notification or poll)."""
    try:
        backend, provider = _provider(site)
    except PaymentError:
        _log(
            channel=channel,
            outcome=Outcome.MALFORMED,
            raw=query_string,
            detail="no provider",
            remote_address=remote_address,
        )
        return Answer(Outcome.MALFORMED, None, None)
    try:
        response = provider.response(query_string)
    except Exception as error:  # eopayment raises ResponseError, a SOAP fault, a KeyError…
        _log(
            channel=channel,
            outcome=Outcome.MALFORMED,
            raw=query_string,
            detail=str(error),
            remote_address=remote_address,
        )
        return Answer(Outcome.MALFORMED, None, None)
    return settle(
        site=site,
        backend=backend,
        response=response,
        channel=channel,
        raw=query_string,
        remote_address=remote_address,
    )


def settle(*, site: Site, backend: str, response, channel: str, raw: str = "", remote_address=None) -> Answer:
    """Apply a provider's answer (an eopayment ``PaymentResponse``) once it is verified."""
    references = [str(value) for value in (response.order_id, response.transaction_id) if value]
    with transaction.atomic():
        online = (
            OnlineTransaction.objects.select_for_update()
            .filter(site=site, backend=backend, reference__in=references)
            .select_related("family__site")
            .first()
        )
        if not response.signed:
            _log(
                channel=channel,
                outcome=Outcome.FORGED,
                transaction=online,
                raw=raw,
                detail="signature",
                remote_address=remote_address,
            )
            return Answer(Outcome.FORGED, online, None)
        if online is None:
            _log(
                channel=channel,
                outcome=Outcome.UNKNOWN,
                raw=raw,
                detail=", ".join(references),
                remote_address=remote_address,
            )
            return Answer(Outcome.UNKNOWN, None, response.return_content)
        returned = _returned_amount(backend, response.bank_data or {})
        if returned is not None and returned != online.amount:
            _log(
                channel=channel,
                outcome=Outcome.TAMPERED,
                transaction=online,
                raw=raw,
                detail=f"amount {returned} != {online.amount}",
                remote_address=remote_address,
            )
            return Answer(Outcome.TAMPERED, online, None)
        if online.state == OnlineTransaction.State.PAID:
            _log(
                channel=channel,
                outcome=Outcome.DUPLICATE,
                transaction=online,
                raw=raw,
                remote_address=remote_address,
            )
            return Answer(Outcome.DUPLICATE, online, response.return_content)
        if response.result == eopayment.PAID:
            _mark_paid(online, bank_status=str(response.bank_status or ""))
            _log(
                channel=channel,
                outcome=Outcome.ACCEPTED,
                transaction=online,
                raw=raw,
                remote_address=remote_address,
            )
            return Answer(Outcome.ACCEPTED, online, response.return_content)
        if response.result in (eopayment.WAITING, eopayment.RECEIVED, eopayment.ACCEPTED):
            _log(
                channel=channel,
                outcome=Outcome.ACCEPTED,
                transaction=online,
                raw=raw,
                detail="waiting",
                remote_address=remote_address,
            )
            return Answer(Outcome.ACCEPTED, online, response.return_content)
        if online.state == OnlineTransaction.State.PENDING:
            online.state = (
                OnlineTransaction.State.EXPIRED
                if response.result == eopayment.EXPIRED
                else OnlineTransaction.State.FAILED
            )
            online.bank_status = str(response.bank_status or "")[:255]
            online.save(update_fields=["state", "bank_status"])
            _log(
                channel=channel,
                outcome=Outcome.REFUSED_BY_PROVIDER,
                transaction=online,
                raw=raw,
                remote_address=remote_address,
            )
            return Answer(Outcome.REFUSED_BY_PROVIDER, online, response.return_content)
        _log(
            channel=channel,
            outcome=Outcome.DUPLICATE,
            transaction=online,
            raw=raw,
            remote_address=remote_address,
        )
        return Answer(Outcome.DUPLICATE, online, response.return_content)


def _mark_paid(online: OnlineTransaction, *, bank_status: str) -> None:
    """The money is taken: allocated like any payment (``services.receive_payment``, oldest
    instalment due first); what nothing is due for any more becomes a refund request."""
    now = timezone.now()
    means = PaymentMeans.objects.get(code=CARD_MEANS_CODE)
    family = Family.objects.select_for_update().select_related("site").get(pk=online.family_id)
    _receipt, payments, left = services.receive_payment(
        family=family,
        means=means,
        amount=online.amount,
        received_on=timezone.localdate(now),
        reference=f"CB {online.reference}",
        actor=None,
    )
    lines = list(online.lines.select_related("instalment__invoice"))
    by_instalment = {payment.instalment_id: payment for payment in payments}
    for line in lines:
        line.payment = by_instalment.pop(line.instalment_id, None)
        if line.payment is not None:
            line.save(update_fields=["payment"])
    if left > 0 and lines:
        RefundRequest.objects.create(
            family=family,
            invoice=lines[0].instalment.invoice,
            amount=left,
            reason=_(
                "Trop-perçu : plus rien n'était dû sur les échéances quand le paiement en ligne %(reference)s est arrivé."
            )
            % {"reference": online.reference},
        )
    online.state = OnlineTransaction.State.PAID
    online.settled_at = now
    online.bank_status = bank_status[:255]
    online.save(update_fields=["state", "settled_at", "bank_status"])
    send_email(
        "billing_online_receipt",
        to=family_emails(online.family),
        context={
            "family": online.family,
            "site": online.family.site,
            "online": online,
            "lines": lines,
            "receipt_url": settings.SITE_URL + reverse("billing:online_transaction", args=[online.pk]),
        },
    )


def query_string_of(request) -> str:
    """What the provider sent: the form body of a POST, else the query string."""
    if request.method == "POST":
        body = request.body.decode("utf-8", errors="replace")
        return body or urlencode(request.POST, doseq=True)
    return request.META.get("QUERY_STRING", "")


@dataclass
class PollResult:
    asked: int = 0
    paid: int = 0
    failed: int = 0
    expired: int = 0
    waiting: int = 0


def poll_pending(*, now: datetime.datetime | None = None) -> PollResult:
    """Settle pending transactions whose notification never came."""
    now = now or timezone.now()
    result = PollResult()
    min_age = datetime.timedelta(minutes=settings.PAYMENTS_ONLINE_POLL_AFTER_MINUTES)
    expire_after = datetime.timedelta(hours=settings.PAYMENTS_ONLINE_EXPIRE_AFTER_HOURS)
    pending = OnlineTransaction.objects.filter(
        state=OnlineTransaction.State.PENDING, created_at__lte=now - min_age
    )
    for online in pending.select_related("site").order_by("created_at"):
        try:
            backend, provider = _provider(online.site)
        except PaymentError:
            continue
        if backend == online.backend and provider.has_payment_status:
            result.asked += 1
            try:
                response = provider.payment_status(online.reference, transaction_date=online.created_at)
            except Exception as error:  # a provider outage: try again at the next run
                logger.warning("polling %s for %s failed: %s", backend, online.reference, error)
                continue
            answer = settle(site=online.site, backend=backend, response=response, channel=Channel.POLL)
            online.refresh_from_db()
            if answer.outcome == Outcome.ACCEPTED and online.state == OnlineTransaction.State.PAID:
                result.paid += 1
                continue
            if online.state == OnlineTransaction.State.FAILED:
                result.failed += 1
                continue
            if online.state == OnlineTransaction.State.EXPIRED:
                result.expired += 1
                continue
        if online.created_at <= now - expire_after:
            with transaction.atomic():
                updated = OnlineTransaction.objects.filter(
                    pk=online.pk, state=OnlineTransaction.State.PENDING
                ).update(state=OnlineTransaction.State.EXPIRED, bank_status=_("sans réponse du prestataire"))
                if updated:
                    _log(
                        channel=Channel.POLL,
                        outcome=Outcome.REFUSED_BY_PROVIDER,
                        transaction=online,
                        detail="expired",
                    )
                    result.expired += 1
            continue
        result.waiting += 1
    return result
