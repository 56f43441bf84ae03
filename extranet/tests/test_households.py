"""Separated parents: a guardian of two households switches between them, and each page follows.

The per-page test walks every family-facing URL of the project (extranet.tests.portal_urls).
"""

import datetime
import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from billing.tests.factories import InvoiceFactory
from documents.tests.factories import DocumentFactory, document_type, pdf_bytes
from extranet.tests.factories import ChangeRecordFactory, SiteFactory, StaffUserFactory
from extranet.tests.portal import log_in, seasons
from extranet.tests.portal_urls import FILES, family_url_names
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, StudentFactory
from students.tests.schoolyear_factories import EvaluationFactory, TermFactory

pytestmark = pytest.mark.django_db

# What only the first household holds: none of it may show once the second one is chosen.
FIRST_ONLY = ("Alphonse", "alpha-attestation.pdf", "F2026-ALPHA")
SECOND_ONLY = {
    "students:list": "Béatrice",
    "students:identity": "Béatrice",
    "documents:student": "beta-attestation.pdf",
    "billing:invoices": "F2026-BETA",
}


@pytest.fixture
def households():
    """Claire belongs to ALPHA (with Paul) and to BETA, each with its pupil, file and invoice."""
    seasons()
    site = SiteFactory(slug="malakoff", name="Malakoff")
    site.house_rules.save("reglement.pdf", ContentFile(pdf_bytes("Règlement")))
    first = FamilyFactory(site=site, name="ALPHA", city="Malakoff")
    claire = guardian_of(first, first_name="Claire", is_payer=True)
    guardian_of(first, first_name="Paul", address="3 rue Secrète", profession="Cordiste")
    second = FamilyFactory(site=site, name="BETA", city="Vanves")
    second.memberships.create(guardian=claire)
    term = TermFactory(site=site, published_on=datetime.date(2026, 1, 5))
    made = {}
    for family, pupil, tag in ((first, "Alphonse", "alpha"), (second, "Béatrice", "beta")):
        student = StudentFactory(family=family, first_name=pupil)
        document = DocumentFactory(family=family, student=student, original_name=f"{tag}-attestation.pdf")
        InvoiceFactory(family=family, site=site, number=f"F2026-{tag.upper()}")
        evaluation = EvaluationFactory(
            term=term, course=CourseFactory(pole__site=site), student=student, appreciation=f"Bilan {tag}"
        )
        made[tag] = {"student_id": student.pk, "document_id": document.pk, "term_id": evaluation.term_id}
    mandate = document_type("mandat-prelevement")
    mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat")))
    for ids in made.values():
        ids["type_id"] = mandate.pk
    return first, second, claire, made


def switch(client, family):
    return client.post(reverse("switch_household"), {"family": family.pk})


def test_the_first_household_is_chosen_until_the_guardian_switches(client, households):
    first, second, claire, _ids = households
    log_in(client, claire)

    page = client.get(reverse("home")).content.decode()

    assert "foyer actuel :" in page
    assert "<strong>ALPHA</strong>" in page
    assert f'<option value="{second.pk}">BETA (Vanves)</option>' in page
    assert ">Changer de foyer</button>" in page


def test_switching_says_so_and_the_header_shows_the_new_household(client, households):
    first, second, claire, _ids = households
    log_in(client, claire)

    response = switch(client, second)
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == reverse("home")
    assert "Vous agissez maintenant pour le foyer BETA." in page
    assert "<strong>BETA</strong>" in page


def test_a_guardian_of_one_household_sees_no_switcher(client, households):
    first, _second, _claire, _ids = households
    log_in(client, first.guardians.get(first_name="Paul"))

    page = client.get(reverse("home")).content.decode()

    assert "Changer de foyer" not in page
    assert "famille ALPHA" in page


