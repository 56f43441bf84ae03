"""Documents families hand in (pièces justificatives) and the types the secretariat asks for."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import StateChange
from families.models import Family
from students.models import Student

DEFAULT_ACCEPTED_TYPES = ["application/pdf", "image/jpeg", "image/png"]


def default_accepted_types() -> list[str]:
    return list(DEFAULT_ACCEPTED_TYPES)


class DocumentType(models.Model):
    """A kind of document: RIB, mandate, QF attestation, ID photo, medical certificate…"""

    class Scope(models.TextChoices):
        FAMILY = "family", _("famille")
        STUDENT = "student", _("élève")

    class Requirement(models.TextChoices):
        ALWAYS = "always", _("toujours")
        DIRECT_DEBIT = "direct_debit", _("seulement avec le prélèvement")
        DANCE = "dance", _("seulement pour les élèves en danse")
        REDUCED_TARIFF = "reduced_tariff", _("seulement pour un tarif réduit")
        OPTIONAL = "optional", _("facultatif")

    class Validity(models.TextChoices):
        NONE = "none", _("aucune")
        FROM_JULY_1 = "from_july_1", _("daté à partir du 1er juillet de la saison à venir")
        CURRENT_CIVIL_YEAR = "civil_year", _("de l'année civile en cours")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("nom du document"), max_length=150)
    scope = models.CharField(_("pour"), max_length=10, choices=Scope.choices)
    requirement = models.CharField(_("obligatoire"), max_length=20, choices=Requirement.choices)
    accepted_types = models.JSONField(
        _("types de fichier acceptés"),
        default=default_accepted_types,
        help_text=_("Types MIME, lus dans le contenu du fichier."),
    )
    validity = models.CharField(_("validité"), max_length=20, choices=Validity.choices, default=Validity.NONE)
    help_text = models.TextField(_("aide pour les familles"), blank=True)
    blank_form = models.FileField(_("formulaire vierge"), upload_to="blank-forms/", blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("type de document")
        verbose_name_plural = _("types de document")
        ordering = ["scope", "order", "name"]

    def __str__(self) -> str:
        return self.name


class DocumentQuerySet(models.QuerySet):
    def for_family(self, family: Family):
        return self.filter(family=family)


class Document(models.Model):
    """A file handed in by a family, for itself or for one of its pupils."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Fourni")
        VALIDATED = "validated", _("Validé")
        REFUSED = "refused", _("Refusé")
        REPLACED = "replaced", _("Remplacé")

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="documents", verbose_name=_("famille")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("élève"),
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="documents", verbose_name=_("type")
    )
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    file = models.FileField(_("fichier"), upload_to="documents/%Y/%m/", max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("fourni le"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fourni par"),
    )
    checked_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vérifié par"),
    )
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    document_date = models.DateField(
        _("date du document"),
        null=True,
        blank=True,
        help_text=_("Donnée par la famille quand le type a une règle de validité (certificat médical)."),
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("remplace"),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]
        indexes = [
            models.Index(fields=["family", "student", "document_type"], name="document_owner_type"),
            models.Index(fields=["state", "uploaded_at"], name="document_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_reason=""), name="document_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} – {self.original_name}"

    @property
    def size_mb(self) -> Decimal:
        """Size in megabytes, two decimals, as the guides' "Taille (Mo)" column shows it."""
        return (Decimal(self.size) / Decimal(1024 * 1024)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class DocumentStateChange(StateChange):
    """History of a document: old state, new state, who, when, why."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="history", verbose_name=_("document")
    )
    old_state = models.CharField(_("ancien état"), max_length=10, choices=Document.State.choices, blank=True)
    new_state = models.CharField(_("nouvel état"), max_length=10, choices=Document.State.choices)
