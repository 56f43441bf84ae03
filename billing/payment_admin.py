"""The secretariat's side of paying: mandates (IBAN masked, a full read only with a recorded
reason), debit files and debits (record a reject), pre-notifications, refund requests, online
transactions with every provider answer, and each instalment's follow-up with a late filter.

Every write goes through the services (``billing.mandates``, ``billing.rejects``); records the
application writes (debits, answers, disclosures) are read-only here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from billing import mandates, payment_selectors, rejects, sepa
from billing.admin import MandateAdmin
from billing.iban import mask_iban
from billing.models import Mandate, Payment
from billing.payment_errors import PaymentError
from billing.payment_forms import IbanRevealForm, RejectForm
from billing.payment_models import (
    DebitPrenotification,
    DebitReject,
    DirectDebit,
    DirectDebitExport,
    IbanDisclosure,
    InstalmentFollowUp,
    MandateStateChange,
    OnlineTransaction,
    OnlineTransactionLine,
    PaymentNotification,
    PaymentReversal,
    RefundRequest,
)
from billing.payment_selectors import with_outstanding
from extranet.base.admin import ReadOnlyAdminMixin, SiteScopedAdminMixin, run_bulk_action
from extranet.base.templatetags.tutti import euros


class MandateStateChangeInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = MandateStateChange
    fields = ("at", "old_state", "new_state", "actor", "reason")
    readonly_fields = fields
    extra = 0


class IbanDisclosureInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = IbanDisclosure
    fields = ("at", "actor", "reason")
    readonly_fields = fields
    extra = 0


admin.site.unregister(Mandate)


@admin.register(Mandate)
class PaymentMandateAdmin(MandateAdmin):
    """Mandates are entered by the family (or revoked) through the services: read here, never edited."""

    list_display = ("reference", "family", "holder_name", "masked_iban", "state", "signed_on", "revoked_on")
    list_filter = ("details__state", *MandateAdmin.list_filter)
    list_select_related = ("family", "details")
    fields = (
        "reference",
        "family",
        "holder_name",
        "masked_iban",
        "bic",
        "state",
        "signed_on",
        "revoked_on",
        "full_iban",
    )
    readonly_fields = fields
    inlines = [MandateStateChangeInline, IbanDisclosureInline]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("IBAN"))
    def masked_iban(self, mandate: Mandate) -> str:
        return mask_iban(mandate.iban)

    @admin.display(description=_("état"), ordering="details__state")
    def state(self, mandate: Mandate) -> str:
        details = getattr(mandate, "details", None)
        return details.get_state_display() if details else "—"

    @admin.display(description=_("IBAN complet"))
    def full_iban(self, mandate: Mandate) -> str:
        if getattr(mandate, "details", None) is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:billing_mandate_reveal_iban", args=[mandate.pk]),
            gettext("Consulter l'IBAN complet (motif demandé, consultation enregistrée)"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/iban/",
                self.admin_site.admin_view(self.reveal_iban_view),
                name="billing_mandate_reveal_iban",
            ),
            *super().get_urls(),
        ]

    def reveal_iban_view(self, request, pk: int):
        mandate = self.get_object(request, str(pk))
        if mandate is None or getattr(mandate, "details", None) is None:
            raise Http404
        if not self.has_view_permission(request, mandate):
            raise PermissionDenied
        form = IbanRevealForm(request.POST or None)
        iban = None
        if request.method == "POST" and form.is_valid():
            try:
                iban = mandates.reveal_iban(
                    mandate=mandate, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except PaymentError as error:
                form.add_error("reason", error.message)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": mandate,
            "title": gettext("IBAN complet du mandat %(reference)s") % {"reference": mandate.reference},
            "form": form,
            "iban": " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if iban else None,
            "masked_iban": mask_iban(mandate.iban),
        }
        response = TemplateResponse(request, "billing/payments/admin_reveal_iban.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Révoquer les mandats choisis"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for mandate in queryset.filter(revoked_on__isnull=True).select_related("details"):
            if getattr(mandate, "details", None) is None:
                continue
            mandates.revoke_mandate(
                mandate=mandate, actor=request.user, reason=gettext("Révoqué par le secrétariat")
            )
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d mandat révoqué.", "%(count)d mandats révoqués.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


class DirectDebitInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = DirectDebit
    fields = ("end_to_end_id", "instalment", "mandate", "amount", "sequence_type", "masked_iban", "state")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instalment__invoice", "mandate")


@admin.register(DirectDebitExport)
class DirectDebitExportAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "file_name",
        "site",
        "collection_date",
        "schema",
        "transactions",
        "control_sum",
        "created_at",
    )
    list_filter = ("site", "schema")
    list_select_related = ("site",)
    date_hierarchy = "collection_date"
    inlines = [DirectDebitInline]


class RejectedFilter(admin.SimpleListFilter):
    title = _("rejet")
    parameter_name = "rejected"

    def lookups(self, request, model_admin):
        return [
            ("1", _("rejetés")),
            ("0", _("présentés")),
            ("collected", _("encaissés")),
            ("returned", _("retournés après encaissement")),
        ]

    def queryset(self, request, queryset):
        states = {
            "1": DirectDebit.State.REJECTED,
            "0": DirectDebit.State.PRESENTED,
            "collected": DirectDebit.State.COLLECTED,
            "returned": DirectDebit.State.RETURNED,
        }
        if self.value() in states:
            return queryset.filter(state=states[self.value()])
        return queryset


@admin.register(DirectDebit)
class DirectDebitAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The debits of the site's files. A presented debit becomes a payment once the bank has
    settled it (``billing_sepa_settle`` after the site's delay, or the action here from the bank
    statement); a reject before that, a return after it, are recorded from the "rejet" column."""

    list_display = (
        "end_to_end_id",
        "collection_date",
        "family",
        "amount",
        "sequence_type",
        "masked_iban",
        "state",
        "reject_link",
    )
    list_filter = (RejectedFilter, "sequence_type", "export__site")
    list_select_related = ("instalment__invoice__family", "mandate")
    search_fields = (
        "end_to_end_id",
        "mandate__reference",
        "instalment__invoice__number",
        "instalment__invoice__family__name",
    )
    date_hierarchy = "collection_date"
    actions = ["record_collection"]

    @admin.display(description=_("famille"), ordering="instalment__invoice__family__name")
    def family(self, debit: DirectDebit):
        return debit.instalment.invoice.family

    @admin.display(description=_("rejet"))
    def reject_link(self, debit: DirectDebit) -> str:
        if debit.state == DirectDebit.State.PRESENTED:
            url, label = "admin:billing_directdebit_reject", gettext("Enregistrer un rejet")
        elif debit.state == DirectDebit.State.COLLECTED:
            url, label = "admin:billing_directdebit_return", gettext("Enregistrer un retour")
        else:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse(url, args=[debit.pk]), label)

    def has_collect_permission(self, request) -> bool:
        return request.user.has_perm("billing.add_payment")

    @admin.action(
        description=_("Enregistrer l'encaissement des prélèvements choisis (relevé de la banque)"),
        permissions=["collect"],
    )
    def record_collection(self, request, queryset):
        run_bulk_action(
            request,
            queryset.order_by("collection_date", "pk"),
            lambda debit: sepa.record_collection(direct_debit=debit, actor=request.user),
            done_message=lambda count: (
                ngettext(
                    "%(count)d prélèvement enregistré comme encaissé : il compte désormais comme un paiement.",
                    "%(count)d prélèvements enregistrés comme encaissés : ils comptent désormais comme des paiements.",
                    count,
                )
                % {"count": count}
            ),
            name=lambda debit: debit.end_to_end_id,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/rejet/",
                self.admin_site.admin_view(self.reject_view),
                name="billing_directdebit_reject",
            ),
            path(
                "<int:pk>/retour/",
                self.admin_site.admin_view(self.return_view),
                name="billing_directdebit_return",
            ),
            *super().get_urls(),
        ]

    def reject_view(self, request, pk: int):
        return self._r_transaction_view(request, pk, after_collection=False)

    def return_view(self, request, pk: int):
        return self._r_transaction_view(request, pk, after_collection=True)

    def _r_transaction_view(self, request, pk: int, *, after_collection: bool):
        """A reject (before the debit was recorded as collected) or a return (after)."""
        debit = self.get_object(request, str(pk))
        if debit is None:
            raise Http404
        if not request.user.has_perm("billing.add_debitreject"):
            raise PermissionDenied
        write = rejects.record_return if after_collection else rejects.record_reject
        form = RejectForm(request.POST or None, initial={"returned_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                write(
                    direct_debit=debit,
                    reason=form.cleaned_data["reason"],
                    returned_on=form.cleaned_data["returned_on"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except PaymentError as error:
                form.add_error(None, error.message)
            else:
                done = (
                    gettext(
                        "Retour enregistré : le paiement est repris, l'échéance est de nouveau due "
                        "et la famille est prévenue."
                    )
                    if after_collection
                    else gettext(
                        "Rejet enregistré : l'échéance est de nouveau due et la famille est prévenue."
                    )
                )
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:billing_directdebit_changelist")
        title = (
            gettext("Retour après encaissement du prélèvement %(reference)s")
            if after_collection
            else gettext("Rejet du prélèvement %(reference)s")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": debit,
            "title": title % {"reference": debit.end_to_end_id},
            "form": form,
            "debit": debit,
        }
        template = (
            "billing/payments/admin_return.html" if after_collection else "billing/payments/admin_reject.html"
        )
        return TemplateResponse(request, template, context)


class PaymentReversalInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentReversal
    fields = ("payment", "entry", "reason", "recorded_by", "recorded_at")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("paiements repris")


class AfterCollectionFilter(admin.SimpleListFilter):
    title = _("après encaissement")
    parameter_name = "after_collection"

    def lookups(self, request, model_admin):
        return [("1", _("oui (retour)")), ("0", _("non (rejet)"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(direct_debit__state=DirectDebit.State.RETURNED)
        if self.value() == "0":
            return queryset.exclude(direct_debit__state=DirectDebit.State.RETURNED)
        return queryset


@admin.register(DebitReject)
class DebitRejectAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "direct_debit",
        "family",
        "amount",
        "reason",
        "after_collection",
        "returned_on",
        "represent",
        "recorded_by",
        "recorded_at",
    )
    list_filter = (AfterCollectionFilter, "reason", "represent", "direct_debit__export__site")
    list_select_related = ("direct_debit__instalment__invoice__family", "recorded_by")
    date_hierarchy = "returned_on"
    inlines = [PaymentReversalInline]

    @admin.display(description=_("famille"), ordering="direct_debit__instalment__invoice__family__name")
    def family(self, reject: DebitReject):
        return reject.direct_debit.instalment.invoice.family

    @admin.display(description=_("montant"), ordering="direct_debit__amount")
    def amount(self, reject: DebitReject) -> str:
        return euros(reject.direct_debit.amount)

    @admin.display(description=_("après encaissement"), boolean=True)
    def after_collection(self, reject: DebitReject) -> bool:
        return reject.direct_debit.state == DirectDebit.State.RETURNED


@admin.register(PaymentReversal)
class PaymentReversalAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Payments taken back (a direct debit returned after collection): each one an entry of its
    own, a negative payment on the same instalment; the payment itself is never edited."""

    list_display = ("recorded_at", "family", "payment", "taken_back", "reason", "recorded_by")
    list_select_related = ("payment__instalment__invoice__family", "entry", "recorded_by")
    search_fields = ("payment__reference", "payment__instalment__invoice__number", "reason")
    date_hierarchy = "recorded_at"

    @admin.display(description=_("famille"), ordering="payment__instalment__invoice__family__name")
    def family(self, reversal: PaymentReversal):
        return reversal.payment.instalment.invoice.family

    @admin.display(description=_("montant repris"), ordering="entry__amount")
    def taken_back(self, reversal: PaymentReversal) -> str:
        return euros(reversal.entry.amount)


@admin.register(DebitPrenotification)
class DebitPrenotificationAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("instalment", "mandate", "debit_on", "amount", "sent_at")
    list_filter = ("mandate__family__site",)
    list_select_related = ("instalment__invoice", "mandate")
    date_hierarchy = "debit_on"


@admin.register(RefundRequest)
class RefundRequestAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    """A refund request is settled by the action that issues billing's credit note for it."""

    actions = ["settle_by_credit_note"]

    list_display = ("invoice", "family", "amount", "state", "requested_at", "credit_note")
    list_filter = ("state", "family__site")
    list_select_related = ("invoice", "family", "credit_note")
    fields = ("family", "invoice", "amount", "reason", "state", "requested_at", "requested_by", "credit_note")
    raw_id_fields = ("invoice", "credit_note")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("family", "state", "requested_at", "requested_by", "credit_note")
        if obj.state != RefundRequest.State.REQUESTED:
            return self.fields
        return self.fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            saved = rejects.request_refund(
                invoice=obj.invoice, amount=obj.amount, reason=obj.reason, actor=request.user
            )
            obj.pk = saved.pk
        except PaymentError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description=_("Émettre l'avoir et clore la demande"), permissions=["change"])
    def settle_by_credit_note(self, request, queryset):
        run_bulk_action(
            request,
            queryset.select_related("invoice"),
            lambda refund: rejects.settle_refund(refund=refund, actor=request.user),
            done_message=lambda count: (
                ngettext(
                    "%(count)d demande réglée par un avoir.",
                    "%(count)d demandes réglées par un avoir.",
                    count,
                )
                % {"count": count}
            ),
        )


class OnlineTransactionLineInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = OnlineTransactionLine
    fields = ("instalment", "amount", "payment")
    readonly_fields = fields
    extra = 0


class PaymentNotificationInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentNotification
    fields = ("received_at", "channel", "outcome", "detail", "remote_address")
    readonly_fields = fields
    extra = 0


@admin.register(OnlineTransaction)
class OnlineTransactionAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "family", "site", "backend", "amount", "state", "created_at", "settled_at")
    list_filter = ("state", "backend", "site")
    list_select_related = ("family", "site")
    search_fields = ("reference", "family__name")
    date_hierarchy = "created_at"
    inlines = [OnlineTransactionLineInline, PaymentNotificationInline]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "channel", "outcome", "transaction", "remote_address", "detail")
    list_filter = ("outcome", "channel")
    list_select_related = ("transaction",)
    date_hierarchy = "received_at"


class InstalmentPaymentInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = ("received_on", "means", "amount", "reference", "recorded_by")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("paiements")


class InstalmentDebitInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = DirectDebit
    fields = ("collection_date", "end_to_end_id", "amount", "sequence_type", "state", "reject")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("prélèvements et rejets")

    @admin.display(description=_("rejet"))
    def reject(self, debit: DirectDebit) -> str:
        reject = getattr(debit, "reject", None)
        return reject.get_reason_display() if reject else "—"


class InstalmentOnlineInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = OnlineTransactionLine
    fields = ("transaction", "amount", "payment")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("paiements en ligne")


class LateFilter(admin.SimpleListFilter):
    title = _("retard")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [
            ("1", _("en retard (échue, reste due)")),
            ("due", _("reste due")),
            ("0", _("réglée ou couverte")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return payment_selectors.late(queryset)
        if self.value() == "due":
            return queryset.filter(outstanding__gt=0)
        if self.value() == "0":
            return queryset.filter(outstanding__lte=0)
        return queryset


@admin.register(InstalmentFollowUp)
class InstalmentFollowUpAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each instalment with what paid it: desk and card payments, direct debits and their rejects."""

    list_display = (
        "invoice",
        "family",
        "rank",
        "due_on",
        "amount",
        "paid_amount",
        "debited_amount",
        "outstanding_amount",
    )
    list_filter = (LateFilter, "invoice__site", "invoice__season")
    list_select_related = ("invoice__family",)
    search_fields = ("invoice__number", "invoice__family__name")
    date_hierarchy = "due_on"
    ordering = ("due_on", "invoice__number", "rank")
    fields = ("invoice", "rank", "due_on", "amount")
    readonly_fields = fields
    inlines = [InstalmentPaymentInline, InstalmentDebitInline, InstalmentOnlineInline]

    def get_queryset(self, request):
        return with_outstanding(super().get_queryset(request))

    @admin.display(description=_("famille"), ordering="invoice__family__name")
    def family(self, instalment):
        return instalment.invoice.family

    @admin.display(description=_("payé"), ordering="paid")
    def paid_amount(self, instalment):
        return euros(instalment.paid)

    @admin.display(description=_("prélèvement présenté"), ordering="debited")
    def debited_amount(self, instalment):
        return euros(instalment.debited)

    @admin.display(description=_("reste dû"), ordering="outstanding")
    def outstanding_amount(self, instalment):
        return euros(instalment.outstanding)
