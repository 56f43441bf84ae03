"""The secretariat finds families, guardians and pupils by name, identifier and e-mail, in part,
accents included; the search runs one indexed query per field and shows each row once."""

import pytest
from django.urls import reverse

from extranet.base import search
from extranet.tests.admin_pages import staff_logged_in
from extranet.tests.factories import StaffUserFactory
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    return staff_logged_in(StaffUserFactory(is_superuser=True))


@pytest.fixture
def households():
    lefèvre = FamilyFactory(name="Lefèvre-Durand", external_reference="AG-0042")
    hélène = guardian_of(lefèvre, last_name="Lefèvre", first_name="Hélène", email="helene.lefevre@example.fr")
    guardian_of(lefèvre, last_name="Durand", first_name="Marc", email="marc.durand@example.fr")
    nguyen = FamilyFactory(name="Nguyen", external_reference="AG-0043")
    guardian_of(nguyen, last_name="Nguyen", first_name="Anh", email="anh@example.fr")
    StudentFactory(family=lefèvre, last_name="Lefèvre", first_name="Zoé")
    StudentFactory(family=nguyen, last_name="Nguyen", first_name="Minh")
    return {"lefèvre": lefèvre, "nguyen": nguyen, "hélène": hélène}


def found(client, model: str, term: str) -> list:
    response = client.get(reverse(f"admin:{model}_changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "term",
    [
        "Lefèvre-Durand",  # the family's name
        "fèvre",  # part of it, with its accent
        "ag-0042",  # the reference from the old software, any case
        "Hélène",  # a guardian's first name, accented
        "durand",  # another guardian's last name: the family is listed once
        "marc.durand@example",  # a guardian's e-mail, in part
    ],
)
def test_a_family_is_found_once_by_any_of_its_searched_fields(staff_client, households, term):
    assert found(staff_client, "families_family", term) == [households["lefèvre"]]


def test_a_family_is_found_by_a_guardians_login_identifier(staff_client, households):
    identifier = households["hélène"].user.identifier

    assert found(staff_client, "families_family", identifier) == [households["lefèvre"]]


def test_every_term_must_match_one_field(staff_client, households):
    assert found(staff_client, "families_family", "Hélène AG-0042") == [households["lefèvre"]]
    assert found(staff_client, "families_family", "Hélène AG-0043") == []
    assert found(staff_client, "families_family", "Nguyen") == [households["nguyen"]]


def test_the_result_count_is_the_number_of_families_shown(staff_client, households):
    response = staff_client.get(reverse("admin:families_family_changelist"), {"q": "example.fr"})

    assert response.context["cl"].result_count == 2
    assert sorted(f.name for f in response.context["cl"].result_list) == ["Lefèvre-Durand", "Nguyen"]


def test_guardians_are_found_by_name_identifier_and_email(staff_client, households):
    hélène = households["hélène"]

    assert found(staff_client, "families_guardian", "hélène") == [hélène]
    assert found(staff_client, "families_guardian", hélène.user.identifier) == [hélène]
    assert found(staff_client, "families_guardian", "helene.lefevre@") == [hélène]


def test_pupils_are_found_by_their_name_and_their_familys(staff_client, households):
    assert [s.first_name for s in found(staff_client, "students_student", "zoé")] == ["Zoé"]
    assert [s.first_name for s in found(staff_client, "students_student", "AG-0043")] == ["Minh"]
    assert [s.first_name for s in found(staff_client, "students_student", "marc.durand")] == ["Zoé"]


def test_many_matches_are_searched_through_a_subquery_with_the_same_result(
    staff_client, households, monkeypatch
):
    monkeypatch.setattr(search, "MATERIALIZED_IDS", 1)

    assert sorted(f.name for f in found(staff_client, "families_family", "example")) == [
        "Lefèvre-Durand",
        "Nguyen",
    ]
    assert found(staff_client, "families_family", "fèvre") == [households["lefèvre"]]
