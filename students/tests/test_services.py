"""update_student_identity: what is saved, what staff see, and no lost update between guardians."""

import threading

import pytest
from django.core import mail
from django.db import connection

from extranet.base.editing import StaleEditError
from extranet.base.models import ChangeRecord
from extranet.tests.factories import school_level
from extranet.tests.portal import family_with_guardian, seasons
from families.tests.factories import guardian_of
from students.models import SchoolRecord, Student
from students.services import update_student_identity
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def save(student, guardian, version, season=None, **values):
    return update_student_identity(
        family=student.family,
        student_id=student.pk,
        guardian=guardian,
        version=version,
        values=values,
        season=season,
        school_name="",
        school_level=None,
    )


def test_each_changed_field_is_recorded_with_who_before_and_after(django_capture_on_commit_callbacks):
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family, birth_place="Clamart", mobile="")

    with django_capture_on_commit_callbacks(execute=True):
        changes = save(student, guardian, 1, birth_place="Vanves", mobile="0611223344")

    assert {(c.label, c.old, c.new) for c in changes} == {
        ("Lieu de naissance", "Clamart", "Vanves"),
        ("Mobile", "", "06 11 22 33 44"),
    }
    records = ChangeRecord.objects.filter(object_id=student.pk).order_by("field")
    assert [(r.field, r.old_value, r.new_value, r.actor_id) for r in records] == [
        ("birth_place", "Clamart", "Vanves", guardian.user_id),
        ("mobile", "", "06 11 22 33 44", guardian.user_id),
    ]
    email = mail.outbox[-1]
    assert email.to == [guardian.email]
    assert email.subject.startswith("Accusé de réception de vos modifications")
    assert "Lieu de naissance : « Clamart » → « Vanves »" in email.body
    assert student.full_name in email.body


def test_the_school_goes_to_the_coming_season_record():
    current, coming = seasons()
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family)

    changes = update_student_identity(
        family=family,
        student_id=student.pk,
        guardian=guardian,
        version=1,
        values={},
        season=coming,
        school_name="Collège Paul Bert",
        school_level=school_level("6e"),
    )

    record = SchoolRecord.objects.get(student=student)
    assert record.season == coming and record.school_name == "Collège Paul Bert"
    assert [c.label for c in changes] == ["Établissement scolaire 2026/2027", "Niveau scolaire 2026/2027"]
    student.refresh_from_db()
    assert student.version == 2


def test_a_stale_version_is_refused_and_nothing_is_written():
    family, first = family_with_guardian()
    second = guardian_of(family)
    student = StudentFactory(family=family, birth_place="Clamart")
    save(student, first, 1, birth_place="Vanves")

    with pytest.raises(StaleEditError):
        save(student, second, 1, birth_place="Montrouge", mobile="0699999999")

    student.refresh_from_db()
    assert (student.birth_place, student.mobile, student.version) == ("Vanves", "", 2)
    assert not ChangeRecord.objects.filter(new_value="Montrouge").exists()


def test_another_family_pupil_is_out_of_reach():
    family, guardian = family_with_guardian()
    other = StudentFactory()

    with pytest.raises(Student.DoesNotExist):
        update_student_identity(
            family=family,
            student_id=other.pk,
            guardian=guardian,
            version=1,
            values={"birth_place": "Ailleurs"},
            season=None,
            school_name="",
            school_level=None,
        )


def test_fields_families_may_not_edit_are_refused():
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family)

    with pytest.raises(ValueError):
        save(student, guardian, 1, last_name="Autre")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_guardians_saving_at_the_same_instant_one_wins_the_other_is_told():
    family, first = family_with_guardian()
    second = guardian_of(family)
    student = StudentFactory(family=family)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(guardian, place):
        barrier.wait()
        try:
            save(student, guardian, 1, birth_place=place)
            outcomes.append("saved")
        except StaleEditError:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(g, p)) for g, p in ((first, "A"), (second, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["saved", "stale"]
    student.refresh_from_db()
    assert student.version == 2
