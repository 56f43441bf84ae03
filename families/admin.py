"""Households and guardians, searchable by name, identifier and e-mail, with their history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from extranet.admin import ChangeRecordInline, SiteScopedAdminMixin
from families.models import Family, Guardian, Membership
from students.models import Student


class FamilyMembershipInline(SiteScopedAdminMixin, admin.TabularInline):
    """The guardians of a family; one of them may be the payer."""

    model = Membership
    fields = ("guardian", "relationship", "is_payer")
    autocomplete_fields = ("guardian",)
    extra = 0
    verbose_name = _("responsable")
    verbose_name_plural = _("responsables de la famille")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("guardian")


class GuardianMembershipInline(SiteScopedAdminMixin, admin.TabularInline):
    """The families of a guardian (separated parents belong to two households)."""

    model = Membership
    fields = ("family", "relationship", "is_payer")
    autocomplete_fields = ("family",)
    extra = 0
    verbose_name = _("famille")
    verbose_name_plural = _("familles du responsable")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("family")


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


@admin.register(Family)
class FamilyAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "external_reference",
        "site",
        "city",
        "payment_means",
        "billing_mode",
        "family_quotient",
        "student_count",
        "updated_at",
    )
    list_filter = ("site", "payment_means", "billing_mode")
    list_select_related = ("site", "payment_means")
    search_fields = (
        "name",
        "external_reference",
        "guardians__last_name",
        "guardians__first_name",
        "guardians__user__identifier",
        "guardians__email",
    )
    ordering = ("name",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at", "version")
    fieldsets = (
        (None, {"fields": ("site", "name", "external_reference")}),
        (_("Adresse"), {"fields": ("address", "postal_code", "city")}),
        (_("Facturation"), {"fields": ("billing_mode", "payment_means", "family_quotient")}),
        (_("Suivi"), {"fields": ("created_at", "updated_at", "version")}),
    )
    inlines = [FamilyMembershipInline, FamilyStudentInline, ChangeRecordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(student_count=Count("students", distinct=True))

    @admin.display(description=_("élèves"), ordering="student_count")
    def student_count(self, family: Family) -> int:
        return family.student_count


@admin.register(Guardian)
class GuardianAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "identifier", "site", "email", "mobile", "city", "updated_at")
    list_filter = ("site", "family_situation", "socio_professional_category")
    list_select_related = ("site", "user")
    search_fields = ("last_name", "first_name", "user__identifier", "email", "mobile", "families__name")
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at", "version")
    fieldsets = (
        (None, {"fields": ("site", "user")}),
        (
            _("Identité"),
            {
                "fields": (
                    "civility",
                    "last_name",
                    "first_name",
                    "family_situation",
                    "profession",
                    "socio_professional_category",
                )
            },
        ),
        (
            _("Coordonnées"),
            {"fields": ("address", "postal_code", "city", "phone_home", "phone_work", "mobile", "email")},
        ),
        (_("Suivi"), {"fields": ("created_at", "updated_at", "version")}),
    )
    inlines = [GuardianMembershipInline, ChangeRecordInline]

    @admin.display(description=_("identifiant"), ordering="user__identifier")
    def identifier(self, guardian: Guardian) -> str:
        return guardian.user.identifier if guardian.user_id else "—"
