"""Households and the adults responsible for them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import (
    Civility,
    PaymentMeans,
    Site,
    SocioProfessionalCategory,
    postal_code_validator,
)

# Phones are stored as ten digits ("0612345678") and shown as "06 12 34 56 78".
phone_validator = RegexValidator(
    r"^0\d{9}$", _("Un numéro de téléphone comporte 10 chiffres et commence par 0.")
)


class BillingMode(models.IntegerChoices):
    """The guides' three schedules."""

    ONCE = 1, _("En 1 fois – paiement en octobre")
    THREE = 3, _("En 3 fois – octobre, janvier et avril")
    EIGHT = 8, _("En 8 fois – mensuel, d'octobre à mai")


class FamilyQuerySet(models.QuerySet):
    def for_guardian(self, guardian: Guardian):
        return self.filter(memberships__guardian=guardian)


class Family(models.Model):
    """A household: billing settings, family documents, its guardians and pupils."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="families", verbose_name=_("site"))
    name = models.CharField(_("nom du foyer"), max_length=150)
    external_reference = models.CharField(_("référence dans l'ancien logiciel"), max_length=50, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("ville"), max_length=100, blank=True)
    billing_mode = models.PositiveSmallIntegerField(
        _("mode de facturation"), choices=BillingMode.choices, default=BillingMode.ONCE
    )
    payment_means = models.ForeignKey(
        PaymentMeans,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moyen de paiement"),
    )
    family_quotient = models.PositiveIntegerField(
        _("quotient familial"),
        null=True,
        blank=True,
        help_text=_("En euros. Sans attestation, le tarif maximal s'applique."),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Bumped on each save from the portal, so a second guardian's stale form is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name = _("famille")
        verbose_name_plural = _("familles")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["site", "name"], name="family_site_name"),
            # The admin's list: ORDER BY name, id DESC (Django adds the id), and its date hierarchy.
            models.Index(fields=["name", "-id"], name="family_name_id"),
            models.Index(fields=["created_at"], name="family_created_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "external_reference"],
                condition=~Q(external_reference=""),
                name="family_external_reference_unique_per_site",
            ),
            models.CheckConstraint(condition=Q(billing_mode__in=[1, 3, 8]), name="family_billing_mode_1_3_8"),
        ]

    def __str__(self) -> str:
        return self.name


class FamilySituation(models.TextChoices):
    SINGLE = "single", _("Célibataire")
    MARRIED = "married", _("Marié(e)")
    CIVIL_UNION = "pacs", _("Pacsé(e)")
    COHABITING = "cohabiting", _("En concubinage")
    SEPARATED = "separated", _("Séparé(e)")
    DIVORCED = "divorced", _("Divorcé(e)")
    WIDOWED = "widowed", _("Veuf / veuve")


class Guardian(models.Model):
    """An adult responsible for pupils, with their own login. May belong to several families."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guardian",
        verbose_name=_("compte"),
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="guardians", verbose_name=_("site"))
    families = models.ManyToManyField(
        Family, through="Membership", related_name="guardians", verbose_name=_("familles")
    )
    civility = models.ForeignKey(
        Civility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("civilité"),
    )
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    family_situation = models.CharField(
        _("situation familiale"), max_length=20, choices=FamilySituation.choices, blank=True
    )
    profession = models.CharField(_("profession"), max_length=150, blank=True)
    socio_professional_category = models.ForeignKey(
        SocioProfessionalCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catégorie socio-professionnelle"),
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("ville"), max_length=100, blank=True)
    phone_home = models.CharField(
        _("téléphone domicile"), max_length=10, blank=True, validators=[phone_validator]
    )
    phone_work = models.CharField(
        _("téléphone professionnel"), max_length=10, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    mobile = models.CharField(
        _("mobile (SMS)"),
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(r"^0[67]\d{8}$", _("Le mobile comporte exactement 10 chiffres (06 ou 07)."))
        ],
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("responsable")
        verbose_name_plural = _("responsables")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["site", "last_name", "first_name"], name="guardian_site_name"),
            models.Index(fields=["email"], name="guardian_email"),
            # The admin's list: ORDER BY last_name, first_name, id DESC (Django adds the id).
            models.Index(fields=["last_name", "first_name", "-id"], name="guardian_name_id"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


class Membership(models.Model):
    """A guardian in a family: separated parents each belong to the child's household."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mère")
        FATHER = "father", _("Père")
        TUTOR = "tutor", _("Tuteur / tutrice")
        SELF = "self", _("Élève majeur")
        OTHER = "other", _("Autre")

    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("famille")
    )
    guardian = models.ForeignKey(
        Guardian, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("responsable")
    )
    relationship = models.CharField(
        _("lien"), max_length=10, choices=Relationship.choices, default=Relationship.OTHER
    )
    is_payer = models.BooleanField(_("payeur"), default=False)

    class Meta:
        verbose_name = _("responsable de la famille")
        verbose_name_plural = _("responsables de la famille")
        constraints = [
            models.UniqueConstraint(fields=["family", "guardian"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["family"], condition=Q(is_payer=True), name="membership_one_payer_per_family"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} – {self.family}"
