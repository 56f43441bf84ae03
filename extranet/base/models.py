"""The shell of the portal: conservatories, their places, seasons, news, logins and audit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

postal_code_validator = RegexValidator(r"^\d{5}$", _("Le code postal doit comporter 5 chiffres."))


class SchoolZone(models.TextChoices):
    """The French school-holiday zones (calendrier scolaire de l'Éducation nationale)."""

    A = "A", _("zone A")
    B = "B", _("zone B")
    C = "C", _("zone C")


class Site(models.Model):
    """One conservatory, with its own secretariat, rules and re-enrolment windows."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant court"), max_length=50, unique=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("ville"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-mail du secrétariat"), blank=True)
    contact_phone = models.CharField(_("téléphone du secrétariat"), max_length=20, blank=True)
    house_rules = models.FileField(_("règlement intérieur"), upload_to="house-rules/", blank=True)
    house_rules_version = models.CharField(_("version du règlement intérieur"), max_length=30, blank=True)
    # Creditor details printed on SEPA direct-debit mandates and files.
    sepa_creditor_name = models.CharField(_("nom du créancier SEPA"), max_length=70, blank=True)
    sepa_creditor_identifier = models.CharField(
        _("identifiant créancier SEPA (ICS)"), max_length=35, blank=True
    )
    sepa_iban = models.CharField(_("IBAN du créancier"), max_length=34, blank=True)
    sepa_bic = models.CharField(_("BIC du créancier"), max_length=11, blank=True)
    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=20,
        choices=[
            ("none", _("non conforme")),
            ("partial", _("partiellement conforme")),
            ("full", _("totalement conforme")),
        ],
        default="partial",
    )
    accessibility_audited_on = models.DateField(_("date de l'audit RGAA"), null=True, blank=True)
    accessibility_audit_rate = models.DecimalField(
        _("taux de conformité de l'audit RGAA (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Le pourcentage de critères RGAA respectés selon l'audit. Sans date ni taux d'audit, la "
            "déclaration indique « non conforme », comme l'exige le RGAA."
        ),
    )
    zone = models.CharField(
        _("zone de vacances scolaires"),
        max_length=1,
        choices=SchoolZone.choices,
        blank=True,
        help_text=_("Les cours n'ont pas lieu pendant les vacances scolaires de cette zone."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def accessibility_audited(self) -> bool:
        return self.accessibility_audited_on is not None and self.accessibility_audit_rate is not None

    @property
    def accessibility_state(self) -> str:
        """The state the statement may declare: "none" (non conforme) until an audit is recorded."""
        return self.accessibility_status if self.accessibility_audited else "none"

    def get_accessibility_state_display(self) -> str:
        return dict(self._meta.get_field("accessibility_status").flatchoices)[self.accessibility_state]


class Pole(models.Model):
    """A place inside a site where courses happen (pôle, antenne)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="poles", verbose_name=_("site"))
    name = models.CharField(_("nom"), max_length=100)
    address = models.CharField(_("adresse"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("pôle")
        verbose_name_plural = _("pôles")
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="pole_unique_name_per_site"),
        ]

    def __str__(self) -> str:
        return self.name


class SeasonQuerySet(models.QuerySet):
    def current(self) -> Season | None:
        return self.filter(is_current=True).first()

    def next(self) -> Season | None:
        return self.filter(is_next=True).first()


