"""Famille tab: the guardian's identity and contact, billing choice, other guardians, RGPD."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from extranet.base.editing import StaleEditError
from extranet.base.errors import show_domain_error
from extranet.base.forms import unsaved_values
from extranet.base.portal import family_required
from families import selectors, services
from families.forms import FamilyBillingForm, GuardianForm, family_references
from families.models import Family, Guardian


def _current_forms(request):
    guardian = Guardian.objects.get(pk=request.guardian.pk)
    family = Family.objects.get(pk=request.family.pk)
    return GuardianForm.initial_for(guardian), FamilyBillingForm.initial_for(family)


@family_required
def detail(request):
    guardian, family = request.guardian, request.family
    status = 200
    unsaved = []
    references = family_references()  # both forms' lists in one query
    if request.method == "POST":
        guardian_form = GuardianForm(request.POST, references=references)
        family_form = FamilyBillingForm(request.POST, references=references)
        if guardian_form.is_valid() and family_form.is_valid():
            guardian_data, family_data = guardian_form.cleaned_data, family_form.cleaned_data
            try:
                changes = services.update_family_details(
                    family=family,
                    guardian=guardian,
                    guardian_version=guardian_data["version"],
                    family_version=family_data["version"],
                    guardian_values={name: guardian_data[name] for name in services.GUARDIAN_FIELDS},
                    family_values={name: family_data[name] for name in services.FAMILY_FIELDS},
                )
            except StaleEditError as error:
                guardian_initial, family_initial = _current_forms(request)
                unsaved = unsaved_values(guardian_form, guardian_initial) + unsaved_values(
                    family_form, family_initial
                )
                show_domain_error(error, request=request)
                guardian_form = GuardianForm(initial=guardian_initial, references=references)
                family_form = FamilyBillingForm(initial=family_initial, references=references)
                status = 409
            else:
                messages.success(
                    request, _("Éléments modifiés") if changes else _("Aucune modification à enregistrer.")
                )
                return redirect("family:detail")
    else:
        guardian_form = GuardianForm(initial=GuardianForm.initial_for(guardian), references=references)
        family_form = FamilyBillingForm(initial=FamilyBillingForm.initial_for(family), references=references)
    return render(
        request,
        "families/detail.html",
        {
            "family": family,
            "guardian": request.guardian,
            "form": guardian_form,
            "billing_form": family_form,
            "family_tab": "identity",
            "other_guardians": selectors.other_guardians(family, request.guardian),
            "unsaved": unsaved,
        },
        status=status,
    )
