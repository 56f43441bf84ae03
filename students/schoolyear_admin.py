"""The secretariat's admin of the school year: calendar, teachers, lessons, attendance, evaluations.

Every change goes through ``students.schoolyear_services`` like a teacher's or a family's.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from extranet.base.admin import (
    ChangeRecordInline,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    SiteScopedAdminMixin,
)
from extranet.base.exports import export_csv_action
from extranet.base.models import Site, User
from extranet.base.scoping import scope_to_staff
from students import schoolyear_services as services
from students.models import Course
from students.schoolyear_models import (
    AbsenceNotice,
    Attendance,
    ClosureDay,
    Evaluation,
    Lesson,
    LessonChange,
    SchoolHoliday,
    SchoolYearSettings,
    Teacher,
    Term,
)


class MissingHolidaysWarningMixin:
    """The list says when the current or next season's holidays are missing for a zone of the
    staff member's sites: lessons cannot be generated until they are entered."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            sites = scope_to_staff(Site.objects.exclude(zone=""), request.user)
            for text in services.holiday_gaps(sites):
                self.message_user(request, text, messages.WARNING)
        return super().changelist_view(request, extra_context)


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(MissingHolidaysWarningMixin, admin.ModelAdmin):
    list_display = ("name", "zone", "starts_on", "ends_on")
    list_filter = ("zone",)
    search_fields = ("name", "code")
    ordering = ("starts_on", "zone")
    date_hierarchy = "starts_on"


@admin.register(SchoolYearSettings)
class SchoolYearSettingsAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "term_system", "uses_levels", "uses_skills", "email_unexcused_absence")


@admin.register(ClosureDay)
class ClosureDayAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("date", "site", "reason")
    list_filter = ("site",)
    ordering = ("-date",)


# --- Teachers ---------------------------------------------------------------------------------


class TeacherCreationForm(forms.ModelForm):
    """A new teacher: their login is created with them, without a password (the welcome link sets it)."""

    identifier = forms.CharField(label=_("identifiant"), max_length=150)
    first_name = forms.CharField(label=_("prénom"), max_length=150)
    last_name = forms.CharField(label=_("nom"), max_length=150)
    email = forms.EmailField(label=_("e-mail"), help_text=_("Le lien de première connexion y est envoyé."))

    class Meta:
        model = Teacher
        fields = ("site", "phone", "courses")

    def clean(self):
        data = super().clean()
        site, identifier = data.get("site"), (data.get("identifier") or "").strip()
        if site and identifier and User.objects.filter(site=site, identifier__iexact=identifier).exists():
            self.add_error("identifier", _("Cet identifiant est déjà pris sur ce site."))
        courses = data.get("courses") or []
        if site and any(course.pole.site_id != site.pk for course in courses):
            self.add_error("courses", _("Choisissez des cours de ce site."))
        return data


@admin.action(description=_("Envoyer le lien de première connexion"))
def send_welcome(modeladmin, request, queryset):
    """One task sends the links after commit (``queue_teacher_welcomes``)."""
    modeladmin.message_user(
        request, sending_message(services.queue_teacher_welcomes(queryset)), messages.SUCCESS
    )


def sending_message(count: int) -> str:
    return ngettext("Envoi en cours : %(count)d e-mail.", "Envoi en cours : %(count)d e-mails.", count) % {
        "count": count
    }


