"""Two guardians handing in the same document at the same instant (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from documents.models import Document
from documents.services import upload_document, validate_document
from documents.tests.factories import DocumentFactory, document_type, pdf_bytes, upload
from extranet.tests.factories import StaffUserFactory, payment_means
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(*actions):
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        barrier.wait()
        try:
            action()
        except Exception as error:  # collected for the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_simultaneous_uploads_leave_one_waiting_for_a_check_and_one_replaced():
    family = FamilyFactory(payment_means=payment_means("direct_debit"))
    mother, father = guardian_of(family), guardian_of(family)
    rib = document_type("rib")

    def hand_in(guardian, name):
        return lambda: upload_document(
            family=family,
            document_type=rib,
            uploaded_file=upload(name, pdf_bytes(name)),
            actor=guardian.user,
            guardian=guardian,
        )

    assert run_together(hand_in(mother, "rib-maman.pdf"), hand_in(father, "rib-papa.pdf")) == []
    states = sorted(Document.objects.filter(family=family).values_list("state", flat=True))
    assert states == ["replaced", "submitted"]


def test_an_upload_during_a_validation_never_leaves_two_documents_in_force():
    family = FamilyFactory(payment_means=payment_means("direct_debit"))
    guardian = guardian_of(family)
    rib = document_type("rib")
    waiting = DocumentFactory(family=family, document_type=rib)
    errors = run_together(
        lambda: validate_document(document=waiting, actor=StaffUserFactory()),
        lambda: upload_document(
            family=family,
            document_type=rib,
            uploaded_file=upload("rib.pdf", pdf_bytes()),
            actor=guardian.user,
            guardian=guardian,
        ),
    )
    states = sorted(Document.objects.filter(family=family).values_list("state", flat=True))
    # Either the validation came first (validated + new submitted), or the upload replaced
    # the unchecked file first and the validation was refused with a message.
    assert states in (["submitted", "validated"], ["replaced", "submitted"])
    assert len(errors) == (1 if "replaced" in states else 0)
