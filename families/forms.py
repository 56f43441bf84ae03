"""Famille tab: the logged-in guardian's identity and contact, and the household's billing choice."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.utils.translation import gettext_lazy as _

from extranet.base.fieldhtml import BootstrapBoundField
from extranet.base.forms import (
    FrenchEmailField,
    FrozenChoices,
    MobileField,
    PhoneField,
    PortalFormMixin,
    PostalCodeField,
    ReferenceChoiceField,
    VersionField,
    reference_rows,
    set_reference_choices,
)
from extranet.base.models import Civility, PaymentMeans, SocioProfessionalCategory
from families.models import BillingMode, FamilySituation

# Famille's lists, read together by the page (``GuardianForm`` and ``FamilyBillingForm``).
FAMILY_REFERENCES = (Civility, SocioProfessionalCategory, PaymentMeans)


def family_references() -> dict[type, list[tuple[int, str, str]]]:
    return reference_rows(*FAMILY_REFERENCES)


def socio_professional_choices(rows) -> FrozenChoices:
    """INSEE PCS: categories grouped under their group; a group without categories is a choice
    itself. ``rows``: the list's (pk, code, label), in order (``reference_rows``). The same rows
    give the same (frozen) choices."""
    return _socio_professional_choices(tuple(rows))


@lru_cache(maxsize=16)
def _socio_professional_choices(rows: tuple) -> FrozenChoices:
    choices: list = [("", _("Non renseignée"))]
    for pk, code, label in rows:
        if len(code) != 1:
            continue
        children = [
            (child_pk, child_label)
            for child_pk, child, child_label in rows
            if len(child) == 2 and child[0] == code
        ]
        choices.append((label, children) if children else (pk, label))
    return FrozenChoices(choices)


class GuardianForm(PortalFormMixin, forms.Form):
    """The guides' identity block, for the guardian who is logged in."""

    bound_field_class = BootstrapBoundField

    prefix = "guardian"

    version = VersionField()
    civility = ReferenceChoiceField(
        label=_("Civilité"), queryset=Civility.objects.order_by("order"), empty_label=_("Choisissez")
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    family_situation = forms.ChoiceField(
        label=_("Situation familiale"),
        choices=FrozenChoices([("", _("Non renseignée")), *FamilySituation.choices]),
        required=False,
    )
    profession = forms.CharField(
        label=_("Profession"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    socio_professional_category = forms.ChoiceField(
        label=_("Catégorie socio-professionnelle"), required=False
    )
    address = forms.CharField(
        label=_("Adresse"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "address-line1"})
    )
    postal_code = PostalCodeField(label=_("Code postal"))
    city = forms.CharField(
        label=_("Ville"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    phone_home = PhoneField(label=_("Téléphone domicile"))
    phone_work = PhoneField(label=_("Téléphone professionnel"))
    email = FrenchEmailField(label=_("E-mail"), max_length=254)
    mobile = MobileField(
        label=_("Mobile (SMS)"),
        help_text=_(
            "Uniquement les 10 chiffres de votre mobile, sans rien ajouter (ni « mère », ni « père »…)."
        ),
    )

    def __init__(self, *args, references=None, **kwargs):
        """``references``: ``family_references()`` when the caller read them already."""
        super().__init__(*args, **kwargs)
        references = references or family_references()
        set_reference_choices(self.fields["civility"], references[Civility])
        self.fields["socio_professional_category"].choices = socio_professional_choices(
            references[SocioProfessionalCategory]
        )
        self.mark_required()

    def clean_socio_professional_category(self):
        value = self.cleaned_data.get("socio_professional_category")
        if not value:
            return None
        category = SocioProfessionalCategory.objects.filter(pk=value).first()
        if category is None:
            raise forms.ValidationError(_("Choisissez une catégorie de la liste."), code="invalid_choice")
        return category

    def clean(self):
        cleaned = super().clean()
        phones = ("phone_home", "phone_work", "mobile")
        if not any(cleaned.get(name) for name in phones) and not any(name in self.errors for name in phones):
            self.add_error(
                "mobile",
                forms.ValidationError(
                    _("Renseignez au moins un numéro de téléphone, de préférence un mobile."), code="required"
                ),
            )
        return cleaned

    @staticmethod
    def initial_for(guardian) -> dict:
        return {
            "version": guardian.version,
            "civility": guardian.civility_id,
            "last_name": guardian.last_name,
            "first_name": guardian.first_name,
            "family_situation": guardian.family_situation,
            "profession": guardian.profession,
            "socio_professional_category": guardian.socio_professional_category_id or "",
            "address": guardian.address,
            "postal_code": guardian.postal_code,
            "city": guardian.city,
            "phone_home": guardian.phone_home,
            "phone_work": guardian.phone_work,
            "email": guardian.email,
            "mobile": guardian.mobile,
        }


class FamilyBillingForm(PortalFormMixin, forms.Form):
    """Mode de facturation (1, 3 or 8 instalments) and payment means of the household."""

    bound_field_class = BootstrapBoundField

    prefix = "family"

    version = VersionField()
    billing_mode = forms.TypedChoiceField(
        label=_("Mode de facturation"),
        choices=BillingMode.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le mode de facturation.")},
    )
    payment_means = ReferenceChoiceField(
        label=_("Moyen de paiement"),
        queryset=PaymentMeans.objects.order_by("order"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choisissez le moyen de paiement.")},
        help_text=_(
            "Avec le prélèvement, importez votre RIB et le mandat de prélèvement signé dans « Documents fournis »."
        ),
    )

    def __init__(self, *args, references=None, **kwargs):
        """``references``: ``family_references()`` when the caller read them already."""
        super().__init__(*args, **kwargs)
        references = references or family_references()
        set_reference_choices(self.fields["payment_means"], references[PaymentMeans])
        self.mark_required()

    @staticmethod
    def initial_for(family) -> dict:
        return {
            "version": family.version,
            "billing_mode": family.billing_mode,
            "payment_means": family.payment_means_id,
        }
