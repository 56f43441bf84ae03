"""The admin speaks the secretariat's French: history rows, section names, no internal fields."""

import pytest
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from families.tests.factories import FamilyFactory
from reenrolment.models import ReenrolmentStateChange
from reenrolment.tests.factories import ReenrolmentFactory, WindowFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    return client


def test_a_dossier_history_row_reads_brouillon_to_en_attente_de_validation(admin_client):
    window = WindowFactory()
    dossier = ReenrolmentFactory(
        window=window, student=StudentFactory(family=FamilyFactory(site=window.site))
    )
    ReenrolmentStateChange.objects.create(reenrolment=dossier, old_state="draft", new_state="submitted")

    page = admin_client.get(
        reverse("admin:reenrolment_reenrolment_change", args=[dossier.pk])
    ).content.decode()

    assert "brouillon → en attente de validation" in page
    assert 'class="field-version"' not in page


def test_family_and_pupil_pages_hide_the_internal_version(admin_client):
    family = FamilyFactory()
    student = StudentFactory(family=family)

    for url in (
        reverse("admin:families_family_change", args=[family.pk]),
        reverse("admin:students_student_change", args=[student.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert "field-version" not in page, url


def test_the_login_lockouts_section_is_named_in_french(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "Sécurité des connexions" in page
    assert ">Axes<" not in page and ">AXES<" not in page
