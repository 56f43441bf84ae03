"""What families owe: tariffs, frozen invoices, instalments, payments and SEPA mandates."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import PaymentMeans, Season, Site
from families.models import Family
from students.models import CourseCategory, Discipline, Enrolment, Student


class ChangeRule(models.TextChoices):
    """What a pupil owes when a course stops or starts during the year (set per site)."""

    FULL_YEAR = "full_year", _("année entière due")
    CUTOFF = "cutoff", _("montant réduit de l'autre côté d'une date limite")
    PRO_RATA_TERM = "pro_rata_term", _("au prorata des trimestres commencés")


class BillingSettings(models.Model):
    """A site's billing rules: invoice prefix, communes, sibling reductions, mid-year changes."""

    site = models.OneToOneField(
        Site, on_delete=models.PROTECT, related_name="billing_settings", verbose_name=_("site")
    )
    invoice_prefix = models.CharField(
        _("préfixe des numéros de facture"),
        max_length=10,
        help_text=_("Par exemple MAL : les factures sont numérotées MAL-2026-000001."),
        validators=[RegexValidator(r"^[A-Z0-9]{2,10}$", _("De 2 à 10 lettres majuscules ou chiffres."))],
    )
    resident_communes = models.TextField(
        _("communes des résidents"),
        blank=True,
        help_text=_(
            "Une commune par ligne. Vide : un seul tarif pour tous. Sinon, les familles d'une autre "
            "commune paient le tarif « non-résident » quand il est renseigné."
        ),
    )
    sibling_rate_second = models.DecimalField(
        _("réduction du 2e enfant (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    sibling_rate_third = models.DecimalField(
        _("réduction du 3e enfant et des suivants (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    change_rule = models.CharField(
        _("arrêt ou ajout en cours d'année"),
        max_length=20,
        choices=ChangeRule.choices,
        default=ChangeRule.FULL_YEAR,
    )
    cutoff_month = models.PositiveSmallIntegerField(
        _("mois de la date limite"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Avec la règle de la date limite, par exemple 1 pour le 1er janvier."),
    )
    cutoff_day = models.PositiveSmallIntegerField(
        _("jour de la date limite"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    reduced_percent = models.DecimalField(
        _("part due de l'autre côté de la date limite (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    sepa_settlement_days = models.PositiveSmallIntegerField(
        _("délai d'encaissement des prélèvements (jours ouvrés)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Jours ouvrés bancaires après la date de prélèvement au bout desquels un prélèvement non "
            "rejeté est enregistré comme encaissé (billing_sepa_settle). 5 : le délai de retour de la "
            "banque du débiteur."
        ),
    )
    payable_to = models.CharField(
        _("ordre des chèques"), max_length=150, blank=True, help_text=_("Par exemple : Trésor public.")
    )
    payment_instructions = models.TextField(
        _("comment payer"),
        blank=True,
        help_text=_("Imprimé sur les factures et rappelé dans les relances : guichet, horaires, adresse."),
    )
    legal_mentions = models.TextField(
        _("mentions légales"),
        blank=True,
        help_text=_("Ajoutées aux mentions d'une facture publique (délibération fixant les tarifs…)."),
    )
    logo = models.FileField(_("logo"), upload_to="billing/logos/", blank=True)

    class Meta:
        verbose_name = _("règles de facturation")
        verbose_name_plural = _("règles de facturation")
        constraints = [
            models.CheckConstraint(
                condition=~Q(change_rule="cutoff")
                | (Q(cutoff_month__isnull=False) & Q(cutoff_day__isnull=False)),
                name="billing_settings_cutoff_has_date",
            ),
        ]

    def __str__(self) -> str:
        return str(self.site)

    @property
    def communes(self) -> set[str]:
        return {normalise_commune(line) for line in self.resident_communes.splitlines() if line.strip()}


def normalise_commune(name: str) -> str:
    """ "Saint-Sébastien-sur-Loire" and "saint sebastien sur loire" are the same commune."""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.replace("-", " ").replace("'", " ").split())


class Tariff(models.Model):
    """A yearly price for a category of course (or one discipline) and a family-quotient bracket."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("site"))
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    category = models.CharField(_("catégorie de cours"), max_length=20, choices=CourseCategory.choices)
    discipline = models.ForeignKey(
        Discipline,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discipline"),
        help_text=_("Vide : toute la catégorie. Renseignée : ce tarif remplace celui de la catégorie."),
    )
    adult = models.BooleanField(
        _("tarif adulte"), default=False, help_text=_("Pour les élèves de 18 ans ou plus au 1er septembre.")
    )
    quotient_min = models.PositiveIntegerField(_("QF à partir de"), default=0)
    quotient_max = models.PositiveIntegerField(
        _("QF jusqu'à"), null=True, blank=True, help_text=_("Vide : tranche la plus haute (tarif maximal).")
    )
    amount = models.DecimalField(_("montant annuel"), max_digits=8, decimal_places=2)
    non_resident_amount = models.DecimalField(
        _("montant annuel non-résident"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Vide : le même montant pour tous."),
    )

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["site", "season", "category", "quotient_min"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "season", "category", "adult", "quotient_min"],
                condition=Q(discipline__isnull=True),
                name="tariff_unique_bracket",
            ),
            models.UniqueConstraint(
                fields=["site", "season", "discipline", "adult", "quotient_min"],
                condition=Q(discipline__isnull=False),
                name="tariff_unique_discipline_bracket",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tariff_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(non_resident_amount__isnull=True) | Q(non_resident_amount__gte=0),
                name="tariff_non_resident_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quotient_max__isnull=True) | Q(quotient_max__gt=F("quotient_min")),
                name="tariff_bracket_ordered",
            ),
        ]

    def __str__(self) -> str:
        what = self.discipline.name if self.discipline_id else self.get_category_display()
        return f"{what} {self.quotient_min}–{self.quotient_max or '∞'}: {self.amount} €"


class InvoiceSequence(models.Model):
    """The last number given per site and year; locked while an invoice takes the next one."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    year = models.PositiveSmallIntegerField(_("année"))
    last_number = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("séquence de numérotation")
        verbose_name_plural = _("séquences de numérotation")
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="invoice_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.site} {self.year}: {self.last_number}"


class CourseStop(models.Model):
    """The day a pupil stopped a course during the season, as the secretariat recorded it.

    Billing reads it to apply the site's rule; a stopped enrolment without one never started
    (a dossier refused or withdrawn before the season) and owes nothing.
    """

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="billing_stop", verbose_name=_("inscription")
    )
    stopped_on = models.DateField(_("arrêt le"))
    reason = models.TextField(_("motif"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    recorded_at = models.DateTimeField(_("saisi le"), default=timezone.now)

    class Meta:
        verbose_name = _("arrêt de cours")
        verbose_name_plural = _("arrêts de cours")

    def __str__(self) -> str:
        return f"{self.enrolment} ({self.stopped_on:%d/%m/%Y})"


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
    # A credit note cites the invoice it cancels (wholly or in part); an invoice may have several.
    cancels = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("annule"),
    )
    supplements = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplementary_invoices",
        verbose_name=_("complète la facture"),
    )
    reason = models.TextField(_("motif"), blank=True)
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
    family_name = models.CharField(_("famille"), max_length=150, blank=True)
    family_reference = models.CharField(_("référence de la famille"), max_length=50, blank=True)
    payer_email = models.EmailField(_("e-mail du payeur"), blank=True)
    quotient_note = models.CharField(_("tranche appliquée"), max_length=255, blank=True)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    # What a credit note could not take off unpaid instalments: already paid, to be refunded.
    refundable = models.DecimalField(
        _("à rembourser"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    # A credit note the secretariat chose to give on part of an invoice: it is not a change of
    # enrolments, so billing_issue never bills it again as a difference.
    goodwill = models.BooleanField(
        _("geste commercial"),
        default=False,
        help_text=_("Avoir partiel décidé par le secrétariat : la facturation ne le refacture pas."),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("émise par"),
    )

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

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoicePdf(models.Model):
    """The PDF of an invoice or credit note, rendered once from its frozen data and kept as is."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="pdf", verbose_name=_("facture")
    )
    filename = models.CharField(_("nom du fichier"), max_length=100)
    content = models.BinaryField(_("contenu"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("produit le"), default=timezone.now)

    class Meta:
        verbose_name = _("PDF de facture")
        verbose_name_plural = _("PDF de factures")

    def __str__(self) -> str:
        return self.filename


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name=_("facture")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("élève")
    )

    class Kind(models.TextChoices):
        COURSE = "course", _("cours")
        REDUCTION = "reduction", _("réduction")

    kind = models.CharField(_("type de ligne"), max_length=10, choices=Kind.choices, default=Kind.COURSE)
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscription"),
    )
    student_name = models.CharField(_("élève"), max_length=255, blank=True)
    label = models.CharField(_("libellé"), max_length=255)
    detail = models.CharField(_("détail"), max_length=255, blank=True)
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
    credited = models.DecimalField(
        _("annulé par avoir"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("échéance")
        verbose_name_plural = _("échéances")
        ordering = ["invoice", "rank"]
        constraints = [models.UniqueConstraint(fields=["invoice", "rank"], name="instalment_unique_rank")]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.rank}"


class Receipt(models.Model):
    """One payment handed in at the desk, spread over instalments, and the receipt sent for it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("famille")
    )
    means = models.ForeignKey(
        PaymentMeans, on_delete=models.PROTECT, related_name="+", verbose_name=_("moyen")
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("reçu le"))
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    payer_name = models.CharField(_("payeur"), max_length=255)
    payer_email = models.EmailField(_("e-mail du payeur"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    recorded_at = models.DateTimeField(_("saisi le"), default=timezone.now)

    class Meta:
        verbose_name = _("reçu de paiement")
        verbose_name_plural = _("reçus de paiement")
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="receipt_positive")]

    def __str__(self) -> str:
        return f"{self.payer_name} {self.amount} €"


class Payment(models.Model):
    """Money received for an instalment; negative, money taken back (see ``PaymentReversal``)."""

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
    recorded_at = models.DateTimeField(_("saisi le"), default=timezone.now)
    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("reçu"),
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-received_on"]
        # A negative payment is a reversal entry (``PaymentReversal``): money the bank took back.
        constraints = [models.CheckConstraint(condition=~Q(amount=Decimal("0")), name="payment_not_zero")]

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
