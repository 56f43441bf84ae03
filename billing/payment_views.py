"""Portal pages for paying: the SEPA mandate (set up, PDF, revoke) and card payment online.

Every family-facing object is loaded through the family scope (another family's id → 404).
The provider's return and notification endpoints carry no session: they trust nothing but the
answer's verification in ``billing.online``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from billing import mandates, online
from billing.iban import mask_iban
from billing.mandate_pdf import render_mandate_pdf, snapshot
from billing.models import Mandate
from billing.payment_errors import PaymentError
from billing.payment_forms import MandateForm, PayOnlineForm, RevokeMandateForm
from billing.payment_models import OnlineTransaction, PaymentNotification
from billing.payment_selectors import payable_online
from extranet.base.models import Site
from extranet.base.portal import family_required, scoped_or_404


def _family_mandates(family):
    return Mandate.objects.filter(family=family).select_related("details", "family__site")


@family_required
@require_http_methods(["GET", "POST"])
def mandate(request):
    """Prélèvement SEPA: the mandate in force or awaiting signature, and the form to (re)enter it."""
    current = mandates.current_mandate(request.family)
    ask_bic = bool(request.POST.get("bic")) if request.method == "POST" else False
    if request.method == "POST":
        form = MandateForm(request.POST, ask_bic=ask_bic)
        if form.is_valid():
            try:
                outcome = mandates.set_up_mandate(
                    family=request.family,
                    holder_name=form.cleaned_data["holder_name"],
                    iban=form.cleaned_data["iban"],
                    bic=form.cleaned_data.get("bic", ""),
                    actor=request.user,
                )
            except PaymentError as error:
                if error.field == "bic" and not form.ask_bic:
                    form = MandateForm(request.POST, ask_bic=True)
                    form.is_valid()
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if outcome.created:
                    messages.success(
                        request,
                        _(
                            "Mandat %(reference)s enregistré : téléchargez-le, signez-le et importez-le dans Documents fournis."
                        )
                        % {"reference": outcome.mandate.reference},
                    )
                elif outcome.amended:
                    messages.success(
                        request, _("Le titulaire du compte est modifié ; le mandat reste le même.")
                    )
                else:
                    messages.info(request, _("Ce compte est déjà celui de votre mandat : rien n'a changé."))
                return redirect("billing:mandate")
    else:
        form = MandateForm(initial={"holder_name": current.holder_name} if current else None)
    history = (
        _family_mandates(request.family).filter(revoked_on__isnull=False).order_by("-revoked_on", "-pk")[:5]
    )
    return render(
        request,
        "billing/payments/mandate.html",
        {
            "form": form,
            "mandate": current,
            "masked_iban": mask_iban(current.iban) if current else "",
            "history": history,
            "site": request.family.site,
        },
    )


@family_required
def mandate_pdf(request, pk: int):
    mandate_obj = scoped_or_404(_family_mandates(request.family), pk=pk)
    filename, content = render_mandate_pdf(snapshot(mandate_obj))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@family_required
@require_http_methods(["GET", "POST"])
def mandate_revoke(request, pk: int):
    mandate_obj = scoped_or_404(_family_mandates(request.family).filter(revoked_on__isnull=True), pk=pk)
    form = RevokeMandateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mandates.revoke_mandate(
                mandate=mandate_obj, actor=request.user, reason=_("Révoqué par la famille")
            )
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Le mandat %(reference)s est révoqué.") % {"reference": mandate_obj.reference}
            )
            return redirect("billing:mandate")
    return render(
        request,
        "billing/payments/mandate_revoke.html",
        {"form": form, "mandate": mandate_obj, "masked_iban": mask_iban(mandate_obj.iban)},
    )


@family_required
@require_http_methods(["GET", "POST"])
def pay_online(request):
    """Payer en ligne: choose one or several instalments still due, then go to the provider."""
    site = request.family.site
    if not online.is_enabled(site):
        raise Http404
    instalments = payable_online(request.family)
    form = PayOnlineForm(request.POST if request.method == "POST" else None, instalments=instalments)
    if request.method == "POST" and form.is_valid():
        try:
            transaction_obj, kind, data = online.start_payment(
                family=request.family,
                instalment_ids=[int(pk) for pk in form.cleaned_data["instalments"]],
                actor=request.user,
                email=getattr(request.guardian, "email", "") or request.user.email,
            )
        except PaymentError as error:
            form.add_error("instalments" if error.field == "instalments" else None, error.message)
        else:
            if kind == online.REDIRECT_URL:
                return redirect(data)
            return render(
                request,
                "billing/payments/provider_redirect.html",
                {"transaction": transaction_obj, "form_kind": kind == online.REDIRECT_FORM, "data": data},
            )
    return render(request, "billing/payments/pay_online.html", {"form": form, "instalments": instalments})


# Answers that could not be verified: nothing was recorded, nothing is shown as a receipt.
REFUSED_ANSWERS = {
    PaymentNotification.Outcome.FORGED,
    PaymentNotification.Outcome.TAMPERED,
    PaymentNotification.Outcome.MALFORMED,
}


def _site(slug: str) -> Site:
    return get_object_or_404(Site, slug=slug)


def _remote_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def online_return(request, site_slug: str):
    """The family's browser back from the provider. The answer is verified like a notification."""
    site = _site(site_slug)
    answer = online.handle_answer(
        site=site,
        query_string=online.query_string_of(request),
        channel=PaymentNotification.Channel.RETURN,
        remote_address=_remote_address(request),
    )
    family = getattr(request, "family", None)
    verified = answer.outcome not in REFUSED_ANSWERS
    if (
        verified
        and answer.transaction is not None
        and family is not None
        and answer.transaction.family_id == family.pk
    ):
        return redirect("billing:online_transaction", pk=answer.transaction.pk)
    if request.user.is_authenticated and family is not None:
        messages.warning(
            request,
            _("La réponse du service de paiement n'a pas pu être vérifiée : rien n'a été enregistré."),
        )
        return redirect("billing:invoices")
    return redirect(reverse("login"))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def online_notify(request, site_slug: str):
    """The provider's server-to-server notification: CSRF-exempt, verified by signature only."""
    site = _site(site_slug)
    answer = online.handle_answer(
        site=site,
        query_string=online.query_string_of(request),
        channel=PaymentNotification.Channel.NOTIFICATION,
        remote_address=_remote_address(request),
    )
    if answer.outcome in REFUSED_ANSWERS:
        return HttpResponse("refused", status=400, content_type="text/plain")
    return HttpResponse(answer.return_content or "OK", content_type="text/plain")


@family_required
def online_transaction(request, pk: int):
    """The receipt (or the state) of one of the family's card payments."""
    transaction_obj = scoped_or_404(
        OnlineTransaction.objects.for_family(request.family).prefetch_related("lines__instalment__invoice"),
        pk=pk,
    )
    return render(request, "billing/payments/online_transaction.html", {"transaction": transaction_obj})
