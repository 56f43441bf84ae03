"""The missing required fields the Accueil lists, for the guardian, the family and each pupil."""

import pytest

from extranet.shell.todo import profile_todo_items
from extranet.tests.factories import school_level
from extranet.tests.portal import family_with_guardian, seasons
from families.models import Family
from students.tests.factories import SchoolRecordFactory, StudentFactory

pytestmark = pytest.mark.django_db


def texts(family, guardian):
    return [item.text for item in profile_todo_items(family=family, guardian=guardian)]


def test_a_complete_family_has_nothing_to_do():
    _current, coming = seasons()
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family, image_rights=True)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm1"))

    assert texts(family, guardian) == []


def test_missing_guardian_fields_and_phone_are_named():
    seasons()
    family, guardian = family_with_guardian()
    guardian.email = ""
    guardian.mobile = ""
    guardian.civility = None

    assert texts(family, guardian) == [
        "Complétez vos coordonnées : civilité, e-mail, un numéro de téléphone."
    ]


def test_a_family_without_payment_means_is_asked_to_choose():
    seasons()
    family, guardian = family_with_guardian()
    Family.objects.filter(pk=family.pk).update(payment_means=None)
    family.refresh_from_db()

    assert texts(family, guardian) == ["Choisissez le moyen de paiement de la famille."]


def test_pupil_fields_of_the_malakoff_guide_are_named_with_the_coming_season():
    seasons()
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family, birth_date=None, use_guardian_contact=False, image_rights=None)

    (text,) = texts(family, guardian)

    assert text == (
        f"Complétez l'identité de l'élève {student.full_name} : date de naissance, code postal, ville, "
        "établissement scolaire, niveau scolaire 2026/2027, droit à l'image."
    )


def test_an_adult_pupil_needs_no_school_name():
    _current, coming = seasons()
    family, guardian = family_with_guardian()
    student = StudentFactory(family=family, image_rights=True)
    SchoolRecordFactory(student=student, season=coming, school_name="", school_level=school_level("adulte"))

    assert texts(family, guardian) == []


def test_without_a_next_season_the_school_is_not_asked():
    family, guardian = family_with_guardian()
    StudentFactory(family=family, image_rights=True)

    assert texts(family, guardian) == []
