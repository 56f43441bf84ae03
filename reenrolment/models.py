"""Re-enrolment windows and the dossiers families submit during them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import Season, Site, StateChange
from students.models import Course, Enrolment, Student


class ReenrolmentWindow(models.Model):
    """The dates during which a site accepts re-enrolments for a season (campagne)."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="reenrolment_windows", verbose_name=_("site")
    )
    season = models.ForeignKey(
        Season, on_delete=models.PROTECT, related_name="reenrolment_windows", verbose_name=_("saison visée")
    )
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("fermeture"))

    class Meta:
        verbose_name = _("période de réinscription")
        verbose_name_plural = _("périodes de réinscription")
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "season"], name="window_one_per_site_season"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="window_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} – {self.season}"

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class ReenrolmentQuerySet(models.QuerySet):
    def for_family(self, family):
        return self.filter(student__family=family)


class Reenrolment(models.Model):
    """A pupil's dossier to carry on next season: courses to continue, wishes, rules accepted."""

    class State(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        SUBMITTED = "submitted", _("en attente de validation")
        VALIDATED = "validated", _("validée")
        WAITLISTED = "waitlisted", _("en liste d'attente")
        REFUSED = "refused", _("refusée")
        WITHDRAWN = "withdrawn", _("retirée")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="reenrolments", verbose_name=_("élève")
    )
    window = models.ForeignKey(
        ReenrolmentWindow, on_delete=models.PROTECT, related_name="reenrolments", verbose_name=_("période")
    )
    state = models.CharField(_("état"), max_length=12, choices=State.choices, default=State.DRAFT)
    administrative = models.BooleanField(_("réinscription administrative"), default=False)
    information = models.TextField(_("information complémentaire"), blank=True)
    house_rules_version = models.CharField(_("version du règlement accepté"), max_length=30, blank=True)
    house_rules_accepted_at = models.DateTimeField(_("règlement accepté le"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    complete_at = models.DateTimeField(
        _("dossier complet le"),
        null=True,
        blank=True,
        help_text=_(
            "Moment où la dernière pièce obligatoire a été fournie : les places sont données dans cet ordre."
        ),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ReenrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("réinscription")
        verbose_name_plural = _("réinscriptions")
        ordering = ["complete_at", "submitted_at"]
        indexes = [
            models.Index(fields=["window", "state"], name="reenrolment_window_state"),
            models.Index(fields=["complete_at", "submitted_at"], name="reenrolment_queue_order"),
            models.Index(fields=["submitted_at"], name="reenrolment_submitted_at"),  # date hierarchy
        ]
        constraints = [
            models.UniqueConstraint(fields=["student", "window"], name="reenrolment_one_per_student_window"),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.window.season}"


class ReenrolmentChoice(models.Model):
    """One course asked for in a dossier: a course carried on, or a new wish."""

    class Kind(models.TextChoices):
        CONTINUE = "continue", _("réinscription")
        WISH = "wish", _("nouveau vœu")

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("place attribuée")
        WAITLISTED = "waitlisted", _("liste d'attente")
        REFUSED = "refused", _("refusé")

    reenrolment = models.ForeignKey(
        Reenrolment, on_delete=models.CASCADE, related_name="choices", verbose_name=_("réinscription")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="reenrolment_choices", verbose_name=_("cours demandé")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    from_enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscription poursuivie"),
    )
    preference = models.PositiveSmallIntegerField(_("ordre de préférence"), default=1)
    state = models.CharField(_("état"), max_length=12, choices=State.choices, default=State.PENDING)
    waitlist_position = models.PositiveIntegerField(_("rang en liste d'attente"), null=True, blank=True)

    class Meta:
        verbose_name = _("cours demandé")
        verbose_name_plural = _("cours demandés")
        ordering = ["preference", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reenrolment", "course"], name="choice_unique_course"),
            models.UniqueConstraint(
                fields=["course", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="choice_unique_waitlist_position",
            ),
        ]

    def __str__(self) -> str:
        return str(self.course)


class ReenrolmentStateChange(StateChange):
    """History of a dossier: old state, new state, who, when, why."""

    reenrolment = models.ForeignKey(
        Reenrolment, on_delete=models.CASCADE, related_name="history", verbose_name=_("réinscription")
    )
    old_state = models.CharField(
        _("ancien état"), max_length=12, choices=Reenrolment.State.choices, blank=True
    )
    new_state = models.CharField(_("nouvel état"), max_length=12, choices=Reenrolment.State.choices)


class NextSeasonCourse(Course):
    """A course seen by the secretariat during re-enrolment: places, seats taken, waiting list."""

    class Meta:
        proxy = True
        verbose_name = _("places d'un cours (saison à venir)")
        verbose_name_plural = _("places des cours (saison à venir)")
