"""Tariffs, frozen invoices (read-only: a credit note cancels one), payments and SEPA mandates."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from billing.models import Instalment, Invoice, InvoiceLine, Mandate, Payment, Tariff
from extranet.base.admin import ReadOnlyAdminMixin, SiteScopedAdminMixin


@admin.register(Tariff)
class TariffAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("category", "site", "season", "quotient_min", "quotient_max", "amount")
    list_filter = ("site", "season", "category")
    list_select_related = ("site", "season")
    search_fields = ("site__name", "season__label")
    ordering = ("site__name", "-season__starts_on", "category", "quotient_min")


class InvoiceLineInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ("label", "student", "quantity", "unit_price", "amount")
    readonly_fields = fields
    extra = 0
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student")


class InstalmentInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Instalment
    fields = ("rank", "due_on", "amount", "paid")
    readonly_fields = fields
    extra = 0
    max_num = 0

    def get_queryset(self, request):
        zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=10, decimal_places=2))
        return super().get_queryset(request).annotate(paid_amount=Coalesce(Sum("payments__amount"), zero))

    @admin.display(description=_("payé"))
    def paid(self, instalment: Instalment) -> Decimal:
        return instalment.paid_amount


@admin.register(Invoice)
class InvoiceAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    """Invoices are issued by the billing service (gapless numbers); here they are only read.

    A money document is never edited nor deleted once issued: a credit note cancels it.
    """

    list_display = ("number", "kind", "family", "site", "season", "issued_at", "billing_mode", "total")
    list_filter = ("site", "season", "kind", "billing_mode")
    list_select_related = ("family", "site", "season")
    search_fields = ("number", "family__name", "payer_name", "family__external_reference")
    ordering = ("-issued_at",)
    date_hierarchy = "issued_at"
    inlines = [InvoiceLineInline, InstalmentInline]
    fields = (
        "number",
        "kind",
        "cancels",
        "site",
        "family",
        "season",
        "year",
        "sequence",
        "issued_at",
        "billing_mode",
        "payment_means_label",
        "family_quotient",
        "payer_name",
        "payer_address",
        "site_name",
        "site_address",
        "total",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change page stays reachable (read-only) for anyone who may view invoices.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("received_on", "amount", "means", "invoice", "family", "reference", "recorded_by")
    list_filter = ("means", "instalment__invoice__site")
    list_select_related = ("means", "recorded_by__site", "instalment__invoice__family")
    search_fields = ("reference", "instalment__invoice__number", "instalment__invoice__family__name")
    ordering = ("-received_on", "-id")
    date_hierarchy = "received_on"
    raw_id_fields = ("instalment",)
    fields = ("instalment", "means", "amount", "received_on", "reference", "recorded_by")
    readonly_fields = ("recorded_by",)

    @admin.display(description=_("facture"), ordering="instalment__invoice__number")
    def invoice(self, payment: Payment) -> str:
        return payment.instalment.invoice.number

    @admin.display(description=_("famille"), ordering="instalment__invoice__family__name")
    def family(self, payment: Payment):
        return payment.instalment.invoice.family

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class MandateActiveFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("1", _("en vigueur")), ("0", _("révoqué"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(revoked_on__isnull=True)
        if self.value() == "0":
            return queryset.filter(revoked_on__isnull=False)
        return queryset


@admin.register(Mandate)
class MandateAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "family", "holder_name", "masked_iban", "signed_on", "revoked_on")
    list_filter = (MandateActiveFilter, "family__site")
    list_select_related = ("family",)
    search_fields = ("reference", "holder_name", "family__name", "family__external_reference")
    ordering = ("-signed_on",)
    date_hierarchy = "signed_on"
    autocomplete_fields = ("family",)

    @admin.display(description=_("IBAN"))
    def masked_iban(self, mandate: Mandate) -> str:
        iban = mandate.iban.replace(" ", "")
        return f"{iban[:4]} •••• {iban[-4:]}" if len(iban) > 8 else iban


from billing import payment_admin  # noqa: E402,F401  (paying: mandates, debits, online payments)
