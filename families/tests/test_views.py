"""Famille tab: identity and contact form, billing choice, other guardians, RGPD notice."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.base.phones import format_phone
from extranet.tests.factories import payment_means
from extranet.tests.portal import famille_form_data as form_data
from extranet.tests.portal import log_in, logged_in_family
from families.models import Family, Guardian
from families.tests.factories import guardian_of

pytestmark = pytest.mark.django_db


def test_the_page_shows_every_field_of_the_guides(client):
    logged_in_family(client)

    page = client.get(reverse("family:detail")).content.decode()

    for label in (
        "Civilité",
        "Nom",
        "Prénom",
        "Situation familiale",
        "Profession",
        "Catégorie socio-professionnelle",
        "Adresse",
        "Code postal",
        "Ville",
        "Téléphone domicile",
        "Téléphone professionnel",
        "E-mail",
        "Mobile (SMS)",
        "Mode de facturation",
        "Moyen de paiement",
    ):
        assert label in page, label
    for wording in (
        "En 1 fois – paiement en octobre",
        "En 3 fois – octobre, janvier et avril",
        "En 8 fois – mensuel, d&#x27;octobre à mai",
        "Prélèvement bancaire",
        "Chèque",
        "Chèques vacances",
        "e-pass culture",
        "Carte bancaire en ligne",
    ):
        assert wording in page, wording
    assert ">Enregistrer</button>" in page


def test_required_fields_are_marked_by_colour_and_by_text(client):
    logged_in_family(client)

    page = client.get(reverse("family:detail")).content.decode()

    for field in ("civility", "last_name", "first_name", "address", "postal_code", "city", "email"):
        start = page.index(f'id="div_id_guardian-{field}"')
        assert page[start : start + 80].count("required-field") == 1, field
        assert "(obligatoire)" in page[start : page.index("</label>", start)], field
    start = page.index('id="div_id_guardian-profession"')
    assert "(obligatoire)" not in page[start : page.index("</label>", start)]


def test_phones_are_shown_in_pairs_of_digits(client):
    family, guardian = logged_in_family(client)
    Guardian.objects.filter(pk=guardian.pk).update(phone_home="0146123456")

    page = client.get(reverse("family:detail")).content.decode()

    assert 'value="01 46 12 34 56"' in page
    assert 'value="06 12 34 56 78"' in page


def test_saving_shows_elements_modifies_and_emails_each_change(client, django_capture_on_commit_callbacks):
    family, guardian = logged_in_family(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family:detail"),
            form_data(
                guardian,
                family,
                **{
                    "guardian-city": "Vanves",
                    "guardian-phone_home": "+33 1 46 12 34 56",
                    "family-billing_mode": 3,
                    "family-payment_means": payment_means("direct_debit").pk,
                },
            ),
            follow=True,
        )

    assert "Éléments modifiés" in response.content.decode()
    guardian.refresh_from_db()
    family.refresh_from_db()
    assert (guardian.city, guardian.phone_home, guardian.version) == ("Vanves", "0146123456", 2)
    assert (family.billing_mode, family.payment_means.code, family.version) == (3, "direct_debit", 2)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [guardian.email]
    assert "Accusé de réception" in email.subject
    assert "Ville : « Malakoff » → « Vanves »" in email.body
    assert "Téléphone domicile : « (vide) » → « 01 46 12 34 56 »" in email.body
    assert (
        "Mode de facturation : « En 1 fois – paiement en octobre » → « En 3 fois – octobre, janvier et avril »"
        in email.body
    )
    assert "Moyen de paiement : « Chèque » → « Prélèvement bancaire »" in email.body


def test_staff_see_who_changed_what_before_and_after(client):
    family, guardian = logged_in_family(client)

    client.post(
        reverse("family:detail"),
        form_data(guardian, family, **{"guardian-city": "Vanves", "family-billing_mode": 8}),
    )

    guardian_change = ChangeRecord.objects.get(object_id=guardian.pk, field="city")
    assert (guardian_change.old_value, guardian_change.new_value, guardian_change.actor) == (
        "Malakoff",
        "Vanves",
        guardian.user,
    )
    family_change = ChangeRecord.objects.get(object_id=family.pk, field="billing_mode")
    assert family_change.new_value == "En 8 fois – mensuel, d'octobre à mai"


def test_changing_the_email_warns_the_old_address_too(client, django_capture_on_commit_callbacks):
    family, guardian = logged_in_family(client)
    old = guardian.email

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("family:detail"), form_data(guardian, family, **{"guardian-email": "nouvelle@example.fr"})
        )

    assert mail.outbox[0].to == ["nouvelle@example.fr", old]
    guardian.user.refresh_from_db()
    assert guardian.user.email == "nouvelle@example.fr"


def test_saving_unchanged_data_says_so_and_sends_nothing(client, django_capture_on_commit_callbacks):
    family, guardian = logged_in_family(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("family:detail"), form_data(guardian, family), follow=True)

    assert "Aucune modification à enregistrer." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("guardian-postal_code", "9224", "Le code postal comporte 5 chiffres, par exemple 92240."),
        ("guardian-postal_code", "ABCDE", "Le code postal comporte 5 chiffres, par exemple 92240."),
        ("guardian-mobile", "06 12 34 56 78 mère", "Le mobile pour les SMS comporte exactement 10 chiffres"),
        ("guardian-mobile", "0146123456", "Le mobile pour les SMS comporte exactement 10 chiffres"),
        ("guardian-phone_work", "01 46 12", "Un numéro de téléphone comporte 10 chiffres et commence par 0"),
        ("guardian-email", "claire.example.fr", "Saisissez une adresse e-mail valide"),
        ("guardian-city", "", "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_explained_in_french_and_kept(client, field, typed, message):
    family, guardian = logged_in_family(client)

    response = client.post(reverse("family:detail"), form_data(guardian, family, **{field: typed}))

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Les informations n'ont pas été enregistrées" in page
    if typed:
        assert f'value="{format_phone(typed)}"' in page
    guardian.refresh_from_db()
    assert guardian.version == 1


def test_at_least_one_phone_is_required(client):
    family, guardian = logged_in_family(client)

    response = client.post(
        reverse("family:detail"),
        form_data(
            guardian, family, **{"guardian-mobile": "", "guardian-phone_home": "", "guardian-phone_work": ""}
        ),
    )

    assert "Renseignez au moins un numéro de téléphone, de préférence un mobile." in response.content.decode()


def test_other_guardians_are_listed_read_only(client):
    family, guardian = logged_in_family(client)
    other = guardian_of(family, first_name="Paul", last_name="Durand", mobile="0798765432")

    page = client.get(reverse("family:detail")).content.decode()

    assert "Autres responsables de la famille" in page
    assert "Paul DURAND" in page and "07 98 76 54 32" in page
    assert f'value="{other.first_name}"' not in page


def test_the_rgpd_notice_names_the_rights_and_the_site_contact(client):
    family, _guardian = logged_in_family(client)

    page = client.get(reverse("family:detail")).content.decode()

    assert "droit d'accès et de rectification" in page
    assert family.site.contact_email in page
    assert reverse("family_data_export") in page and "Télécharger mes données" in page


def test_second_guardian_saving_a_stale_form_sees_the_current_values(client):
    family, first = logged_in_family(client)
    second = guardian_of(family)
    second_client = Client()
    log_in(second_client, second)
    # Both open the page, family at version 1; the first saves the billing choice.
    client.post(reverse("family:detail"), form_data(first, family, **{"family-billing_mode": 3}))

    response = second_client.post(
        reverse("family:detail"), form_data(second, family, **{"family-billing_mode": 8})
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "Un autre responsable de la famille ou le secrétariat a modifié ces informations" in page
    assert re.search(r'name="family-billing_mode" value="3"[^>]* checked>', page)
    assert not re.search(r'name="family-billing_mode" value="8"[^>]* checked>', page)
    assert 'name="family-version" value="2"' in page
    assert "Vos saisies non enregistrées" in page
    assert Family.objects.get(pk=family.pk).billing_mode == 3


def test_messages_are_in_english_for_a_browser_set_to_english(client):
    family, guardian = logged_in_family(client)

    response = client.post(
        reverse("family:detail"),
        form_data(guardian, family, **{"guardian-city": ""}),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.context["form"].errors["city"] == ["This field is required."]
