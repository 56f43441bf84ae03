"""The documents list is searched one indexed query per field (extranet.base.search): a document
is found by its family, its pupil, its file name or a guardian of the family, once."""

import pytest
from django.urls import reverse

from documents.tests.factories import DocumentFactory
from extranet.tests.factories import StaffUserFactory
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:documents_document_changelist")


@pytest.fixture
def secretary(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    return client


def found(client, term: str) -> list:
    response = client.get(QUEUE, {"q": term, "state": "all"})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_a_document_is_found_once_by_its_family_pupil_file_or_guardians(secretary):
    family = FamilyFactory(name="Lambert")
    guardian_of(family, last_name="Lambert", email="claire.lambert@example.fr")
    guardian_of(family, last_name="Lambert", email="yann.lambert@example.fr")
    pupil = StudentFactory(family=family, last_name="Lambert-Okafor", first_name="Inès")
    document = DocumentFactory(family=family, student=pupil, original_name="certificat-danse.pdf")
    DocumentFactory(original_name="rib.pdf")

    assert found(secretary, "lambert") == [document]
    assert found(secretary, "inès") == [document]
    assert found(secretary, "DANSE") == [document]
    assert found(secretary, "yann.lambert@") == [document]
    assert found(secretary, "lambert rib") == []
