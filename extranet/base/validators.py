"""The guides' password rule: an upper-case letter, a lower-case letter and a digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class PasswordCompositionValidator:
    max_length = 128

    def validate(self, password, user=None):
        errors = []
        if len(password) > self.max_length:
            errors.append(
                ValidationError(
                    _("Le mot de passe ne doit pas dépasser %(max)d caractères."),
                    code="password_too_long",
                    params={"max": self.max_length},
                )
            )
        if not any(char.isupper() for char in password):
            errors.append(
                ValidationError(
                    _("Le mot de passe doit contenir au moins une lettre majuscule."),
                    code="password_no_upper",
                )
            )
        if not any(char.islower() for char in password):
            errors.append(
                ValidationError(
                    _("Le mot de passe doit contenir au moins une lettre minuscule."),
                    code="password_no_lower",
                )
            )
        if not any(char.isdigit() for char in password):
            errors.append(
                ValidationError(
                    _("Le mot de passe doit contenir au moins un chiffre."), code="password_no_digit"
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _(
            "De 8 à 128 caractères, avec au moins une lettre majuscule, une lettre minuscule et un chiffre."
        )
