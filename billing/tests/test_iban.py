"""IBAN checks with schwifty: French messages a family can act on, masking, BIC derivation."""

import pytest

from billing.iban import BankAccountError, mask_iban, parse_account
from billing.tests.payment_factories import IBAN_DE, IBAN_FR, IBAN_GB


def test_a_bad_checksum_is_refused_with_a_french_message():
    with pytest.raises(BankAccountError) as refused:
        parse_account(iban="FR7630006000011234567890188")

    assert refused.value.field == "iban"
    assert "clé de contrôle incorrecte" in refused.value.message


def test_a_french_iban_one_digit_short_says_how_long_it_must_be():
    with pytest.raises(BankAccountError) as refused:
        parse_account(iban="FR763000600001123456789018")

    assert refused.value.message.startswith(
        "Un IBAN de ce pays (FR) compte 27 caractères ; vous en avez saisi 26."
    )


def test_a_german_iban_too_long_gives_the_german_length():
    with pytest.raises(BankAccountError) as refused:
        parse_account(iban=IBAN_DE + "1")

    assert "(DE) compte 22 caractères" in refused.value.message


def test_an_unknown_country_is_named():
    with pytest.raises(BankAccountError) as refused:
        parse_account(iban="QQ7630006000011234567890189")

    assert "« QQ »" in refused.value.message


def test_spaces_and_lower_case_are_accepted_and_the_bic_is_derived():
    account = parse_account(iban="fr76 3000 6000 0112 3456 7890 189")

    assert account.iban == IBAN_FR
    assert account.bic == "AGRIFRPPXXX"


def test_no_bic_when_the_bank_cannot_be_recognised():
    assert parse_account(iban=IBAN_GB).bic == ""


def test_a_typed_bic_is_checked():
    with pytest.raises(BankAccountError) as refused:
        parse_account(iban=IBAN_GB, bic="ZZ")

    assert refused.value.field == "bic"
    assert parse_account(iban=IBAN_GB, bic="nwbkgb2l").bic == "NWBKGB2L"


def test_the_masked_iban_keeps_only_the_country_check_digits_and_last_three():
    masked = mask_iban(IBAN_FR)

    assert masked == "FR76 •••• •••• •••• •••• •••• 189"
    assert "3000600001" not in masked.replace(" ", "")
