"""The school year: calendar, lessons, the roll, absences reported in advance, evaluations, teachers.

Imported at the end of ``students.models`` so Django sees these models as the students app's.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import SchoolZone, Season, Site, StateChange
from families.models import Family, phone_validator
from students.models import Course, Enrolment, Student

__all__ = [
    "AbsenceNotice",
    "Attendance",
    "ClosureDay",
    "Evaluation",
    "FamilyCalendar",
    "Lesson",
    "LessonChange",
    "SchoolHoliday",
    "SchoolYearSettings",
    "StoredBulletin",
    "Teacher",
    "Term",
    "TermSystem",
]


class SchoolHoliday(models.Model):
    """Reference data: French school holidays and public holidays (no lessons on those days).

    Dates follow the Éducation nationale calendar: lessons stop on ``starts_on`` (the
    Saturday "fin des cours") and start again the day after ``ends_on``. An empty zone is a
    holiday of every zone (Toussaint, Noël, public holidays).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    zone = models.CharField(
        _("zone"),
        max_length=1,
        choices=SchoolZone.choices,
        blank=True,
        help_text=_("Vide : toutes les zones."),
    )
    starts_on = models.DateField(_("premier jour sans cours"))
    ends_on = models.DateField(_("dernier jour sans cours"))

    class Meta:
        verbose_name = _("vacances scolaires ou jour férié")
        verbose_name_plural = _("vacances scolaires et jours fériés")
        ordering = ["starts_on", "zone"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="school_holiday_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(zone__in=["", "A", "B", "C"]), name="school_holiday_zone"),
        ]

    def __str__(self) -> str:
        zone = f" ({self.get_zone_display()})" if self.zone else ""
        return f"{self.name}{zone}"


class TermSystem(models.TextChoices):
    TRIMESTERS = "trimesters", _("trimestres")
    SEMESTERS = "semesters", _("semestres")


class SchoolYearSettings(models.Model):
    """How a site runs its school year: terms, what evaluations hold, absence emails."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="school_year_settings", verbose_name=_("site")
    )
    term_system = models.CharField(
        _("découpage de l'année"), max_length=12, choices=TermSystem.choices, default=TermSystem.TRIMESTERS
    )
    uses_levels = models.BooleanField(
        _("niveau dans les évaluations"), default=True, help_text=_("Le professeur indique un niveau.")
    )
    uses_skills = models.BooleanField(
        _("compétences dans les évaluations"),
        default=False,
        help_text=_("Le professeur indique les compétences acquises."),
    )
    email_unexcused_absence = models.BooleanField(
        _("prévenir les familles d'une absence non excusée"),
        default=True,
        help_text=_("Un e-mail part aux responsables le jour même, dès l'appel."),
    )

    class Meta:
        verbose_name = _("réglages de l'année scolaire")
        verbose_name_plural = _("réglages de l'année scolaire")

    def __str__(self) -> str:
        return str(self.site)

    @classmethod
    def for_site(cls, site: Site) -> SchoolYearSettings:
        """The site's settings, or the defaults (not saved) when the secretariat set none."""
        found = cls.objects.filter(site=site).first()
        return found if found is not None else cls(site=site)


