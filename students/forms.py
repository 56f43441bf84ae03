"""The pupil's Identité form."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from extranet.base.fieldhtml import BootstrapBoundField
from extranet.base.forms import (
    FrenchEmailField,
    MobileField,
    PhoneField,
    PortalFormMixin,
    PostalCodeField,
    ReferenceChoiceField,
    VersionField,
    reference_rows,
    set_reference_choices,
)
from extranet.base.models import Civility, SchoolLevel

ADULT_LEVEL_CODE = "adulte"

IMAGE_RIGHTS_CHOICES = [("oui", _("Oui")), ("non", _("Non"))]

# Fields the Malakoff guide highlights as required; postal code and town only when the pupil
# does not use the guardian's contact details.
CONTACT_REQUIRED = ("postal_code", "city")


class StudentIdentityForm(PortalFormMixin, forms.Form):
    """Identité: birth, contact (or the guardian's), school for the coming season, image rights."""

    bound_field_class = BootstrapBoundField

    version = VersionField()
    civility = ReferenceChoiceField(
        label=_("Civilité"),
        queryset=Civility.objects.order_by("order"),
        required=False,
        empty_label=_("Non renseignée"),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide, par exemple 14/03/2015.")},
    )
    birth_place = forms.CharField(label=_("Lieu de naissance"), max_length=150, required=False)
    use_guardian_contact = forms.BooleanField(
        label=_("Utiliser les coordonnées du responsable légal"), required=False
    )
    address = forms.CharField(
        label=_("Adresse"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    postal_code = PostalCodeField(label=_("Code postal"), required=False)
    city = forms.CharField(
        label=_("Ville"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone_home = PhoneField(label=_("Téléphone domicile"))
    mobile = MobileField(label=_("Mobile"))
    email = FrenchEmailField(label=_("E-mail"), required=False, max_length=254)
    school_name = forms.CharField(
        label=_("Établissement scolaire"),
        max_length=150,
        required=False,
        help_text=_("Laissez vide pour un élève adulte."),
    )
    school_level = ReferenceChoiceField(
        label=_("Niveau scolaire"),
        queryset=SchoolLevel.objects.order_by("order"),
        empty_label=_("Choisissez le niveau"),
    )
    image_rights = forms.ChoiceField(
        label=_("Droit à l'image"),
        choices=IMAGE_RIGHTS_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "J'autorise le conservatoire à utiliser des photos et vidéos de l'élève prises pendant les cours et spectacles."
        ),
    )

    def __init__(self, *args, season_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        references = reference_rows(Civility, SchoolLevel)  # one query for both lists
        set_reference_choices(self.fields["civility"], references[Civility])
        if season_label:
            set_reference_choices(self.fields["school_level"], references[SchoolLevel])
            self.fields["school_level"].label = _("Niveau scolaire %(season)s") % {"season": season_label}
        else:
            # No coming season yet: the school cannot be recorded, so it is not asked.
            del self.fields["school_name"]
            del self.fields["school_level"]
        use_guardian = self._value("use_guardian_contact")
        marked = {"school_name"} if season_label else set()
        if not use_guardian:
            marked.update(CONTACT_REQUIRED)
        self.mark_required(marked)

    def _value(self, name):
        if self.is_bound:
            return self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        return self.initial.get(name)

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
        if value < datetime.date(today.year - 120, 1, 1):
            raise forms.ValidationError(_("Vérifiez l'année de naissance."))
        return value

    def clean_image_rights(self):
        value = self.cleaned_data.get("image_rights")
        return {"oui": True, "non": False}.get(value)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("use_guardian_contact"):
            for name in CONTACT_REQUIRED:
                if name in cleaned and not cleaned[name]:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _(
                                "Ce champ est obligatoire, sauf si vous utilisez les coordonnées du responsable légal."
                            ),
                            code="required",
                        ),
                    )
        level = cleaned.get("school_level")
        if (
            level is not None
            and level.code != ADULT_LEVEL_CODE
            and "school_name" in cleaned
            and not cleaned["school_name"]
        ):
            self.add_error(
                "school_name",
                forms.ValidationError(_("Indiquez l'établissement scolaire de l'élève."), code="required"),
            )
        return cleaned

    @staticmethod
    def initial_for(student, school_record) -> dict:
        return {
            "version": student.version,
            "civility": student.civility_id,
            "birth_date": student.birth_date,
            "birth_place": student.birth_place,
            "use_guardian_contact": student.use_guardian_contact,
            "address": student.address,
            "postal_code": student.postal_code,
            "city": student.city,
            "phone_home": student.phone_home,
            "mobile": student.mobile,
            "email": student.email,
            "school_name": school_record.school_name if school_record else "",
            "school_level": school_record.school_level_id if school_record else None,
            "image_rights": {True: "oui", False: "non"}.get(student.image_rights),
        }
