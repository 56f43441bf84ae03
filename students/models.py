"""Pupils, what is taught (disciplines, cycles, courses) and who is in which course."""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.models import Civility, Pole, SchoolLevel, Season, postal_code_validator
from families.models import Family, phone_validator


class StudentQuerySet(models.QuerySet):
    def for_family(self, family: Family):
        return self.filter(family=family)


class Student(models.Model):
    """A pupil of a family: a child or an adult learner."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="students", verbose_name=_("famille")
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
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    birth_place = models.CharField(_("lieu de naissance"), max_length=150, blank=True)
    use_guardian_contact = models.BooleanField(
        _("utiliser les coordonnées du responsable légal"), default=True
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("ville"), max_length=100, blank=True)
    phone_home = models.CharField(
        _("téléphone domicile"), max_length=10, blank=True, validators=[phone_validator]
    )
    mobile = models.CharField(_("mobile"), max_length=10, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    image_rights = models.BooleanField(
        _("droit à l'image"), null=True, blank=True, help_text=_("Vide tant que la famille n'a pas répondu.")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("élève")
        verbose_name_plural = _("élèves")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="student_name")]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    def age_on(self, day: date) -> int | None:
        if not self.birth_date:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class SchoolRecord(models.Model):
    """Where a pupil goes to school in a season (établissement and niveau scolaire)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="school_records", verbose_name=_("élève")
    )
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    school_name = models.CharField(_("établissement scolaire"), max_length=150, blank=True)
    school_level = models.ForeignKey(
        SchoolLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau scolaire"),
    )

    class Meta:
        verbose_name = _("scolarité")
        verbose_name_plural = _("scolarités")
        constraints = [
            models.UniqueConstraint(fields=["student", "season"], name="school_record_one_per_season")
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.season}"


class Discipline(models.Model):
    """A cursus or discipline: Piano, Danse classique, Formation musicale, Chœur…"""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    is_dance = models.BooleanField(
        _("danse"), default=False, help_text=_("Les élèves en danse fournissent un certificat médical.")
    )

    class Meta:
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cycle(models.Model):
    """Éveil, Initiation, Cycle 1, 2, 3, Adultes."""

    name = models.CharField(_("nom"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class CourseCategory(models.TextChoices):
    """The families of courses the re-enrolment rules talk about (guide of Sèvre Loire)."""

    EVEIL = "eveil", _("Éveil / jardin")
    DISCOVERY = "discovery", _("Parcours découverte")
    INSTRUMENT = "instrument", _("Instrument")
    COLLECTIVE = "collective", _("Pratique collective")
    CULTURE = "culture", _("Culture musicale / formation musicale")
    ADULT = "adult", _("Adultes")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("lundi")
    TUESDAY = 2, _("mardi")
    WEDNESDAY = 3, _("mercredi")
    THURSDAY = 4, _("jeudi")
    FRIDAY = 5, _("vendredi")
    SATURDAY = 6, _("samedi")
    SUNDAY = 7, _("dimanche")


class CourseQuerySet(models.QuerySet):
    def with_names(self):
        return self.select_related("discipline", "cycle", "pole", "season")


class Course(models.Model):
    """A group or individual lesson of one season, on one pôle, with a timetable and places."""

    season = models.ForeignKey(
        Season, on_delete=models.PROTECT, related_name="courses", verbose_name=_("saison")
    )
    pole = models.ForeignKey(Pole, on_delete=models.PROTECT, related_name="courses", verbose_name=_("pôle"))
    discipline = models.ForeignKey(
        Discipline, on_delete=models.PROTECT, related_name="courses", verbose_name=_("discipline")
    )
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("cycle"),
    )
    category = models.CharField(_("catégorie"), max_length=20, choices=CourseCategory.choices)
    name = models.CharField(_("cours"), max_length=150)
    continues = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="continued_by",
        verbose_name=_("suite du cours"),
        help_text=_("Le cours de la saison précédente dont celui-ci est la suite (réinscription)."),
    )
    semester = models.PositiveSmallIntegerField(
        _("semestre"),
        null=True,
        blank=True,
        choices=[(1, _("1er semestre")), (2, _("2nd semestre"))],
        help_text=_("Pour les parcours découverte."),
    )
    teacher_name = models.CharField(_("professeur"), max_length=150, blank=True)
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices, null=True, blank=True)
    starts_at = models.TimeField(_("début"), null=True, blank=True)
    ends_at = models.TimeField(_("fin"), null=True, blank=True)
    room = models.CharField(_("salle"), max_length=50, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    min_age = models.PositiveSmallIntegerField(
        _("âge minimum"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("âge maximum"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    beginners_allowed = models.BooleanField(_("ouvert aux débutants"), default=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("cours")
        verbose_name_plural = _("cours")
        ordering = ["season", "pole", "discipline__name", "name"]
        indexes = [models.Index(fields=["season", "pole"], name="course_season_pole")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="course_capacity_positive"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="course_age_range",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="course_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(semester__isnull=True) | Q(semester__in=[1, 2]), name="course_semester_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.season})"

    @property
    def timetable(self) -> str:
        if self.weekday is None or self.starts_at is None or self.ends_at is None:
            return ""
        text = f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
        return f"{text}, {self.room}" if self.room else text


class EnrolmentQuerySet(models.QuerySet):
    def for_family(self, family: Family):
        return self.filter(student__family=family)

    def active(self):
        return self.filter(status=Enrolment.Status.ACTIVE)


class Enrolment(models.Model):
    """A pupil in a course for a season (inscription)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("inscrit")
        COMPLETED = "completed", _("terminé")
        STOPPED = "stopped", _("arrêté")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("élève")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("cours")
    )
    # The course's season, repeated so "this pupil's courses of a season" is one indexed lookup.
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["season", "course__name"]
        indexes = [
            models.Index(fields=["student", "season"], name="enrolment_student_season"),
            models.Index(fields=["created_at"], name="enrolment_created_at"),  # the admin's date hierarchy
        ]
        constraints = [models.UniqueConstraint(fields=["student", "course"], name="enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.student} – {self.course}"

    def save(self, *args, **kwargs):
        self.season_id = self.course.season_id
        super().save(*args, **kwargs)


class RepertoireEntry(models.Model):
    """A work a pupil studied in a season (Répertoire tab)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="repertoire", verbose_name=_("élève")
    )
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="+", verbose_name=_("saison"))
    discipline = models.ForeignKey(
        Discipline,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discipline"),
    )
    work = models.CharField(_("œuvre"), max_length=255)
    composer = models.CharField(_("compositeur"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("œuvre du répertoire")
        verbose_name_plural = _("répertoire")
        ordering = ["-season__starts_on", "work"]
        indexes = [models.Index(fields=["student", "season"], name="repertoire_student_season")]

    def __str__(self) -> str:
        return self.work


from students.schoolyear_models import *  # noqa: E402,F403