class ClosureDay(models.Model):
    """A day the site closes (pédagogical day, elections in the building…): no lessons."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="closure_days", verbose_name=_("site")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("motif"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("jour de fermeture")
        verbose_name_plural = _("jours de fermeture")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["site", "date"], name="closure_day_unique")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.reason}".strip()


class Teacher(models.Model):
    """A teacher: a login of the site, linked to the courses they teach."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teacher", verbose_name=_("compte")
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="teachers", verbose_name=_("site"))
    phone = models.CharField(_("téléphone"), max_length=10, blank=True, validators=[phone_validator])
    courses = models.ManyToManyField(Course, blank=True, related_name="teachers", verbose_name=_("cours"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("professeur")
        verbose_name_plural = _("professeurs")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()


class LessonQuerySet(models.QuerySet):
    def for_students(self, students):
        """Lessons of the courses ``students`` (a queryset) are actively enrolled in."""
        return self.filter(
            Exists(
                Enrolment.objects.filter(
                    course=OuterRef("course"), student__in=students, status=Enrolment.Status.ACTIVE
                )
            )
        )

    def for_family(self, family: Family):
        return self.for_students(Student.objects.for_family(family))

    def for_teacher(self, teacher: Teacher):
        return self.filter(course__teachers=teacher)

    def with_course(self):
        return self.select_related("course__discipline", "course__pole")


class Lesson(models.Model):
    """One lesson of a course, generated from its timetable; cancelled or moved by staff or teacher."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("prévu")
        MOVED = "moved", _("déplacé")
        CANCELLED = "cancelled", _("annulé")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("cours")
    )
    # The date the timetable gave; stays when the lesson moves, so generating again adds nothing.
    scheduled_on = models.DateField(_("date prévue"))
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    room = models.CharField(_("salle"), max_length=50, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    reason = models.CharField(_("motif"), max_length=255, blank=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["date", "starts_at", "pk"]
        indexes = [models.Index(fields=["date", "starts_at"], name="lesson_date")]
        constraints = [
            models.UniqueConstraint(fields=["course", "scheduled_on"], name="lesson_one_per_course_and_day"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="lesson_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.name} – {self.date:%d/%m/%Y} {self.starts_at:%H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def starts(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.date, self.starts_at))

    def ends(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.date, self.ends_at))


class LessonChange(StateChange):
    """A lesson cancelled or moved: who, when, why, and where it was before."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="history", verbose_name=_("séance")
    )
    old_state = models.CharField(_("ancien état"), max_length=10, choices=Lesson.Status.choices)
    new_state = models.CharField(_("nouvel état"), max_length=10, choices=Lesson.Status.choices)
    old_slot = models.CharField(_("ancien horaire"), max_length=100, blank=True)
    new_slot = models.CharField(_("nouvel horaire"), max_length=100, blank=True)

    class Meta(StateChange.Meta):
        verbose_name = _("changement de séance")
        verbose_name_plural = _("changements de séance")


class Attendance(models.Model):
    """A pupil at a lesson, as the teacher took the roll (or the secretariat corrected it)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("présent")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excusé")
        LATE = "late", _("en retard")

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("séance")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("élève")
    )
    status = models.CharField(_("présence"), max_length=10, choices=Status.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    recorded_at = models.DateTimeField(_("saisi le"), default=timezone.now)
    guardians_notified_at = models.DateTimeField(_("famille prévenue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-lesson__date", "student__last_name"]
        constraints = [models.UniqueConstraint(fields=["lesson", "student"], name="attendance_unique")]
        indexes = [models.Index(fields=["student", "status"], name="attendance_student_status")]

    def __str__(self) -> str:
        return f"{self.student} – {self.lesson}: {self.get_status_display()}"

    @property
    def is_absence(self) -> bool:
        return self.status in (self.Status.ABSENT, self.Status.EXCUSED)


class AbsenceNotice(models.Model):
    """A coming absence a guardian reported from the portal: the teacher sees it on the roll."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="absence_notices", verbose_name=_("élève")
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    reason = models.CharField(_("motif"), max_length=255)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signalée par"),
    )
    created_at = models.DateTimeField(_("signalée le"), default=timezone.now)

    class Meta:
        verbose_name = _("absence signalée")
        verbose_name_plural = _("absences signalées")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["student", "starts_on"], name="absence_notice_student")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_notice_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"


class Term(models.Model):
    """A trimester or semester of a site's season; its evaluations reach families once published."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="terms", verbose_name=_("site"))
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    system = models.CharField(_("découpage"), max_length=12, choices=TermSystem.choices)
    number = models.PositiveSmallIntegerField(_("numéro"))
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    published_on = models.DateField(
        _("évaluations publiées le"),
        null=True,
        blank=True,
        help_text=_("À partir de cette date, les familles voient les évaluations et le bulletin."),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiées par"),
    )

    class Meta:
        verbose_name = _("période d'évaluation")
        verbose_name_plural = _("périodes d'évaluation")
        ordering = ["season", "site", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "season", "number"], name="term_unique")]

    def __str__(self) -> str:
        return f"{self.label} {self.season}"

    @property
    def label(self) -> str:
        if self.system == TermSystem.SEMESTERS:
            return str(_("1er semestre") if self.number == 1 else _("2nd semestre"))
        return str({1: _("1er trimestre"), 2: _("2e trimestre")}.get(self.number, _("3e trimestre")))

    def is_published(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.published_on is not None and self.published_on <= on


class Evaluation(models.Model):
    """A teacher's appreciation of a pupil in a course for a term."""

    class Level(models.TextChoices):
        VERY_GOOD = "very_good", _("très satisfaisant")
        GOOD = "good", _("satisfaisant")
        PROGRESSING = "progressing", _("en progrès")
        INSUFFICIENT = "insufficient", _("insuffisant")

    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("période")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("cours")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("élève")
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("professeur"),
    )
    appreciation = models.TextField(_("appréciation"))
    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices, blank=True)
    skills = models.TextField(_("compétences acquises"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["term", "student__last_name", "course__name"]
        constraints = [
            models.UniqueConstraint(fields=["term", "course", "student"], name="evaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.course.name} – {self.term.label}"


class StoredBulletin(models.Model):
    """A pupil's bulletin of a published term, rendered once (by a task) and served as stored.

    Correcting one of the pupil's evaluations of the term deletes it; it is rendered again.
    """

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="bulletins", verbose_name=_("élève")
    )
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="bulletins", verbose_name=_("période")
    )
    filename = models.CharField(_("nom du fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("produit le"), default=timezone.now)

    class Meta:
        verbose_name = _("bulletin produit")
        verbose_name_plural = _("bulletins produits")
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="stored_bulletin_unique")]

    def __str__(self) -> str:
        return self.filename


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class FamilyCalendar(models.Model):
    """The secret address of a family's lessons feed (iCal); renewing it kills the old one."""

    family = models.OneToOneField(
        Family, on_delete=models.CASCADE, related_name="calendar", verbose_name=_("famille")
    )
    token = models.CharField(_("jeton"), max_length=64, unique=True, default=new_calendar_token)
    renewed_at = models.DateTimeField(_("créé le"), default=timezone.now)
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )

    class Meta:
        verbose_name = _("calendrier de la famille")
        verbose_name_plural = _("calendriers des familles")

    def __str__(self) -> str:
        return str(self.family)
