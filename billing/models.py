"""What families owe: tariffs, frozen invoices, instalments, payments and SEPA mandates."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import PaymentMeans, Season, Site
from families.models import Family
from students.models import CourseCategory, Student


class Tariff(models.Model):
    """A yearly price for a category of course and a family-quotient bracket."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("site"))
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    category = models.CharField(_("catégorie de cours"), max_length=20, choices=CourseCategory.choices)
    quotient_min = models.PositiveIntegerField(_("QF à partir de"), default=0)
    quotient_max = models.PositiveIntegerField(
        _("QF jusqu'à"), null=True, blank=True, help_text=_("Vide : tranche la plus haute (tarif maximal).")
    )
    amount = models.DecimalField(_("montant annuel"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["site", "season", "category", "quotient_min"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "season", "category", "quotient_min"], name="tariff_unique_bracket"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tariff_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(quotient_max__isnull=True) | Q(quotient_max__gt=F("quotient_min")),
                name="tariff_bracket_ordered",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_category_display()} {self.quotient_min}–{self.quotient_max or '∞'}: {self.amount} €"
        )


class InvoiceQuerySet(models.QuerySet):
    def for_family(self, family: Family):
        return self.filter(family=family)


class Invoice(models.Model):
    """A frozen money document: never edited or deleted once issued; a credit note cancels it."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("facture")
        CREDIT_NOTE = "credit_note", _("avoir")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("site"))
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("famille")
    )
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_note",
        verbose_name=_("annule"),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    sequence = models.PositiveIntegerField(_("numéro d'ordre"))
    number = models.CharField(_("numéro"), max_length=30)
    issued_at = models.DateTimeField(_("émise le"), default=timezone.now)
    billing_mode = models.PositiveSmallIntegerField(_("nombre d'échéances"))
    payment_means_label = models.CharField(_("moyen de paiement"), max_length=60, blank=True)
    # Frozen copies: what the document says does not change when the family moves.
    payer_name = models.CharField(_("payeur"), max_length=255)
    payer_address = models.TextField(_("adresse du payeur"))
    site_name = models.CharField(_("émetteur"), max_length=150)
    site_address = models.TextField(_("adresse de l'émetteur"))
    family_quotient = models.PositiveIntegerField(_("QF retenu"), null=True, blank=True)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year", "sequence"], name="invoice_gapless_sequence"),
            models.UniqueConstraint(fields=["site", "number"], name="invoice_unique_number"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name=_("facture")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("élève")
    )
    label = models.CharField(_("libellé"), max_length=255)
    quantity = models.PositiveSmallIntegerField(_("quantité"), default=1)
    unit_price = models.DecimalField(_("prix unitaire"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class Instalment(models.Model):
    """One due date of an invoice (échéance): 1, 3 or 8 per invoice."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("facture")
    )
    rank = models.PositiveSmallIntegerField(_("échéance n°"))
    due_on = models.DateField(_("date d'échéance"))
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("échéance")
        verbose_name_plural = _("échéances")
        ordering = ["invoice", "rank"]
        constraints = [models.UniqueConstraint(fields=["invoice", "rank"], name="instalment_unique_rank")]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.rank}"


class Payment(models.Model):
    """Money received for an instalment."""

    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="payments", verbose_name=_("échéance")
    )
    means = models.ForeignKey(
        PaymentMeans, on_delete=models.PROTECT, related_name="+", verbose_name=_("moyen")
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("reçu le"), default=timezone.localdate)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-received_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount} €"


class Mandate(models.Model):
    """A signed SEPA direct-debit mandate of a family (RUM, IBAN, BIC)."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("famille")
    )
    reference = models.CharField(_("référence unique du mandat (RUM)"), max_length=35, unique=True)
    holder_name = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    signed_on = models.DateField(_("signé le"))
    revoked_on = models.DateField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("mandat SEPA")
        verbose_name_plural = _("mandats SEPA")
        ordering = ["-signed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"], condition=Q(revoked_on__isnull=True), name="mandate_one_active_per_family"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


from billing.payment_models import *  # noqa: E402,F403