@admin.register(Teacher)
class TeacherAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "identifier", "site", "phone", "course_count")
    list_filter = ("site",)
    list_select_related = ("user", "site")
    search_fields = ("user__last_name", "user__first_name", "user__identifier", "user__email")
    filter_horizontal = ("courses",)
    actions = [send_welcome]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TeacherCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("site", "identifier", "first_name", "last_name", "email", "phone", "courses")
        return ("user", "site", "phone", "courses")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "site") if obj is not None else ()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(courses_taught=Count("courses"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "courses":
            kwargs["queryset"] = Course.objects.filter(
                Q(season__is_current=True) | Q(season__is_next=True)
            ).select_related("season")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("identifiant"), ordering="user__identifier")
    def identifier(self, teacher: Teacher) -> str:
        return teacher.user.identifier

    @admin.display(description=_("cours"), ordering="courses_taught")
    def course_count(self, teacher: Teacher) -> int:
        return teacher.courses_taught

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        try:
            teacher = services.create_teacher(
                site=data["site"],
                identifier=data["identifier"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data.get("phone", ""),
                courses=data.get("courses") or [],
                actor=request.user,
            )
        except services.SchoolYearError as error:
            # The form checked the same rules; a race with another secretary lands here.
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = teacher.pk
        obj.user = teacher.user

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)


# --- Lessons ----------------------------------------------------------------------------------


class LessonChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LessonChange
    fields = ("at", "actor", "old_state", "new_state", "old_slot", "new_slot", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0


class AttendanceInline(SiteScopedAdminMixin, admin.TabularInline):
    model = Attendance
    fields = ("student", "status", "note", "recorded_by", "recorded_at")
    readonly_fields = ("student", "status", "note", "recorded_by", "recorded_at")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class LessonActionForm(ActionForm):
    cancel_reason = forms.CharField(
        label=_("Motif (annulation)"),
        max_length=255,
        required=False,
        help_text=_("Envoyé aux familles avec l'annulation."),
    )


@admin.action(description=_("Annuler les séances choisies (les familles sont prévenues)"))
def cancel_lessons(modeladmin, request, queryset):
    reason = request.POST.get("cancel_reason", "").strip()
    if not reason:
        modeladmin.message_user(
            request, _("Indiquez le motif de l'annulation : il est envoyé aux familles."), messages.ERROR
        )
        return
    done, emails, refused = 0, 0, []
    for lesson in queryset.select_related("course"):
        try:
            services.cancel_lesson(lesson_id=lesson.pk, actor=request.user, reason=reason)
            done += 1
            emails += services.families_to_notify(lesson)
        except services.SchoolYearError as error:
            refused.append(f"{lesson} : {error.message}")
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d séance annulée.", "%(count)d séances annulées.", done) % {"count": done},
            messages.SUCCESS,
        )
        modeladmin.message_user(request, sending_message(emails), messages.SUCCESS)
    for text in refused:
        modeladmin.message_user(request, text, messages.WARNING)


class LessonForm(forms.ModelForm):
    """Moving a lesson in the admin: the same rules as the teacher's form, checked next to the fields."""

    class Meta:
        model = Lesson
        fields = ("date", "starts_at", "ends_at", "room", "reason")

    def clean(self):
        data = super().clean()
        moved = {"date", "starts_at", "ends_at", "room"} & set(self.changed_data)
        if not moved:
            return data
        if self.instance.is_cancelled:
            raise forms.ValidationError(_("Cette séance est annulée : elle ne peut plus être déplacée."))
        if data.get("date") and data["date"] < timezone.localdate():
            self.add_error("date", _("Choisissez une date à venir."))
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("L'heure de fin doit suivre l'heure de début."))
        return data


@admin.register(Lesson)
class LessonAdmin(MissingHolidaysWarningMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("date", "starts_at", "ends_at", "course", "room", "status")
    list_filter = ("status", "course__pole__site", "course__season", "course__teachers", "course")
    list_select_related = ("course__season",)
    search_fields = ("course__name", "room")
    date_hierarchy = "date"
    ordering = ("-date", "starts_at")
    form = LessonForm
    fields = ("course", "scheduled_on", "status", "date", "starts_at", "ends_at", "room", "reason")
    readonly_fields = ("course", "scheduled_on", "status")
    inlines = [AttendanceInline, LessonChangeInline]
    actions = [cancel_lessons]
    action_form = LessonActionForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """A change of day, time or room is a move: locked, recorded and emailed to the families."""
        data = form.cleaned_data
        if {"date", "starts_at", "ends_at", "room"} & set(form.changed_data):
            services.move_lesson(
                lesson_id=obj.pk,
                actor=request.user,
                date=data["date"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                room=data["room"],
                reason=data["reason"],
            )
            self.message_user(request, sending_message(services.families_to_notify(obj)), messages.SUCCESS)
        elif "reason" in form.changed_data:
            Lesson.objects.filter(pk=obj.pk).update(reason=data["reason"])


# --- Attendance -------------------------------------------------------------------------------


class UnexcusedAbsencesFilter(admin.SimpleListFilter):
    """Pupils with at least N unexcused absences this season (the secretariat calls the family)."""

    title = _("absences non excusées de l'élève (saison en cours)")
    parameter_name = "absences_min"
    THRESHOLDS = (2, 3, 5, 10)

    def lookups(self, request, model_admin):
        return [(str(n), _("%(count)d ou plus") % {"count": n}) for n in self.THRESHOLDS]

    def queryset(self, request, queryset):
        try:
            threshold = int(self.value() or 0)
        except ValueError:
            return queryset
        if threshold <= 0:
            return queryset
        students = (
            Attendance.objects.filter(
                status=Attendance.Status.ABSENT, lesson__course__season__is_current=True
            )
            .values("student")
            .annotate(total=Count("pk"))
            .filter(total__gte=threshold)
            .values("student")
        )
        return queryset.filter(student__in=students)


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ("status", "note")


export_attendance = export_csv_action(
    [
        (_("date"), lambda a: a.lesson.date),
        (_("heure"), lambda a: a.lesson.starts_at.strftime("%H:%M")),
        "lesson__course__name",
        "student",
        "student__family",
        "status",
        "note",
        "recorded_at",
    ],
    filename="presences",
    select_related=["lesson__course", "student__family"],
)


@admin.register(Attendance)
class AttendanceAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "lesson_date",
        "lesson",
        "student",
        "status",
        "note",
        "recorded_by",
        "guardians_notified_at",
    )
    list_filter = (
        UnexcusedAbsencesFilter,
        "status",
        "lesson__course__pole__site",
        "lesson__course__teachers",
        "lesson__course",
    )
    list_select_related = ("lesson__course", "student", "recorded_by")
    search_fields = (
        "student__last_name",
        "student__first_name",
        "lesson__course__name",
        "student__family__name",
    )
    autocomplete_fields = ()
    date_hierarchy = "lesson__date"
    form = AttendanceForm
    fields = ("lesson", "student", "status", "note", "recorded_by", "recorded_at", "guardians_notified_at")
    readonly_fields = ("lesson", "student", "recorded_by", "recorded_at", "guardians_notified_at")
    inlines = [ChangeRecordInline]
    actions = [export_attendance]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("date"), ordering="lesson__date")
    def lesson_date(self, attendance: Attendance):
        return attendance.lesson.date

    def save_model(self, request, obj, form, change):
        services.correct_attendance(
            attendance=obj,
            actor=request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )


