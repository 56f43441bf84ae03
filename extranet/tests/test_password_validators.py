"""New passwords: not the current one, not built on the site's or the family's name; one help line."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from extranet.base.validators import PasswordNotNamedAfterValidator, PasswordNotReusedValidator
from extranet.tests.factories import SiteFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db


def change(client, new, current="Motdepasse1"):
    return client.post(
        reverse("password_change"),
        {"old_password": current, "new_password1": new, "new_password2": new},
    )


def test_the_current_password_cannot_be_chosen_again(client):
    logged_in_family(client)

    response = change(client, "Motdepasse1")

    assert response.context["form"].errors["new_password1"] == [
        "Le nouveau mot de passe doit être différent du mot de passe actuel."
    ]


def test_checking_the_current_password_does_not_rewrite_its_hash(client):
    _family, guardian = logged_in_family(client)
    user = guardian.user
    stored = user.password

    with pytest.raises(ValidationError):
        PasswordNotReusedValidator().validate("Motdepasse1", user)

    user.refresh_from_db()
    assert user.password == stored


@pytest.mark.parametrize("new", ["Malakoff2026", "MALAKOFF92x", "92Malakoff!a"])
def test_a_password_built_on_the_site_name_is_refused(client, new):
    logged_in_family(client, site=SiteFactory(name="Conservatoire de Malakoff", slug="malakoff"))

    response = change(client, new)

    assert (
        "Le mot de passe ne doit pas reprendre le nom du conservatoire (Conservatoire de Malakoff)."
        in (response.context["form"].errors["new_password1"])
    )


def test_accents_do_not_hide_the_site_name(client):
    _family, guardian = logged_in_family(
        client, site=SiteFactory(name="Conservatoire Sèvre Loire", slug="sl")
    )

    with pytest.raises(ValidationError) as refused:
        PasswordNotNamedAfterValidator().validate("Sevre2026x", guardian.user)

    assert refused.value.error_list[0].code == "password_site_name"


@pytest.mark.parametrize("new", ["Dupontel2026", "DUPONTEL-a1", "famille1Dupontel"])
def test_a_password_built_on_the_family_name_is_refused(client, new):
    logged_in_family(client, name="DUPONTEL")

    response = change(client, new)

    assert (
        "Le mot de passe ne doit pas reprendre le nom de la famille (DUPONTEL)."
        in (response.context["form"].errors["new_password1"])
    )


def test_an_unrelated_strong_password_is_accepted(client):
    logged_in_family(
        client, name="DUPONTEL", site=SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    )

    response = change(client, "Violoncelle-Bleu7")

    assert response.status_code == 302


def test_a_staff_login_without_site_or_family_is_checked_only_for_the_other_rules(django_user_model):
    staff = django_user_model.objects.create_user(
        identifier="secretaire", password="Ancien2026x", is_staff=True
    )

    validate_password("Violoncelle-Bleu7", staff)


def test_the_new_password_has_one_help_line(client):
    logged_in_family(client)

    page = client.get(reverse("password_change")).content.decode()

    assert page.count("De 8 à 128 caractères") == 1
    help_block = page[page.index('id="id_new_password1_helptext"') :]
    help_block = help_block[: help_block.index("</div>")]
    assert "<li>" not in help_block
    assert "différent du mot de passe actuel" in help_block
