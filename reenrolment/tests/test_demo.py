"""reenrolment.demo.seed_reenrolments on top of the demo data."""

import pytest

from reenrolment.demo import seed_reenrolments
from reenrolment.models import Reenrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    from extranet.shell.demo import build_demo

    build_demo()


def test_the_voisin_family_has_a_submitted_dossier_and_the_demo_family_has_none(demo):
    Reenrolment.objects.all().delete()  # in case seed_demo already called it
    assert seed_reenrolments() == 1
    dossier = Reenrolment.objects.get()
    assert dossier.student.first_name == "Inès" and dossier.student.family.name == "VOISIN"
    assert dossier.state == Reenrolment.State.SUBMITTED
    assert sorted(c.course.name for c in dossier.choices.all()) == [
        "Formation musicale cycle 2",
        "Guitare cycle 1",
        "Orchestre à cordes",
    ]
    assert not Reenrolment.objects.filter(student__family__name="DEMO").exists()


def test_seeding_twice_changes_nothing(demo):
    seed_reenrolments()
    assert seed_reenrolments() == 0
    assert Reenrolment.objects.count() == 1


def test_without_the_demo_data_nothing_is_seeded():
    assert seed_reenrolments() == 0