@admin.register(AbsenceNotice)
class AbsenceNoticeAdmin(ServiceAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    """Absences reported in advance: the secretariat may report one for a family (by phone), through
    the same service as the Suivi tab; a report is then kept as it was made."""

    list_display = ("student", "starts_on", "ends_on", "reason", "created_at")
    list_select_related = ("student",)
    search_fields = ("student__last_name", "student__first_name", "reason")
    date_hierarchy = "starts_on"
    readonly_fields = ("reported_by", "created_at")
    autocomplete_fields = ("student",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.pk = services.report_absence(
            family=obj.student.family,
            actor=request.user,
            student_id=obj.student_id,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            reason=obj.reason,
        ).pk


# --- Terms and evaluations --------------------------------------------------------------------


@admin.action(description=_("Publier les évaluations aujourd'hui"))
def publish_today(modeladmin, request, queryset):
    today = timezone.localdate()
    for term in queryset:
        services.publish_term(term=term, actor=request.user, published_on=today)
    count = queryset.count()
    modeladmin.message_user(
        request,
        ngettext("%(count)d période publiée.", "%(count)d périodes publiées.", count) % {"count": count},
        messages.SUCCESS,
    )


@admin.register(Term)
class TermAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "site", "starts_on", "ends_on", "published_on", "evaluation_count")
    list_filter = ("site", "season")
    list_select_related = ("site", "season")
    fields = ("site", "season", "system", "number", "starts_on", "ends_on", "published_on", "published_by")
    readonly_fields = ("published_by",)
    actions = [publish_today]
    inlines = [ChangeRecordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evaluations_written=Count("evaluations"))

    @admin.display(description=_("évaluations"), ordering="evaluations_written")
    def evaluation_count(self, term: Term) -> int:
        return term.evaluations_written

    def save_model(self, request, obj, form, change):
        published_on = form.cleaned_data.get("published_on")
        if change and "published_on" in form.changed_data:
            obj.published_on = form.initial.get("published_on")
            super().save_model(request, obj, form, change)
            services.publish_term(term=obj, actor=request.user, published_on=published_on)
            return
        super().save_model(request, obj, form, change)


export_evaluations = export_csv_action(
    [
        "term__season",
        (_("période"), lambda e: e.term.label),
        "course__name",
        "student",
        "teacher",
        "level",
        "appreciation",
        "skills",
    ],
    filename="evaluations",
    select_related=["term__season", "course", "student", "teacher__user"],
)


@admin.register(Evaluation)
class EvaluationAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("student", "course", "term", "teacher", "level", "updated_at")
    list_filter = ("term__season", "term__site", "term", "teacher", "course", "level")
    list_select_related = ("student", "course", "term__season", "teacher__user")
    search_fields = ("student__last_name", "student__first_name", "course__name", "appreciation")
    autocomplete_fields = ("student",)
    fields = ("term", "course", "student", "teacher", "appreciation", "level", "skills")
    readonly_fields = ("term", "course", "student", "teacher")
    actions = [export_evaluations]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.correct_evaluation(
            evaluation=obj,
            actor=request.user,
            appreciation=data["appreciation"],
            level=data["level"],
            skills=data["skills"],
        )
