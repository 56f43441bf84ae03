"""Paying: mandate details (encrypted IBAN), direct debits, pre-notifications, rejects, refunds,
online card transactions. Imported at the end of ``billing.models``.

The existing ``Mandate`` keeps its RUM, holder, BIC and dates; its ``iban`` column only ever
holds the masked IBAN. The account itself lives encrypted in ``MandateDetails``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Instalment, Invoice, Mandate, Payment, Receipt
from documents.models import Document
from extranet.base.models import Site, StateChange
from families.models import Family

__all__ = [
    "DebitPrenotification",
    "DebitReject",
    "DirectDebit",
    "DirectDebitExport",
    "IbanDisclosure",
    "InstalmentFollowUp",
    "MandateDetails",
    "MandateStateChange",
    "OnlineTransaction",
    "OnlineTransactionLine",
    "PaymentNotification",
    "PaymentReversal",
    "RefundRequest",
]


class MandateDetails(models.Model):
    """The lifecycle and the encrypted account of a SEPA mandate."""

    class State(models.TextChoices):
        AWAITING_SIGNATURE = "awaiting", _("en attente du mandat signé")
        ACTIVE = "active", _("en vigueur")
        REPLACED = "replaced", _("remplacé")
        REVOKED = "revoked", _("révoqué")

    class Kind(models.TextChoices):
        RECURRENT = "recurrent", _("récurrent")
        ONE_OFF = "one_off", _("ponctuel")

    mandate = models.OneToOneField(
        Mandate, on_delete=models.PROTECT, primary_key=True, related_name="details", verbose_name=_("mandat")
    )
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.AWAITING_SIGNATURE
    )
    kind = models.CharField(_("type de mandat"), max_length=10, choices=Kind.choices, default=Kind.RECURRENT)
    iban_encrypted = models.TextField(_("IBAN chiffré"))
    iban_fingerprint = models.CharField(_("empreinte de l'IBAN"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    activated_at = models.DateTimeField(_("activé le"), null=True, blank=True)
    signed_document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mandat signé"),
    )
    replaces = models.OneToOneField(
        Mandate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("remplace le mandat"),
    )

    class Meta:
        verbose_name = _("détail du mandat")
        verbose_name_plural = _("détails des mandats")

    def __str__(self) -> str:
        return f"{self.mandate.reference} ({self.get_state_display()})"


class MandateStateChange(StateChange):
    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="state_changes", verbose_name=_("mandat")
    )
    old_state = models.CharField(
        _("ancien état"), max_length=10, choices=MandateDetails.State.choices, blank=True
    )
    new_state = models.CharField(_("nouvel état"), max_length=10, choices=MandateDetails.State.choices)

    class Meta(StateChange.Meta):
        verbose_name = _("changement d'état du mandat")
        verbose_name_plural = _("historique du mandat")


class IbanDisclosure(models.Model):
    """One staff read of a full IBAN, with the reason given (RGPD: who saw what, why)."""

    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, related_name="iban_disclosures", verbose_name=_("mandat")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("consulté par")
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"))

    class Meta:
        verbose_name = _("consultation d'IBAN")
        verbose_name_plural = _("consultations d'IBAN")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.mandate} – {self.actor} – {self.at:%d/%m/%Y %H:%M}"


class SequenceType(models.TextChoices):
    """SEPA sequence types (pain.008 ``SeqTp``)."""

    FIRST = "FRST", _("premier prélèvement (FRST)")
    RECURRENT = "RCUR", _("prélèvement récurrent (RCUR)")
    FINAL = "FNAL", _("dernier prélèvement (FNAL)")
    ONE_OFF = "OOFF", _("prélèvement ponctuel (OOFF)")


class DirectDebitExport(models.Model):
    """One pain.008 file written for a site and a collection date."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    collection_date = models.DateField(_("date de prélèvement"))
    schema = models.CharField(_("version pain.008"), max_length=20)
    message_id = models.CharField(_("identifiant du message"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    transactions = models.PositiveIntegerField(_("nombre de prélèvements"), default=0)
    control_sum = models.DecimalField(
        _("montant total"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # The file itself (full IBANs, for the bank) is written to PAYMENTS_SEPA_DIR, never stored here.
    file_name = models.CharField(_("fichier"), max_length=255)

    class Meta:
        verbose_name = _("fichier de prélèvements")
        verbose_name_plural = _("fichiers de prélèvements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class DirectDebitQuerySet(models.QuerySet):
    def presented(self):
        return self.filter(state=DirectDebit.State.PRESENTED)


class DirectDebit(models.Model):
    """One instalment presented to the bank in one export. Presented once at a time.

    presented -> rejected (returned before it was recorded as collected), or presented ->
    collected (a Payment, through ``receipt``) -> returned (taken back after collection: the
    payments are reversed by ``PaymentReversal`` entries, never edited)."""

    class State(models.TextChoices):
        PRESENTED = "presented", _("présenté")
        COLLECTED = "collected", _("encaissé")
        REJECTED = "rejected", _("rejeté")
        RETURNED = "returned", _("retourné après encaissement")

    export = models.ForeignKey(
        DirectDebitExport, on_delete=models.PROTECT, related_name="debits", verbose_name=_("fichier")
    )
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="direct_debits", verbose_name=_("échéance")
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, related_name="direct_debits", verbose_name=_("mandat")
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    sequence_type = models.CharField(_("séquence"), max_length=4, choices=SequenceType.choices)
    collection_date = models.DateField(_("date de prélèvement"))
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35, unique=True)
    masked_iban = models.CharField(_("IBAN"), max_length=42)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PRESENTED)
    receipt = models.OneToOneField(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_debit",
        verbose_name=_("encaissement"),
    )

    objects = DirectDebitQuerySet.as_manager()

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["-collection_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["export", "instalment"], name="directdebit_once_per_export"),
            # Never collected twice: at most one presentation in force per instalment.
            models.UniqueConstraint(
                fields=["instalment"], condition=Q(state="presented"), name="directdebit_one_presented"
            ),
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="directdebit_positive"),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class DebitPrenotification(models.Model):
    """The email telling the payer, 14 days ahead at least, what will be debited and when."""

    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="prenotifications", verbose_name=_("échéance")
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, related_name="prenotifications", verbose_name=_("mandat")
    )
    debit_on = models.DateField(_("date annoncée"))
    amount = models.DecimalField(_("montant annoncé"), max_digits=10, decimal_places=2)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("pré-notification")
        verbose_name_plural = _("pré-notifications")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instalment", "mandate", "debit_on", "amount"], name="prenotification_once_per_debit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instalment} – {self.debit_on:%d/%m/%Y}"


class DebitReject(models.Model):
    """A returned direct debit (R-transaction) with its ISO 20022 reason code: rejected while
    presented, or returned after it was recorded as collected (its payments then reversed)."""

    class Reason(models.TextChoices):
        AM04 = "AM04", _("AM04 – provision insuffisante")
        MD01 = "MD01", _("MD01 – pas de mandat valide")
        AC04 = "AC04", _("AC04 – compte clôturé")
        AC01 = "AC01", _("AC01 – numéro de compte incorrect")
        AC06 = "AC06", _("AC06 – compte bloqué")
        AG01 = "AG01", _("AG01 – prélèvement interdit sur ce compte")
        MS02 = "MS02", _("MS02 – refus du débiteur")
        MS03 = "MS03", _("MS03 – motif non communiqué")
        MD06 = "MD06", _("MD06 – remboursement demandé par le débiteur")
        MD07 = "MD07", _("MD07 – débiteur décédé")
        SL01 = "SL01", _("SL01 – service spécifique de la banque du débiteur")

    direct_debit = models.OneToOneField(
        DirectDebit, on_delete=models.PROTECT, related_name="reject", verbose_name=_("prélèvement")
    )
    reason = models.CharField(_("code motif"), max_length=4, choices=Reason.choices)
    returned_on = models.DateField(_("retourné le"), default=timezone.localdate)
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    represent = models.BooleanField(
        _("à représenter"),
        default=True,
        help_text=_("Présenté à nouveau au prochain fichier ; sinon la famille paie autrement."),
    )
    note = models.TextField(_("remarque"), blank=True)

    class Meta:
        verbose_name = _("rejet de prélèvement")
        verbose_name_plural = _("rejets de prélèvement")
        ordering = ["-returned_on", "-id"]

    def __str__(self) -> str:
        return f"{self.direct_debit} – {self.reason}"


class RefundRequest(models.Model):
    """Money to give back (an overpayment, a refund): settled by a credit note, never by editing."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("à traiter")
        SETTLED = "settled", _("avoir émis")
        DECLINED = "declined", _("refusé")

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("famille")
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("facture")
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("motif"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    credit_note = models.OneToOneField(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund_request",
        verbose_name=_("avoir"),
    )
    # An overpayment found when a direct debit was collected: declined if the bank returns it.
    direct_debit = models.ForeignKey(
        "DirectDebit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund_requests",
        verbose_name=_("prélèvement"),
    )

    class Meta:
        verbose_name = _("demande de remboursement")
        verbose_name_plural = _("demandes de remboursement")
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="refund_positive")]

    def __str__(self) -> str:
        return f"{self.invoice} – {self.amount} €"


class PaymentReversal(models.Model):
    """Money taken back after it was received (a direct debit returned after collection): the
    payment stays as it was, and ``entry`` is a new, negative payment on the same instalment,
    so every sum of payments (what is due, receipts, certificates, the accountant's export)
    counts it without any row being edited."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("paiement repris")
    )
    entry = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        related_name="reversal_entry",
        verbose_name=_("écriture de reprise"),
    )
    debit_reject = models.ForeignKey(
        "DebitReject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("retour de prélèvement"),
    )
    reason = models.TextField(_("motif"))
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    class Meta:
        verbose_name = _("reprise de paiement")
        verbose_name_plural = _("reprises de paiement")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.payment.reference} – {self.reason}"


