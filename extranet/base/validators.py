"""The guides' password rule (an upper-case letter, a lower-case letter and a digit), and the
passwords a family's acquaintance would guess: the current one, the site's or family's name."""

import re
import unicodedata

from django.contrib.auth.hashers import check_password
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


def _folded(text: str) -> str:
    """Lower case, without accents: "Sèvre" and "SEVRE" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _words(text: str, *, min_length: int) -> set[str]:
    return {word for word in re.split(r"[^a-z0-9]+", _folded(text)) if len(word) >= min_length}


class PasswordNotReusedValidator:
    """Refuse a new password equal to the current one: changing it must change it."""

    def validate(self, password, user=None):
        current = getattr(user, "password", "")
        if user is None or not current or not user.has_usable_password():
            return
        # hashers.check_password without a setter: validating must not rewrite the stored hash.
        if check_password(password, current):
            raise ValidationError(
                _("Le nouveau mot de passe doit être différent du mot de passe actuel."),
                code="password_unchanged",
            )

    def get_help_text(self):
        return _("Différent du mot de passe actuel.")


class PasswordNotNamedAfterValidator:
    """Refuse a password built on the site's name (or town) or the family's name: the first
    thing someone who knows the family would try."""

    # The words that name the site rather than say what it is: "Conservatoire à rayonnement
    # communal de Malakoff" gives "malakoff"; a passphrase may well speak of the conservatoire.
    generic_site_words = {
        "conservatoire", "ecole", "musique", "musiques", "danse", "danses", "theatre", "arts",
        "municipal", "municipale", "communal", "intercommunal", "departemental", "regional",
        "rayonnement", "national", "pole", "antenne",
    }  # fmt: skip
    min_site_word = 4
    min_family_word = 3

    def validate(self, password, user=None):
        if user is None:
            return
        folded = _folded(password)
        site = getattr(user, "site", None)
        if site is not None:
            words = (
                _words(site.name, min_length=self.min_site_word)
                | _words(site.city, min_length=self.min_site_word)
            ) - self.generic_site_words
            if any(word in folded for word in words):
                raise ValidationError(
                    _("Le mot de passe ne doit pas reprendre le nom du conservatoire (%(site)s)."),
                    code="password_site_name",
                    params={"site": site.name},
                )
        for name in self._family_names(user):
            if any(word in folded for word in _words(name, min_length=self.min_family_word)):
                raise ValidationError(
                    _("Le mot de passe ne doit pas reprendre le nom de la famille (%(name)s)."),
                    code="password_family_name",
                    params={"name": name},
                )

    @staticmethod
    def _family_names(user) -> list[str]:
        # The guardian (families app) is reached through the login's reverse relation: the base
        # layer names no model above it.
        guardian = getattr(user, "guardian", None) if getattr(user, "pk", None) else None
        if guardian is None:
            return []
        names = [family.name for family in guardian.families.all()]
        if guardian.last_name and guardian.last_name not in names:
            names.append(guardian.last_name)
        return names

    def get_help_text(self):
        return _("Sans le nom de la famille ni celui du conservatoire.")


def password_help_text() -> str:
    """The one help line under a new password field: every rule, in one sentence."""
    return _(
        "De 8 à 128 caractères, avec au moins une majuscule, une minuscule et un chiffre ; différent du "
        "mot de passe actuel, sans le nom de la famille ni celui du conservatoire."
    )
