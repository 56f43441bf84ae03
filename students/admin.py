"""Pupils, disciplines, cycles, courses (with places taken), enrolments and repertoire."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from extranet.base.admin import (
    ChangeRecordInline,
    LongListAdminMixin,
    ServiceAdminMixin,
    ServiceInlineMixin,
    SiteScopedAdminMixin,
    VersionedAdminMixin,
)
from extranet.base.errors import DomainError, show_domain_error
from extranet.base.exports import export_csv_action
from extranet.base.search import search_by_field
from families.admin import FamilyAdmin, FamilyMembershipInline
from families.models import Family
from students import services
from students.models import (
    Course,
    Cycle,
    Discipline,
    Enrolment,
    RepertoireEntry,
    SchoolRecord,
    Student,
)


class SchoolRecordInline(ServiceInlineMixin, SiteScopedAdminMixin, admin.TabularInline):
    model = SchoolRecord
    fields = ("season", "school_name", "school_level")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("season", "school_level")

    def add_row(self, request, parent, form):
        self._save(request, parent, form, record_id=None)

    def change_row(self, request, parent, form):
        self._save(request, parent, form, record_id=form.instance.pk)

    def _save(self, request, parent, form, *, record_id):
        services.save_school_record(
            student_id=parent.pk,
            actor=request.user,
            season=form.cleaned_data["season"],
            school_name=form.cleaned_data["school_name"],
            school_level=form.cleaned_data["school_level"],
            record_id=record_id,
        )

    def remove_row(self, request, parent, obj):
        services.remove_school_record(record_id=obj.pk, actor=request.user)


class StudentEnrolmentInline(ServiceInlineMixin, SiteScopedAdminMixin, admin.TabularInline):
    model = Enrolment
    fields = ("course", "season", "status", "created_at")
    readonly_fields = ("season", "created_at")
    autocomplete_fields = ("course",)
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("season", "course__season")

    def check_row(self, parent, form):
        if parent.family_id is not None:
            services.check_enrolment(
                student=parent, course=form.cleaned_data["course"], enrolment_id=form.instance.pk
            )

    def add_row(self, request, parent, form):
        services.enrol_student(
            student_id=parent.pk,
            course_id=form.cleaned_data["course"].pk,
            actor=request.user,
            status=form.cleaned_data["status"],
        )

    def change_row(self, request, parent, form):
        services.change_enrolment(
            enrolment_id=form.instance.pk,
            actor=request.user,
            course_id=form.cleaned_data["course"].pk,
            status=form.cleaned_data["status"],
        )


class RepertoireEntryInline(ServiceInlineMixin, SiteScopedAdminMixin, admin.TabularInline):
    model = RepertoireEntry
    fields = ("season", "discipline", "work", "composer")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("season", "discipline")

    def add_row(self, request, parent, form):
        _save_repertoire(request, parent.pk, form.cleaned_data, entry_id=None)

    def change_row(self, request, parent, form):
        _save_repertoire(request, parent.pk, form.cleaned_data, entry_id=form.instance.pk)

    def remove_row(self, request, parent, obj):
        services.remove_repertoire_entry(entry_id=obj.pk, actor=request.user)


def _save_repertoire(request, student_id: int, cleaned: dict, *, entry_id: int | None):
    return services.save_repertoire_entry(
        student_id=student_id,
        actor=request.user,
        season=cleaned["season"],
        discipline=cleaned["discipline"],
        work=cleaned["work"],
        composer=cleaned["composer"],
        entry_id=entry_id,
    )


def _school_level_next_season(student: Student):
    records = student.export_next_school_records
    return records[0].school_level if records else None


def _current_courses(student: Student) -> list[str]:
    return [enrolment.course.name for enrolment in student.export_current_enrolments]


export_students = export_csv_action(
    [
        "last_name",
        "first_name",
        "birth_date",
        "family",
        (_("niveau scolaire de la saison à venir"), _school_level_next_season),
        "image_rights",
        (_("cours de la saison en cours"), _current_courses),
    ],
    filename="eleves",
    prefetch_related=[
        Prefetch(
            "school_records",
            queryset=SchoolRecord.objects.filter(season__is_next=True).select_related("school_level"),
            to_attr="export_next_school_records",
        ),
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.filter(season__is_current=True, status=Enrolment.Status.ACTIVE)
            .select_related("course")
            .order_by("course__name", "pk"),
            to_attr="export_current_enrolments",
        ),
    ],
)


@admin.register(Student)
class StudentAdmin(LongListAdminMixin, VersionedAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "family", "site", "birth_date", "image_rights", "updated_at")
    list_filter = ("family__site", "image_rights", "enrolments__season", "enrolments__course__discipline")
    list_select_related = ("family__site",)
    search_fields = (
        "last_name",
        "first_name",
        "email",
        "family__name",
        "family__external_reference",
        "family__guardians__user__identifier",
        "family__guardians__email",
    )
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("family",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("family", "civility", "last_name", "first_name", "birth_date", "birth_place")}),
        (
            _("Coordonnées"),
            {
                "fields": (
                    "use_guardian_contact",
                    "address",
                    "postal_code",
                    "city",
                    "phone_home",
                    "mobile",
                    "email",
                )
            },
        ),
        (_("Autorisations"), {"fields": ("image_rights",)}),
        (_("Suivi"), {"fields": ("created_at", "updated_at", "edited_version")}),
    )
    inlines = [SchoolRecordInline, StudentEnrolmentInline, RepertoireEntryInline, ChangeRecordInline]
    actions = [export_students]

    def get_search_results(self, request, queryset, search_term):
        # One indexed query per field, ids put together (extranet.base.search): no DISTINCT.
        return search_by_field(queryset, search_term, self.get_search_fields(request)), False

    def save_addition(self, request, *, values):
        return services.create_student(actor=request.user, values=values)

    def save_change(self, request, obj, *, version, values):
        services.update_student(student_id=obj.pk, actor=request.user, version=version, values=values)

    @admin.display(description=_("site"), ordering="family__site__name")
    def site(self, student: Student):
        return student.family.site


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_dance")
    list_filter = ("is_dance",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("name", "order")
    search_fields = ("name",)
    ordering = ("order",)


@admin.register(Course)
class CourseAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "season",
        "pole",
        "category",
        "teacher_name",
        "timetable",
        "places",
        "ages",
        "beginners_allowed",
    )
    list_filter = ("season", "pole__site", "pole", "discipline", "category", "cycle", "beginners_allowed")
    list_select_related = ("season", "pole", "discipline", "cycle")
    search_fields = ("name", "teacher_name", "room", "discipline__name", "pole__name", "season__label")
    ordering = ("-season__starts_on", "pole__name", "discipline__name", "name")
    autocomplete_fields = ("discipline", "continues")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "season",
                    "pole",
                    "discipline",
                    "cycle",
                    "category",
                    "name",
                    "semester",
                    "continues",
                )
            },
        ),
        (_("Horaire"), {"fields": ("teacher_name", "weekday", "starts_at", "ends_at", "room")}),
        (_("Places et conditions"), {"fields": ("capacity", "min_age", "max_age", "beginners_allowed")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE)))
        )

    @admin.display(description=_("inscrits / places"), ordering="active_count")
    def places(self, course: Course) -> str:
        text = f"{course.active_count} / {course.capacity}"
        return f"{text} ({_('complet')})" if course.active_count >= course.capacity else text

    @admin.display(description=_("âges"))
    def ages(self, course: Course) -> str:
        if course.min_age is None and course.max_age is None:
            return ""
        if course.max_age is None:
            return _("%(min)s ans et plus") % {"min": course.min_age}
        if course.min_age is None:
            return _("jusqu'à %(max)s ans") % {"max": course.max_age}
        return _("%(min)s à %(max)s ans") % {"min": course.min_age, "max": course.max_age}

    @admin.display(description=_("horaire"))
    def timetable(self, course: Course) -> str:
        return course.timetable


export_enrolments = export_csv_action(
    [
        "student",
        "student__family",
        "season",
        "course__name",
        "course__pole",
        "course__teacher_name",
        (_("horaire"), lambda enrolment: enrolment.course.timetable),
        "status",
    ],
    filename="inscriptions",
    select_related=["course"],
)


class EnrolmentForm(forms.ModelForm):
    """Refuses, next to the field, what enrol_student / change_enrolment would."""

    def clean(self):
        cleaned = super().clean()
        student, course = cleaned.get("student"), cleaned.get("course")
        if student and course:
            try:
                services.check_enrolment(student=student, course=course, enrolment_id=self.instance.pk)
            except DomainError as error:
                show_domain_error(error, form=self)
        return cleaned


@admin.register(Enrolment)
class EnrolmentAdmin(LongListAdminMixin, ServiceAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    """Enrolments are written by enrol_student / change_enrolment; a pupil who stops is "arrêté",
    never deleted, so the history stays."""

    form = EnrolmentForm
    list_display = ("student", "course", "pole", "season", "status", "created_at")
    list_filter = ("season", "status", "course__pole", "course__discipline", "course__category")
    list_select_related = ("student", "course__pole", "course__season", "season")
    search_fields = ("student__last_name", "student__first_name", "course__name", "student__family__name")
    ordering = ("-season__starts_on", "course__name", "student__last_name")
    autocomplete_fields = ("student", "course")
    readonly_fields = ("season", "created_at")
    fields = ("student", "course", "season", "status", "created_at")
    date_hierarchy = "created_at"
    actions = [export_enrolments]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.change_enrolment(
                enrolment_id=obj.pk, actor=request.user, course_id=obj.course_id, status=obj.status
            )
            return
        enrolment = services.enrol_student(
            student_id=obj.student_id, course_id=obj.course_id, actor=request.user, status=obj.status
        )
        obj.pk, obj._state.adding = enrolment.pk, False

    @admin.display(description=_("pôle"), ordering="course__pole__name")
    def pole(self, enrolment: Enrolment):
        return enrolment.course.pole


@admin.register(RepertoireEntry)
class RepertoireEntryAdmin(ServiceAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    """Works are written by save_repertoire_entry / remove_repertoire_entry, recorded on the pupil."""

    list_display = ("work", "composer", "student", "season", "discipline")
    list_filter = ("season", "discipline")
    list_select_related = ("student", "season", "discipline")
    search_fields = ("work", "composer", "student__last_name", "student__first_name")
    ordering = ("-season__starts_on", "student__last_name", "work")
    autocomplete_fields = ("student",)

    def get_readonly_fields(self, request, obj=None):
        return ("student",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        entry = _save_repertoire(
            request, obj.student_id, form.cleaned_data, entry_id=obj.pk if change else None
        )
        obj.pk, obj._state.adding = entry.pk, False

    def delete_model(self, request, obj):
        services.remove_repertoire_entry(entry_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entry_id in queryset.values_list("pk", flat=True):
            services.remove_repertoire_entry(entry_id=entry_id, actor=request.user)


class FamilyStudentInline(SiteScopedAdminMixin, admin.TabularInline):
    """The pupils of the family, each linked to its own page."""

    model = Student
    fields = ("last_name", "first_name", "birth_date", "image_rights")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("élève")
    verbose_name_plural = _("élèves")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FamilyWithPupilsAdmin(FamilyAdmin):
    """A family's page also lists its pupils: students stands above families, so it is students
    that adds them to the families' admin."""

    inlines = [FamilyMembershipInline, FamilyStudentInline, ChangeRecordInline]


admin.site.unregister(Family)
admin.site.register(Family, FamilyWithPupilsAdmin)
from students import schoolyear_admin  # noqa: E402,F401
