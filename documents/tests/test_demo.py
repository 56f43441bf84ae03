"""Demo documents for the Malakoff demo family."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.demo import seed_documents
from documents.models import Document
from documents.uploads import check_upload
from extranet.tests.factories import StaffUserFactory, UserFactory
from families.models import Membership
from families.tests.factories import FamilyFactory, GuardianFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_family():
    family = FamilyFactory(name="DEMO")
    user = UserFactory(site=family.site, identifier="famille.demo")
    guardian = GuardianFactory(site=family.site, user=user)
    Membership.objects.create(family=family, guardian=guardian)
    StudentFactory(family=family, first_name="Léa")
    StaffUserFactory(identifier="secretariat")
    return family


def test_the_demo_family_gets_a_validated_rib_a_refused_mandate_and_a_photo_to_check(demo_family):
    assert seed_documents() == 3
    documents = {d.document_type.code: d for d in Document.objects.filter(family=demo_family)}
    assert documents["rib"].state == Document.State.VALIDATED
    assert documents["mandat-prelevement"].state == Document.State.REFUSED
    assert "pas signé" in documents["mandat-prelevement"].refusal_reason
    assert documents["photo-identite"].state == Document.State.SUBMITTED
    assert documents["photo-identite"].student.first_name == "Léa"
    for document in documents.values():
        with default_storage.open(document.file.name) as handle:
            stored = SimpleUploadedFile(document.original_name, handle.read())
        check_upload(stored, accepted_types=[document.content_type], type_name="démo")
        assert document.history.exists()


def test_seeding_twice_changes_nothing(demo_family):
    seed_documents()
    assert seed_documents() == 0
    assert Document.objects.count() == 3


def test_without_the_demo_family_nothing_happens():
    assert seed_documents() == 0
