"""The Réinscription tab of a pupil, and the site's house rules."""

from __future__ import annotations

import mimetypes
import os

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from extranet.base.errors import show_domain_error
from extranet.base.portal import family_required
from reenrolment import rules, selectors, services
from reenrolment.forms import ReenrolmentForm, WithdrawForm
from students.selectors import get_student_or_404


@family_required
@require_http_methods(["GET", "POST"])
def student_reenrolment(request, student_id):
    student = get_student_or_404(request, student_id)
    now = timezone.now()
    site = request.family.site
    window = selectors.window_for_site(site, at=now)
    phase = selectors.window_phase(window, at=now)
    dossier = selectors.dossier_for(student, window)
    here = redirect("reenrolment:student", student.pk)

    if request.method == "POST" and request.POST.get("action") == "withdraw":
        return _withdraw(request, dossier, here)

    editable = dossier is None or dossier.state in selectors.EDITABLE_STATES
    form = offer = None
    if phase == selectors.OPEN and editable:
        offer = selectors.reenrolment_offer(student, window, with_past=True)
        suggested = selectors.suggested_course_ids(student, offer)
        if request.method == "POST":
            form, finished, current = _save(
                request, student=student, window=window, offer=offer, suggested=suggested
            )
            if finished:
                return here
            dossier = current or dossier
        else:
            form = ReenrolmentForm(
                initial=ReenrolmentForm.initial_from(dossier, offer), offer=offer, suggested_ids=suggested
            )
    elif request.method == "POST":
        if phase != selectors.OPEN and window is not None:
            messages.error(request, services.window_closed_message(window, now))
        else:
            messages.error(
                request, _("Ce dossier a déjà été traité par le secrétariat : il ne peut plus être modifié.")
            )
        return here

    return render(
        request,
        "reenrolment/student.html",
        {
            "student": student,
            "student_tab": "reenrolment",
            "site": site,
            "window": window,
            "phase": phase,
            "dossier": dossier,
            "form": form,
            # Its own ids: the re-enrolment form on the same page has a "version" field too.
            "withdraw_form": WithdrawForm(initial={"version": dossier.version}, auto_id="withdraw_%s")
            if dossier
            else None,
            "can_withdraw": dossier is not None
            and dossier.state in {dossier.State.DRAFT, dossier.State.SUBMITTED},
            "age_day": rules.age_reference_day(window.season) if window else None,
            "opens_text": selectors.window_opens_text(window) if window else "",
            "closes_text": selectors.window_closes_text(window) if window else "",
            "house_rules_version": services.house_rules_version(site),
        },
    )


def _save(request, *, student, window, offer, suggested):
    """Valider (or Enregistrer le brouillon): (the form, whether the request is finished — saved,
    or refused with a message — and the dossier as it now stands if another guardian saved it)."""
    form = ReenrolmentForm(request.POST, offer=offer, suggested_ids=suggested)
    if not form.is_valid():
        return form, False, None
    data = form.cleaned_data
    try:
        result = services.save_reenrolment(
            student=student,
            window=window,
            actor=request.user,
            continue_enrolment_ids=data["continued"],
            wish_course_ids=data["wishes"],
            administrative=data["administrative"],
            information=data["information"],
            accepted_house_rules=data["accept_house_rules"],
            expected_version=data["version"],
            submit=request.POST.get("action") != "draft",
        )
    except services.RuleViolation as error:
        show_domain_error(error, form=form)
        return form, False, None
    except services.StaleDossier as error:
        # Keep what this guardian chose, show the saved dossier, and let them confirm.
        posted = request.POST.copy()
        posted["version"] = str(error.current.version)
        form = ReenrolmentForm(posted, offer=offer, suggested_ids=suggested)
        form.is_valid()
        show_domain_error(error, form=form)
        return form, False, selectors.dossier_for(student, window)
    except services.ReenrolmentError as error:
        show_domain_error(error, request=request)
        return form, True, None
    _tell_saved(request, result)
    return form, True, None


def _tell_saved(request, result: services.SaveResult) -> None:
    if not result.changed:
        messages.info(
            request, _("Réinscription en attente de validation : déjà enregistrée, rien n'a changé.")
        )
    elif result.reenrolment.state == result.reenrolment.State.SUBMITTED:
        messages.success(
            request,
            _(
                "Réinscription en attente de validation. Un e-mail de confirmation récapitulant "
                "votre demande a été envoyé."
            ),
        )
    else:
        messages.info(
            request, _("Brouillon enregistré : la demande n'est pas encore envoyée au secrétariat.")
        )


def _withdraw(request, dossier, here):
    form = WithdrawForm(request.POST)
    if dossier is None or not form.is_valid():
        messages.error(request, _("Il n'y a pas de demande de réinscription à retirer."))
        return here
    try:
        services.withdraw_reenrolment(
            reenrolment=dossier,
            actor=request.user,
            by_family=True,
            expected_version=form.cleaned_data["version"],
        )
    except services.ReenrolmentError as error:
        show_domain_error(error, request=request)
    else:
        messages.success(
            request,
            _(
                "Votre demande de réinscription est retirée. Vous pouvez en envoyer une nouvelle tant que la période est ouverte."
            ),
        )
    return here


@family_required
@require_http_methods(["GET"])
def house_rules(request):
    """The site's house rules (règlement intérieur), for its families only: uploads are never public."""
    site = request.family.site
    if not site.house_rules:
        raise Http404
    try:
        handle = site.house_rules.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = os.path.basename(site.house_rules.name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = content_type == "application/pdf"
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=filename,
        content_type=content_type if inline else "application/octet-stream",
    )
