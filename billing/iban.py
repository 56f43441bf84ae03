"""IBAN and BIC: validation with schwifty, French messages, masking, BIC derivation."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors


class BankAccountError(ValueError):
    """A refused IBAN or BIC; ``message`` is French, ``field`` is the form field."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class BankAccount:
    iban: str  # compact, upper case: FR7630006000011234567890189
    bic: str  # 8 or 11 characters, or "" when neither given nor derivable

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


def compact(value: str) -> str:
    return "".join(value.split()).upper()


def mask_iban(iban: str) -> str:
    """``FR76 •••• •••• •••• •••• •••• 189``: country, check digits and the last 3 characters.

    Enough for a family to recognise its account, not enough to debit it.
    """
    iban = compact(iban)
    if len(iban) < 8:
        return "•" * len(iban)
    hidden = iban[:4] + "•" * (len(iban) - 7) + iban[-3:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


def _length_message(value: str) -> str:
    country = value[:2]
    try:
        spec = IBAN.random(country_code=country).spec  # the registry entry of that country
        expected = spec.iban_length
    except (schwifty_errors.SchwiftyException, KeyError, ValueError):
        expected = None
    if expected:
        return _(
            "Un IBAN de ce pays (%(country)s) compte %(expected)d caractères ; vous en avez saisi %(typed)d. "
            "Vérifiez qu'il ne manque ni n'y a en trop aucun chiffre."
        ) % {"country": country, "expected": expected, "typed": len(value)}
    return _("La longueur de cet IBAN ne correspond pas à son pays. Vérifiez-le sur votre RIB.")


def parse_account(*, iban: str, bic: str = "") -> BankAccount:
    """The account if the IBAN is valid; the BIC derived from it where schwifty knows the bank.

    Raises ``BankAccountError`` with the French message to show next to the field.
    """
    value = compact(iban)
    if not value:
        raise BankAccountError(_("Saisissez l'IBAN du compte à prélever."), field="iban")
    if len(value) < 5 or not value[:2].isalpha() or not value[2:4].isdigit():
        raise BankAccountError(
            _("Un IBAN commence par le code du pays et deux chiffres de contrôle, par exemple FR76…"),
            field="iban",
        )
    try:
        parsed = IBAN(value)
    except schwifty_errors.InvalidCountryCode:
        raise BankAccountError(
            _("Le code pays « %(country)s » de cet IBAN n'existe pas.") % {"country": value[:2]}, field="iban"
        ) from None
    except schwifty_errors.InvalidLength:
        raise BankAccountError(_length_message(value), field="iban") from None
    except (schwifty_errors.InvalidChecksumDigits, schwifty_errors.InvalidBBANChecksum):
        raise BankAccountError(
            _("Cet IBAN n'est pas valide (clé de contrôle incorrecte) : une erreur de saisie s'est glissée."),
            field="iban",
        ) from None
    except schwifty_errors.SchwiftyException:
        raise BankAccountError(
            _("Cet IBAN contient des caractères inattendus. Recopiez-le depuis votre RIB."), field="iban"
        ) from None
    if not parsed.in_sepa_zone:
        raise BankAccountError(
            _("Le prélèvement SEPA n'est possible que depuis un compte de la zone SEPA."), field="iban"
        )
    typed_bic = compact(bic)
    if typed_bic:
        try:
            checked = BIC(typed_bic)
        except schwifty_errors.SchwiftyException:
            raise BankAccountError(
                _("Ce BIC n'est pas valide : il compte 8 ou 11 lettres et chiffres, par exemple AGRIFRPP."),
                field="bic",
            ) from None
        return BankAccount(iban=parsed.compact, bic=str(checked.compact))
    derived = parsed.bic
    return BankAccount(iban=parsed.compact, bic=str(derived.compact) if derived else "")
