"""Tariffs, frozen invoices (read-only: a credit note cancels one), payments and SEPA mandates."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.models import (
    BillingSettings,
    CourseStop,
    Instalment,
    Invoice,
    InvoiceLine,
    Mandate,
    Payment,
    Receipt,
    Tariff,
)
from extranet.base.admin import ReadOnlyAdminMixin, SiteScopedAdminMixin
from extranet.base.errors import DomainError, show_domain_error
from extranet.base.exports import cell
from extranet.base.models import PaymentMeans, Site
from extranet.base.money import euros
from extranet.base.scoping import scope_to_staff
from families.models import Family
from students.models import Enrolment


@admin.register(BillingSettings)
class BillingSettingsAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "invoice_prefix", "change_rule", "sibling_rate_second", "sibling_rate_third")
    list_select_related = ("site",)
    fieldsets = [
        (None, {"fields": ["site", "invoice_prefix", "logo"]}),
        (_("Tarifs"), {"fields": ["resident_communes", "sibling_rate_second", "sibling_rate_third"]}),
        (
            _("Arrêt ou ajout en cours d'année"),
            {"fields": ["change_rule", "cutoff_month", "cutoff_day", "reduced_percent"]},
        ),
        (_("Imprimé sur les factures"), {"fields": ["payable_to", "payment_instructions", "legal_mentions"]}),
        (_("Prélèvements SEPA"), {"fields": ["sepa_settlement_days"]}),
    ]


@admin.register(CourseStop)
class CourseStopAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("enrolment", "stopped_on", "recorded_by", "recorded_at")
    list_select_related = ("enrolment__student", "enrolment__course__season", "recorded_by")


@admin.register(Tariff)
class TariffAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "category",
        "discipline",
        "adult",
        "site",
        "season",
        "quotient_min",
        "quotient_max",
        "amount",
        "non_resident_amount",
    )
    list_filter = ("site", "season", "category", "adult")
    list_select_related = ("site", "season", "discipline")
    list_editable = ("amount", "non_resident_amount")
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
        "goodwill",
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

    readonly_fields = fields
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change page stays reachable (read-only) for anyone who may view invoices.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("billing.view_invoice") and request.user.has_perm("billing.add_payment")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/avoir/",
                self.admin_site.admin_view(self.cancel_view),
                name="{}_{}_cancel".format(*info),
            ),
            path(
                "<int:object_id>/arret-de-cours/",
                self.admin_site.admin_view(self.stop_course_view),
                name="{}_{}_stop_course".format(*info),
            ),
            path(
                "export-comptable/",
                self.admin_site.admin_view(self.accounting_export_view),
                name="{}_{}_accounting".format(*info),
            ),
            path(
                "paiement-guichet/",
                self.admin_site.admin_view(self.desk_payment_view),
                name="{}_{}_desk_payment".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {
            "accounting_url": reverse("admin:billing_invoice_accounting"),
            "desk_payment_url": reverse("admin:billing_invoice_desk_payment"),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.kind == Invoice.Kind.INVOICE and self.has_cancel_permission(request):
            context["cancel_url"] = reverse("admin:billing_invoice_cancel", args=[obj.pk])
            context["stop_course_url"] = reverse("admin:billing_invoice_stop_course", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("Annuler par un avoir…"), permissions=["view"])
    def cancel_selected(self, request, queryset):
        invoices = list(queryset[:2])
        if len(invoices) != 1:
            self.message_user(
                request, gettext("Choisissez une seule facture à annuler par un avoir."), messages.WARNING
            )
            return None
        return HttpResponseRedirect(reverse("admin:billing_invoice_cancel", args=[invoices[0].pk]))

    def cancel_view(self, request, object_id):
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(
            self.get_queryset(request).filter(kind=Invoice.Kind.INVOICE), pk=object_id
        )
        form = CancelForm(request.POST or None, invoice=invoice)
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["lines"]
            try:
                credit_note = services.cancel_invoice(
                    invoice=invoice,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    lines=[services.CreditLine(line) for line in chosen] if chosen else None,
                )
            except services.BillingError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    gettext("Avoir %(number)s émis : il annule %(total)s de la facture %(invoice)s.")
                    % {
                        "number": credit_note.number,
                        "total": f"{credit_note.total} €",
                        "invoice": invoice.number,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[credit_note.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Annuler la facture %(number)s par un avoir") % {"number": invoice.number},
            "invoice": invoice,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/billing/invoice/cancel.html", context, status=400 if form.errors else 200
        )

    def stop_course_view(self, request, object_id):
        """A pupil stops one of the invoice's courses: the site's rule bills it (``stop_course``)."""
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(
            self.get_queryset(request).filter(kind=Invoice.Kind.INVOICE).select_related("family", "season"),
            pk=object_id,
        )
        form = StopCourseForm(request.POST or None, invoice=invoice)
        if request.method == "POST" and form.is_valid():
            enrolment = form.cleaned_data["enrolment"]
            try:
                result = services.stop_course(
                    enrolment=enrolment,
                    stopped_on=form.cleaned_data["stopped_on"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                show_domain_error(error, request=request)
            else:
                course = f"{enrolment.student.full_name} – {enrolment.course.name}"
                if result.credit_note is not None:
                    text = gettext(
                        "Arrêt enregistré pour %(course)s : avoir %(number)s de %(total)s émis."
                    ) % {
                        "course": course,
                        "number": result.credit_note.number,
                        "total": euros(result.credit_note.total),
                    }
                    target = result.credit_note
                else:
                    text = gettext(
                        "Arrêt enregistré pour %(course)s : la règle du site ne rend rien (année due en entier)."
                    ) % {"course": course}
                    target = invoice
                self.message_user(request, text, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[target.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Arrêt d'un cours en cours d'année – facture %(number)s")
            % {"number": invoice.number},
            "invoice": invoice,
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/billing/invoice/stop_course.html",
            context,
            status=400 if request.method == "POST" else 200,
        )

    def desk_payment_view(self, request):
        if not request.user.has_perm("billing.add_payment"):
            raise PermissionDenied
        families = self.admin_site.get_model_admin(Family).get_queryset(request)
        form = DeskPaymentForm(request.POST or None, families=families)
        if request.method == "POST" and form.is_valid():
            try:
                receipt = services.record_desk_payment(
                    family=form.cleaned_data["family"],
                    means=form.cleaned_data["means"],
                    amount=form.cleaned_data["amount"],
                    received_on=form.cleaned_data["received_on"],
                    reference=form.cleaned_data["reference"],
                    payer_name=form.cleaned_data["payer_name"],
                    actor=request.user,
                )
            except services.BillingError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    gettext(
                        "Paiement de %(amount)s € enregistré pour la famille %(family)s ; reçu envoyé au payeur."
                    )
                    % {"amount": receipt.amount, "family": receipt.family},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_invoice_desk_payment"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Enregistrer un paiement reçu au secrétariat"),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/billing/invoice/form.html", context, status=400 if form.errors else 200
        )

    def accounting_export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        sites = scope_to_staff(Site.objects.order_by("name"), request.user)
        form = AccountingExportForm(request.POST or None, sites=sites)
        if request.method == "POST" and form.is_valid():
            return accounting_csv(
                site=form.cleaned_data["site"], start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Export pour le comptable : factures, avoirs et paiements"),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/billing/invoice/form.html", context, status=400 if form.errors else 200
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'avoir"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Imprimé sur l'avoir et envoyé à la famille."),
        error_messages={"required": _("Indiquez le motif de l'avoir : il est imprimé sur le document.")},
    )
    lines = forms.ModelMultipleChoiceField(
        label=_("Lignes à annuler"),
        queryset=InvoiceLine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune ligne cochée : toute la facture est annulée."),
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        field.queryset = invoice.lines.filter(kind=InvoiceLine.Kind.COURSE).order_by("pk")
        field.label_from_instance = lambda line: f"{line.student_name} – {line.label} : {line.amount} €"


class StopCourseForm(forms.Form):
    enrolment = forms.ModelChoiceField(
        label=_("Cours arrêté"),
        queryset=Enrolment.objects.none(),
        error_messages={"required": _("Choisissez le cours que l'élève arrête.")},
    )
    stopped_on = forms.DateField(
        label=_("Date d'arrêt"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Indiquez la date d'arrêt."),
            "invalid": _("Saisissez une date valide, par exemple 02/02/2026."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Gardé avec l'arrêt et imprimé sur l'avoir s'il y en a un."),
        error_messages={"required": _("Indiquez le motif de l'arrêt.")},
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enrolment"]
        field.queryset = (
            Enrolment.objects.filter(
                student__family=invoice.family, season=invoice.season, status=Enrolment.Status.ACTIVE
            )
            .select_related("student", "course")
            .order_by("student__first_name", "course__name")
        )
        field.label_from_instance = lambda enrolment: (
            f"{enrolment.student.full_name} – {enrolment.course.name}"
        )


class DeskPaymentForm(forms.Form):
    family = forms.ModelChoiceField(
        label=_("Famille"),
        queryset=Family.objects.none(),
        error_messages={
            "required": _("Choisissez la famille qui paie."),
            "invalid_choice": _("Cette famille n'existe pas."),
        },
    )
    means = forms.ModelChoiceField(
        label=_("Moyen de paiement"),
        queryset=PaymentMeans.objects.filter(code__in=services.DESK_MEANS).order_by("order"),
        error_messages={"required": _("Choisissez le moyen de paiement.")},
    )
    amount = forms.DecimalField(
        label=_("Montant (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        error_messages={
            "required": _("Indiquez le montant reçu."),
            "invalid": _("Écrivez un montant, par exemple 45,50."),
            "min_value": _("Le montant doit être supérieur à 0 €."),
            "max_decimal_places": _("Le montant s'écrit avec deux décimales au plus, par exemple 45,50."),
        },
    )
    received_on = forms.DateField(
        label=_("Reçu le"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de réception."),
            "invalid": _("Écrivez une date valide."),
        },
    )
    reference = forms.CharField(
        label=_("Référence"),
        required=False,
        max_length=100,
        help_text=_("N° du chèque, des chèques vacances…"),
    )
    payer_name = forms.CharField(
        label=_("Payeur"), required=False, max_length=255, help_text=_("Vide : le payeur de la famille.")
    )

    def __init__(self, *args, families, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = families.order_by("name")


class AccountingExportForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), error_messages={"required": _("Choisissez le site.")}
    )
    start = forms.DateField(
        label=_("Du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez le début de la période."),
            "invalid": _("Écrivez une date valide."),
        },
    )
    end = forms.DateField(
        label=_("Au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la fin de la période."),
            "invalid": _("Écrivez une date valide."),
        },
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("La fin de la période doit suivre son début."))
        return cleaned


ACCOUNTING_HEADERS = [
    _("Type"),
    _("Date"),
    _("Numéro"),
    _("Facture d'origine"),
    _("Famille"),
    _("Référence famille"),
    _("Payeur"),
    _("Saison"),
    _("Moyen de paiement"),
    _("Référence"),
    _("Montant"),
]


def accounting_csv(*, site: Site, start, end) -> HttpResponse:
    """Invoices, credit notes (negative) and payments of a site over a period, for the accountant,
    in the French spreadsheet conventions of ``extranet.base.exports``."""
    rows = []
    documents = (
        Invoice.objects.filter(site=site, issued_at__date__gte=start, issued_at__date__lte=end)
        .select_related("season", "cancels")
        .order_by("issued_at", "pk")
    )
    for invoice in documents:
        credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
        rows.append(
            [
                invoice.get_kind_display(),
                timezone.localtime(invoice.issued_at).date(),
                invoice.number,
                invoice.cancels.number if invoice.cancels_id else "",
                invoice.family_name,
                invoice.family_reference,
                invoice.payer_name,
                invoice.season.label,
                invoice.payment_means_label,
                "",
                -invoice.total if credit else invoice.total,
            ]
        )
    payments = (
        Payment.objects.filter(instalment__invoice__site=site, received_on__gte=start, received_on__lte=end)
        .select_related("means", "instalment__invoice__season")
        .order_by("received_on", "pk")
    )
    for payment in payments:
        invoice = payment.instalment.invoice
        rows.append(
            [
                # A negative payment takes one back (a direct debit returned after collection).
                gettext("paiement") if payment.amount > 0 else gettext("reprise de paiement"),
                payment.received_on,
                "",
                invoice.number,
                invoice.family_name,
                invoice.family_reference,
                invoice.payer_name,
                invoice.season.label,
                payment.means.label,
                payment.reference,
                payment.amount,
            ]
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header).capitalize() for header in ACCOUNTING_HEADERS])
    writer.writerows([[cell(value) for value in row] for row in rows])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"comptabilite-{site.slug}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"
    )
    return response


@admin.register(Receipt)
class ReceiptAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("recorded_at", "family", "payer_name", "means", "amount", "reference", "recorded_by")
    list_filter = ("means",)
    list_select_related = ("family", "means", "recorded_by")
    search_fields = ("family__name", "payer_name", "reference")
    date_hierarchy = "recorded_at"


@admin.register(Payment)
class PaymentAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("received_on", "amount", "means", "invoice", "family", "reference", "recorded_by")
    list_filter = ("means", "instalment__invoice__site")
    list_select_related = ("means", "recorded_by__site", "instalment__invoice__family")
    search_fields = ("reference", "instalment__invoice__number", "instalment__invoice__family__name")
    ordering = ("-received_on", "-id")
    date_hierarchy = "received_on"
    raw_id_fields = ("instalment",)
    fields = (
        "instalment",
        "means",
        "amount",
        "received_on",
        "reference",
        "recorded_by",
        "recorded_at",
        "receipt",
    )

    @admin.display(description=_("facture"), ordering="instalment__invoice__number")
    def invoice(self, payment: Payment) -> str:
        return payment.instalment.invoice.number

    @admin.display(description=_("famille"), ordering="instalment__invoice__family__name")
    def family(self, payment: Payment):
        return payment.instalment.invoice.family

    readonly_fields = fields

    # Payments are recorded through the service (allocation, receipt, who and when): the
    # "Enregistrer un paiement reçu au secrétariat" page of the invoices, never typed here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