def test_switching_to_a_household_the_guardian_is_not_in_answers_404(client, households):
    first, second, claire, _ids = households
    stranger = FamilyFactory(site=first.site, name="ETRANGER")
    log_in(client, claire)

    assert switch(client, stranger).status_code == 404
    assert client.post(reverse("switch_household"), {"family": "abc"}).status_code == 404
    assert "<strong>ALPHA</strong>" in client.get(reverse("home")).content.decode()


def test_the_switch_needs_a_csrf_token_and_a_post(households):
    _first, second, claire, _ids = households
    client = Client(enforce_csrf_checks=True)
    log_in(client, claire)

    assert client.post(reverse("switch_household"), {"family": second.pk}).status_code == 403
    assert client.get(reverse("switch_household")).status_code == 405
    assert "<strong>ALPHA</strong>" in client.get(reverse("home")).content.decode()


def test_anonymous_visitors_and_staff_cannot_switch(client, households):
    _first, second, _claire, _ids = households

    response = switch(client, second)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(StaffUserFactory())
    assert switch(client, second).status_code == 403


@pytest.mark.parametrize("name,keys", family_url_names(), ids=[name for name, _keys in family_url_names()])
def test_after_the_switch_every_page_shows_the_second_household_only(client, households, name, keys):
    _first, second, claire, ids = households
    log_in(client, claire)
    switch(client, second)

    response = client.get(reverse(name, kwargs={key: ids["beta"][key] for key in keys}))

    assert response.status_code == 200, name
    if name not in FILES:
        page = response.content.decode()
        for marker in FIRST_ONLY:
            assert marker not in page, f"{name} shows {marker} of the other household"
        if name in SECOND_ONLY:
            assert SECOND_ONLY[name] in page
    family_owned = [key for key in keys if key in ("student_id", "document_id")]
    if family_owned:  # the first household's pupil or file is out of reach now
        other = reverse(
            name, kwargs={key: ids["alpha" if key in family_owned else "beta"][key] for key in keys}
        )
        assert client.get(other).status_code == 404, name


def test_the_rgpd_export_follows_the_switch(client, households):
    _first, second, claire, _ids = households
    log_in(client, claire)
    switch(client, second)

    content = client.get(reverse("family_data_export")).content.decode()

    assert json.loads(content)["family"]["name"] == "BETA"
    for marker in (*FIRST_ONLY, "Paul"):
        assert marker not in content


def test_the_rgpd_export_never_gives_the_other_guardians_own_data(client, households):
    first, _second, claire, _ids = households
    paul = first.guardians.get(first_name="Paul")
    ChangeRecordFactory(
        actor=paul.user,
        target=paul,
        field="address",
        field_label="Adresse",
        old_value="1 rue Ancienne",
        new_value="3 rue Secrète",
    )
    log_in(client, claire)

    data = json.loads(client.get(reverse("family_data_export")).content.decode())

    content = json.dumps(data, ensure_ascii=False)
    assert data["requester"]["first_name"] == "Claire"
    assert data["requester"]["identifier"] == claire.user.identifier
    for private in ("3 rue Secrète", "1 rue Ancienne", "Cordiste", paul.user.identifier):
        assert private not in content, private
    (paul_as_shown,) = [g for g in data["guardians"] if g["first_name"] == "Paul"]
    assert set(paul_as_shown) == {
        "relationship",
        "is_payer",
        "is_requester",
        "civility",
        "last_name",
        "first_name",
        "email",
        "phone",
    }
    assert paul_as_shown["email"] == paul.email  # what the Famille page shows Claire


def test_changes_made_by_the_other_guardian_name_no_login(client, households):
    first, _second, claire, _ids = households
    paul = first.guardians.get(first_name="Paul")
    ChangeRecordFactory(
        actor=paul.user, target=first, field="billing_mode", field_label="Mode", old_value="1", new_value="3"
    )
    log_in(client, claire)

    data = json.loads(client.get(reverse("family_data_export")).content.decode())

    (change,) = [c for c in data["changes"] if c["field"] == "Mode"]
    assert change["by"] == "autre responsable de la famille"