class Season(models.Model):
    """A school year, September to June. One season is current, one is the next."""

    label = models.CharField(
        _("libellé"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{4}/\d{4}$", _("Écrivez la saison ainsi : 2026/2027."))],
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    is_current = models.BooleanField(_("saison en cours"), default=False)
    is_next = models.BooleanField(_("saison suivante"), default=False)

    objects = SeasonQuerySet.as_manager()

    class Meta:
        verbose_name = _("saison")
        verbose_name_plural = _("saisons")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="season_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="season_one_current"
            ),
            models.UniqueConstraint(fields=["is_next"], condition=Q(is_next=True), name="season_one_next"),
            models.CheckConstraint(
                condition=~(Q(is_current=True) & Q(is_next=True)), name="season_not_current_and_next"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class NewsQuerySet(models.QuerySet):
    def published(self, site: Site, *, at=None):
        at = at or timezone.now()
        return (
            self.filter(site=site, published_at__lte=at)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
            .order_by("-published_at")
        )


class News(models.Model):
    """A message of the secretariat on the Accueil tab."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="news", verbose_name=_("site"))
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["site", "-published_at"], name="news_site_published")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("published_at")),
                name="news_expires_after_publication",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_published(self, at) -> bool:
        """What ``NewsQuerySet.published`` asks in SQL, for a news item already read."""
        return self.published_at <= at and (self.expires_at is None or self.expires_at > at)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, identifier):
        # Staff log in to the admin without a site; family logins always name one.
        return self.get(site__isnull=True, identifier=identifier)

    def create_user(self, identifier, password=None, *, site=None, **extra):
        user = self.model(identifier=identifier, site=site, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, identifier, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(identifier, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. A guardian's login belongs to one site; staff logins have no site."""

    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("site"),
    )
    identifier = models.CharField(
        _("identifiant"),
        max_length=150,
        validators=[
            RegexValidator(
                r"^[\w.@+-]+$",
                _("Lettres, chiffres et les caractères . @ + - _ uniquement."),
            )
        ],
    )
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_staff = models.BooleanField(_("équipe"), default=False)
    all_sites = models.BooleanField(
        _("tous les sites"),
        default=False,
        help_text=_("Pour un compte de l'équipe : voit les données de tous les sites (service central)."),
    )
    managed_sites = models.ManyToManyField(
        Site,
        blank=True,
        related_name="staff",
        verbose_name=_("sites gérés"),
        help_text=_(
            "Pour un compte de l'équipe : les sites dont il voit les familles, élèves, documents, "
            "dossiers et factures. Sans site ni « tous les sites », il ne voit aucune donnée de famille."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "identifier"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(fields=["site", "identifier"], name="user_identifier_unique_per_site"),
            models.UniqueConstraint(
                fields=["identifier"], condition=Q(site__isnull=True), name="user_staff_identifier_unique"
            ),
        ]
        indexes = [
            # The login looks identifiers up case-insensitively (identifier__iexact, which
            # PostgreSQL runs as UPPER(identifier) = UPPER(%s)): without this, a scan of every login.
            models.Index(Upper("identifier"), name="user_identifier_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.site.slug})" if self.site_id else self.identifier

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.identifier

    def get_short_name(self) -> str:
        return self.first_name or self.identifier


class ChangeRecord(models.Model):
    """One field changed by someone: who, when, before, after. Shown to staff on each object."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("type d'objet"))
    object_id = models.PositiveBigIntegerField(_("objet"))
    target = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    field = models.CharField(_("champ"), max_length=100)
    field_label = models.CharField(_("libellé du champ"), max_length=150)
    old_value = models.TextField(_("avant"), blank=True)
    new_value = models.TextField(_("après"), blank=True)

    class Meta:
        verbose_name = _("modification")
        verbose_name_plural = _("modifications")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="change_target_at")]

    def __str__(self) -> str:
        return f"{self.field_label}: {self.old_value} → {self.new_value}"


class StateChange(models.Model):
    """Base of the state histories (documents, re-enrolment dossiers): who, when, why.

    Each history adds the object it follows and ``old_state`` / ``new_state`` with its choices.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        abstract = True
        verbose_name = _("changement d'état")
        verbose_name_plural = _("historique")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.old_state or '–'} → {self.new_state}"


class OutboundEmail(models.Model):
    """An email waiting to be sent, kept until the mail server has accepted it."""

    class State(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("abandonné")

    name = models.CharField(_("modèle"), max_length=100)
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Le site de la famille destinataire, quand il est connu."),
    )
    to = models.JSONField(_("destinataires"))
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    # How to make, at send time, the secrets the bodies show as placeholders (never a secret).
    secrets = models.JSONField(_("secrets créés à l'envoi"), default=dict, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="email_pending_due")]

    def __str__(self) -> str:
        return self.subject


class SchoolLevel(models.Model):
    """Reference data: niveau scolaire, from Petite section to Adulte."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("libellé"), max_length=60)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("niveau scolaire")
        verbose_name_plural = _("niveaux scolaires")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label


class SocioProfessionalCategory(models.Model):
    """Reference data: INSEE PCS 2020, groups and categories."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    label = models.CharField(_("libellé"), max_length=150)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("catégorie socio-professionnelle")
        verbose_name_plural = _("catégories socio-professionnelles")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label


class Civility(models.Model):
    """Reference data: Madame, Monsieur…"""

    code = models.SlugField(_("code"), max_length=10, unique=True)
    label = models.CharField(_("libellé"), max_length=30)
    short_label = models.CharField(_("abréviation"), max_length=10)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("civilité")
        verbose_name_plural = _("civilités")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label


class PaymentMeans(models.Model):
    """Reference data: how a family pays (prélèvement, chèque, chèques vacances…)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("libellé"), max_length=60)
    is_direct_debit = models.BooleanField(
        _("prélèvement SEPA"),
        default=False,
        help_text=_("Demande un RIB et un mandat de prélèvement signé."),
    )
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("moyen de paiement")
        verbose_name_plural = _("moyens de paiement")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label
