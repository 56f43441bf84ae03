"""Households and guardians, searchable by name, identifier and e-mail, with their history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from extranet.base.admin import (
    ChangeRecordInline,
    LongListAdminMixin,
    ServiceInlineMixin,
    SiteScopedAdminMixin,
    VersionedAdminMixin,
)
from extranet.base.errors import show_domain_error
from extranet.base.exports import Column, export_csv_action
from extranet.base.phones import format_phone
from extranet.base.search import search_by_field
from families import services
from families.models import Family, Guardian, Membership


class MembershipInlineMixin(ServiceInlineMixin):
    """Memberships are written by ``add_membership`` / ``change_membership`` / ``remove_membership``:
    locked, one payer per household, recorded and told to the family."""

    picked_field = ""  # the column staff pick on this inline: "guardian" or "family"

    def family_and_guardian(self, parent, form) -> tuple[Family, Guardian]:
        raise NotImplementedError

    def check_row(self, parent, form):
        family, guardian = self.family_and_guardian(parent, form)
        if family.site_id is not None and guardian.site_id is not None:
            services.check_same_site(family=family, guardian=guardian, field=self.picked_field)

    def check_formset(self, formset):
        super().check_formset(formset)
        removed, changed, added = formset.rows()
        # Unticked or removed in this same save: they no longer count as the household's payer.
        leaving = [row.instance.pk for row in removed] + [
            row.instance.pk for row in changed if not row.cleaned_data.get("is_payer")
        ]
        payers_ticked: set[int] = set()
        for row in [*changed, *added]:
            if not row.cleaned_data.get("is_payer") or row.errors:
                continue
            family, _guardian = self.family_and_guardian(formset.instance, row)
            try:
                if family.pk in payers_ticked:
                    raise services.MembershipError(
                        _("Une famille n'a qu'un payeur : n'en cochez qu'un."), field="is_payer"
                    )
                payers_ticked.add(family.pk)
                if family.pk is not None:
                    services.check_payer(family=family, membership_id=row.instance.pk, leaving=leaving)
            except services.MembershipError as error:
                show_domain_error(error, form=row)

    def change_order(self, form) -> int:
        return int(bool(form.cleaned_data.get("is_payer")))  # the payer unticked first, then the new one

    def add_row(self, request, parent, form):
        family, guardian = self.family_and_guardian(parent, form)
        services.add_membership(
            family_id=family.pk,
            guardian_id=guardian.pk,
            actor=request.user,
            relationship=form.cleaned_data["relationship"],
            is_payer=form.cleaned_data["is_payer"],
        )

    def change_row(self, request, parent, form):
        if form.changed_data and set(form.changed_data) - {"relationship", "is_payer"}:
            # Another guardian (or household) on the same line: the old membership ends, a new one starts.
            self.remove_row(request, parent, form.instance)
            self.add_row(request, parent, form)
            return
        services.change_membership(
            membership_id=form.instance.pk,
            actor=request.user,
            relationship=form.cleaned_data["relationship"],
            is_payer=form.cleaned_data["is_payer"],
        )

    def remove_row(self, request, parent, obj):
        services.remove_membership(membership_id=obj.pk, actor=request.user)


class FamilyMembershipInline(MembershipInlineMixin, SiteScopedAdminMixin, admin.TabularInline):
    """The guardians of a family; one of them may be the payer."""

    model = Membership
    fields = ("guardian", "relationship", "is_payer")
    autocomplete_fields = ("guardian",)
    extra = 0
    verbose_name = _("responsable")
    verbose_name_plural = _("responsables de la famille")
    picked_field = "guardian"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("guardian")

    def family_and_guardian(self, parent, form):
        return parent, form.cleaned_data["guardian"]


class GuardianMembershipInline(MembershipInlineMixin, SiteScopedAdminMixin, admin.TabularInline):
    """The families of a guardian (separated parents belong to two households)."""

    model = Membership
    fields = ("family", "relationship", "is_payer")
    autocomplete_fields = ("family",)
    extra = 0
    verbose_name = _("famille")
    verbose_name_plural = _("familles du responsable")
    picked_field = "family"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("family")

    def family_and_guardian(self, parent, form):
        return form.cleaned_data["family"], parent


def _payer(family: Family) -> Guardian | None:
    """The family's payer, from the ``export_payers`` prefetch."""
    return family.export_payers[0].guardian if family.export_payers else None