class InstalmentFollowUp(Instalment):
    """The secretariat's view of an instalment: its payments, debits, rejects, online payments."""

    class Meta:
        proxy = True
        verbose_name = _("suivi d'échéance")
        verbose_name_plural = _("suivi des échéances")


class OnlineTransactionQuerySet(models.QuerySet):
    def for_family(self, family: Family):
        return self.filter(family=family)


class OnlineTransaction(models.Model):
    """A card payment at a provider (PayFiP, Systempay/Payzen, dummy) for one or several instalments."""

    class State(models.TextChoices):
        PENDING = "pending", _("en cours")
        PAID = "paid", _("payé")
        FAILED = "failed", _("refusé ou abandonné")
        EXPIRED = "expired", _("expiré")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="online_transactions", verbose_name=_("famille")
    )
    backend = models.CharField(_("prestataire"), max_length=20)
    reference = models.CharField(_("référence chez le prestataire"), max_length=100, unique=True)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    settled_at = models.DateTimeField(_("réglé le"), null=True, blank=True)
    bank_status = models.CharField(_("réponse du prestataire"), max_length=255, blank=True)

    objects = OnlineTransactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("paiement en ligne")
        verbose_name_plural = _("paiements en ligne")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="online_positive")]

    def __str__(self) -> str:
        return f"{self.reference} – {self.amount} €"


