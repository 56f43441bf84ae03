"""Forms of the portal shell: login, password reset and change."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from extranet.base.forms import FrenchEmailField
from extranet.base.models import Site
from extranet.base.validators import password_help_text

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
        self.fields["new_password1"].help_text = password_help_text()
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
