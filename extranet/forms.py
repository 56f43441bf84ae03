"""Forms of the portal shell (login, passwords) and the field types every family form shares."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.core.validators import RegexValidator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from extranet.models import Site
from extranet.phones import format_phone, normalise_phone

# --- Field types -----------------------------------------------------------------------------


class PhoneInput(forms.TextInput):
    """Shows a stored "0612345678" as "06 12 34 56 78"."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "tel", "inputmode": "tel", **(attrs or {})})

    def format_value(self, value):
        return super().format_value(format_phone(value) if isinstance(value, str) else value)


class PhoneField(forms.CharField):
    """A French phone number typed with spaces, dots or +33; cleaned to ten digits."""

    default_error_messages = {
        "invalid": _(
            "Un numéro de téléphone comporte 10 chiffres et commence par 0, par exemple 01 46 12 34 56."
        ),
    }
    pattern = r"^0\d{9}$"

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhoneInput)
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(self.pattern, self.error_messages["invalid"], code="invalid"))

    def to_python(self, value):
        return normalise_phone(super().to_python(value))


class MobileField(PhoneField):
    """The mobile for SMS: exactly ten digits, 06 or 07 (the Malakoff guide's rule)."""

    default_error_messages = {
        "invalid": _(
            "Le mobile pour les SMS comporte exactement 10 chiffres et commence par 06 ou 07, "
            "sans rien ajouter après (par exemple 06 12 34 56 78)."
        ),
    }
    pattern = r"^0[67]\d{8}$"


class PostalCodeField(forms.CharField):
    default_error_messages = {
        "invalid": _("Le code postal comporte 5 chiffres, par exemple 92240."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(r"^\d{5}$", self.error_messages["invalid"], code="invalid"))

    def to_python(self, value):
        return re.sub(r"\s", "", super().to_python(value))


class FrenchEmailField(forms.EmailField):
    default_error_messages = {
        "invalid": _("Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.EmailInput(attrs={"autocomplete": "email"}))
        super().__init__(**kwargs)


class PortalFormMixin:
    """Required fields painted (CSS class) and labelled "(obligatoire)": colour and text, not colour alone."""

    required_css_class = "required-field"
    error_css_class = "has-error"

    def mark_required(self, names=None) -> None:
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            # Django's own message follows the browser's language; ours is always French.
            if field.error_messages.get("required") is forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = _("Ce champ est obligatoire.")
            field.plain_label = field.label
            if field.required or (names and name in names):
                field.label = format_html(
                    '{} <span class="required-marker">({})</span>', field.label, _("obligatoire")
                )
                if not field.required:
                    field.widget.attrs["aria-required"] = "true"
                    field.widget.attrs["data-required-marked"] = "1"


def _comparable(field: forms.Field, value):
    try:
        return field.clean(value)
    except forms.ValidationError:
        return value


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Oui") if value else _("Non"))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return format_phone(str(value))


def unsaved_values(form: forms.Form, current: dict) -> list[tuple[str, str]]:
    """After a conflict: (label, typed value) for each field where the typing differs from the saved value.

    The page then shows the current values in the form, and these so the guardian can type them again.
    """
    unsaved = []
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        typed = _comparable(field, form[name].value())
        saved = _comparable(field, current.get(name))
        if typed != saved:
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                typed = dict(field.choices).get(typed, typed)
            unsaved.append((str(getattr(field, "plain_label", field.label)), _display(typed)))
    return unsaved


class VersionField(forms.IntegerField):
    """The version of the row the form was built from (optimistic locking)."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=1, **kwargs)


# --- Login -----------------------------------------------------------------------------------


def site_field() -> forms.ModelChoiceField:
    """The guides' « Site » choice: the conservatory a login belongs to."""
    return forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("Choisissez votre conservatoire"),
        error_messages={
            "required": _("Choisissez votre site."),
            "invalid_choice": _("Choisissez votre site."),
        },
    )


def identifier_field() -> forms.CharField:
    return forms.CharField(
        label=_("Identifiant"),
        max_length=150,
        error_messages={"required": _("Saisissez votre identifiant.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class LoginForm(forms.Form):
    """Site, Identifiant, Mot de passe: the guides' login screen."""

    site = site_field()
    username = identifier_field()
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        error_messages={"required": _("Saisissez votre mot de passe.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # One message whatever was wrong: site, identifier or password.
        "invalid_login": _("Site, identifiant ou mot de passe incorrect."),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        site = cleaned.get("site")
        username = cleaned.get("username")
        password = cleaned.get("password")
        if site and username and password:
            self.user_cache = authenticate(self.request, site=site.slug, username=username, password=password)
            if self.user_cache is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return cleaned

    def get_user(self):
        return self.user_cache


# --- Passwords -------------------------------------------------------------------------------


class PasswordResetRequestForm(forms.Form):
    """Mot de passe perdu (and first login): site, identifier and the email the school knows."""

    site = site_field()
    username = identifier_field()
    email = FrenchEmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        error_messages={"required": _("Saisissez votre adresse e-mail.")},
    )


class NewPasswordMixin:
    """New password typed twice, checked against every rule of AUTH_PASSWORD_VALIDATORS."""

    new_password_labels = {
        "new_password1": _("Nouveau mot de passe"),
        "new_password2": _("Confirmation du nouveau mot de passe"),
    }

    def setup_new_password_fields(self) -> None:
        self.fields["new_password1"].label = self.new_password_labels["new_password1"]
        self.fields["new_password2"].label = self.new_password_labels["new_password2"]
        self.fields["new_password1"].help_text = password_validation.password_validators_help_text_html()
        self.fields["new_password2"].help_text = _("Saisissez le même mot de passe, pour vérification.")
        self.fields["new_password1"].error_messages["required"] = _("Saisissez le nouveau mot de passe.")
        self.fields["new_password2"].error_messages["required"] = _(
            "Saisissez une seconde fois le nouveau mot de passe."
        )
        self.error_messages = {
            **getattr(self, "error_messages", {}),
            "password_mismatch": _("Les deux mots de passe saisis ne sont pas identiques."),
            "password_incorrect": _("Le mot de passe actuel est incorrect."),
        }

    def clean(self):
        # Each unmet rule is shown next to the new password itself, not next to its confirmation.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class PortalSetPasswordForm(NewPasswordMixin, SetPasswordForm):
    """The form behind the emailed link: new password twice."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.setup_new_password_fields()


class PortalPasswordChangeForm(NewPasswordMixin, SetPasswordForm):
    """Mot de passe tab: current password, new one twice."""

    old_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": _("Saisissez votre mot de passe actuel.")},
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.setup_new_password_fields()

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