def _payer_email(family: Family) -> str:
    payer = _payer(family)
    return payer.email if payer else ""


def _payer_mobile(family: Family) -> str:
    payer = _payer(family)
    return payer.mobile if payer else ""


export_families = export_csv_action(
    [
        *services.STAFF_FAMILY_FIELDS,
        (_("payeur"), _payer),
        (_("e-mail du payeur"), _payer_email),
        Column(_payer_mobile, _("mobile du payeur"), format=format_phone),
    ],
    filename="familles",
    prefetch_related=[
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(is_payer=True).select_related("guardian"),
            to_attr="export_payers",
        )
    ],
)


@admin.register(Family)
class FamilyAdmin(LongListAdminMixin, VersionedAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
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
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("site", "name", "external_reference")}),
        (_("Adresse"), {"fields": ("address", "postal_code", "city")}),
        (_("Facturation"), {"fields": ("billing_mode", "payment_means", "family_quotient")}),
        (_("Suivi"), {"fields": ("created_at", "updated_at", "edited_version")}),
    )
    # students/admin.py adds the pupils between the guardians and the history.
    inlines = [FamilyMembershipInline, ChangeRecordInline]
    actions = [export_families]

    def get_queryset(self, request):
        # A correlated count, computed for the page's rows only: a Count() over the join
        # grouped every family of the site on each page view (tens of ms at 20,000 families).
        pupils = Family._meta.get_field("students").related_model.objects.filter(family=OuterRef("pk"))
        count = pupils.order_by().values("family").annotate(count=Count("pk")).values("count")
        return super().get_queryset(request).annotate(student_count=Coalesce(Subquery(count), 0))

    def get_search_results(self, request, queryset, search_term):
        # One indexed query per field, ids put together (extranet.base.search): no DISTINCT.
        return search_by_field(queryset, search_term, self.get_search_fields(request)), False

    def save_addition(self, request, *, values):
        return services.create_family(actor=request.user, values=values)

    def save_change(self, request, obj, *, version, values):
        services.update_family(family_id=obj.pk, actor=request.user, version=version, values=values)

    @admin.display(description=_("élèves"), ordering="student_count")
    def student_count(self, family: Family) -> int:
        return family.student_count


def _families_of(guardian: Guardian) -> list[str]:
    return [membership.family.name for membership in guardian.export_memberships]


def _is_payer(guardian: Guardian) -> bool:
    return any(membership.is_payer for membership in guardian.export_memberships)


export_guardians = export_csv_action(
    [
        "civility",
        "last_name",
        "first_name",
        (_("familles"), _families_of),
        "email",
        Column("phone_home", format=format_phone),
        Column("phone_work", format=format_phone),
        Column("mobile", format=format_phone),
        "city",
        (_("payeur"), _is_payer),
        "user__identifier",
        "user__last_login",
    ],
    filename="responsables",
    prefetch_related=[
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("family").order_by("family__name", "pk"),
            to_attr="export_memberships",
        )
    ],
)


@admin.register(Guardian)
class GuardianAdmin(LongListAdminMixin, VersionedAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "identifier", "site", "email", "mobile", "city", "updated_at")
    list_filter = ("site", "family_situation", "socio_professional_category")
    list_select_related = ("site", "user")
    search_fields = ("last_name", "first_name", "user__identifier", "email", "mobile", "families__name")
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
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
        (_("Suivi"), {"fields": ("created_at", "updated_at", "edited_version")}),
    )
    inlines = [GuardianMembershipInline, ChangeRecordInline]
    actions = [export_guardians]

    def get_search_results(self, request, queryset, search_term):
        return search_by_field(queryset, search_term, self.get_search_fields(request)), False

    def save_addition(self, request, *, values):
        return services.create_guardian(actor=request.user, values=values)

    def save_change(self, request, obj, *, version, values):
        services.update_guardian(guardian_id=obj.pk, actor=request.user, version=version, values=values)

    @admin.display(description=_("identifiant"), ordering="user__identifier")
    def identifier(self, guardian: Guardian) -> str:
        return guardian.user.identifier if guardian.user_id else "—"