class OnlineTransactionLine(models.Model):
    """What one transaction pays of one instalment; ``payment`` is written once the provider confirms."""

    transaction = models.ForeignKey(
        OnlineTransaction, on_delete=models.PROTECT, related_name="lines", verbose_name=_("paiement en ligne")
    )
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="online_lines", verbose_name=_("échéance")
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_line",
        verbose_name=_("paiement"),
    )

    class Meta:
        verbose_name = _("échéance payée en ligne")
        verbose_name_plural = _("échéances payées en ligne")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "instalment"], name="online_line_once"),
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="online_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instalment} – {self.amount} €"


class PaymentNotification(models.Model):
    """Every answer received from a provider, accepted or not: the audit trail of online payments."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepté")
        REFUSED_BY_PROVIDER = "refused", _("paiement refusé par le prestataire")
        DUPLICATE = "duplicate", _("déjà traité (rejoué)")
        FORGED = "forged", _("signature invalide")
        TAMPERED = "tampered", _("montant ou référence altérés")
        UNKNOWN = "unknown", _("transaction inconnue")
        MALFORMED = "malformed", _("réponse illisible")

    class Channel(models.TextChoices):
        RETURN = "return", _("retour du navigateur")
        NOTIFICATION = "notify", _("notification du prestataire")
        POLL = "poll", _("interrogation du prestataire")

    transaction = models.ForeignKey(
        OnlineTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("paiement en ligne"),
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    outcome = models.CharField(_("résultat"), max_length=10, choices=Outcome.choices)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    remote_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    raw = models.TextField(_("données reçues"), blank=True)
    detail = models.CharField(_("détail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("réponse de prestataire")
        verbose_name_plural = _("réponses de prestataire")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.get_outcome_display()}"
