"""manage.py reenrolment_status"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from extranet.tests.factories import SiteFactory
from reenrolment import services
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import ReenrolmentFactory, setting, submitted_dossier
from students.tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("reenrolment_status", *args, stdout=out)
    return out.getvalue()


def test_shows_counts_per_state_completeness_pole_and_course():
    ctx = setting(site=SiteFactory(slug="malakoff", name="Malakoff"))
    course = ctx.next_course("Piano cycle 1", capacity=2)
    EnrolmentFactory(course=course)
    seated = submitted_dossier(course, window=ctx.window)
    waiting = submitted_dossier(course, window=ctx.window)
    services.validate_reenrolment(reenrolment=seated, actor=None)
    services.validate_reenrolment(reenrolment=waiting, actor=None)
    pending = submitted_dossier(course, window=ctx.window)
    Reenrolment.objects.filter(pk=pending.pk).update(complete_at=None)
    ReenrolmentFactory(window=ctx.window, state=Reenrolment.State.DRAFT, administrative=True)
    lines = run("--site", "malakoff").splitlines()
    assert lines[0].startswith("Malakoff – saison 2026/2027 : période ouverte")
    assert "Dossiers : 4" in lines
    assert "  en attente de validation : 1" in lines
    assert "  validée : 1" in lines and "  en liste d'attente : 1" in lines and "  brouillon : 1" in lines
    assert "Dossiers envoyés complets : 2 · incomplets : 1" in lines
    assert "  Pôle Centre : 3 dossiers (en attente de validation 1, en liste d'attente 1, validée 1)" in lines
    assert "  (sans cours) : 1 dossier (brouillon 1)" in lines
    assert "  Pôle Centre · Piano cycle 1 : 2 · 2 · 0 · 1 · 1" in lines
    assert lines[-1] == "Résumé : 4 dossiers, 1 cours dont 1 complet."


def test_one_dossier_and_several_full_courses_read_naturally():
    ctx = setting(site=SiteFactory(slug="malakoff", name="Malakoff"))
    piano = ctx.next_course("Piano cycle 1", capacity=1)
    violin = ctx.next_course("Violon cycle 1", capacity=1)
    EnrolmentFactory(course=violin)
    ctx.next_course("Chœur", capacity=10)
    services.validate_reenrolment(reenrolment=submitted_dossier(piano, window=ctx.window), actor=None)
    lines = run("--site", "malakoff").splitlines()
    assert "  Pôle Centre : 1 dossier (validée 1)" in lines
    assert lines[-1] == "Résumé : 1 dossier, 3 cours dont 2 complets."


def test_an_empty_window_says_so():
    setting(site=SiteFactory(slug="malakoff", name="Malakoff"))
    lines = run("--site", "malakoff").splitlines()
    assert "Dossiers : 0" in lines
    assert "  aucun dossier" in lines
    assert "  aucun cours pour cette saison" in lines
    assert lines[-1] == "Résumé : 0 dossier, 0 cours dont 0 complet."


def test_refuses_a_site_without_window():
    SiteFactory(slug="malakoff", name="Malakoff")
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff")
    assert "Aucune période de réinscription pour Malakoff" in str(refused.value)


def test_refuses_an_unknown_site():
    SiteFactory(slug="malakoff")
    with pytest.raises(CommandError) as refused:
        run("--site", "atlantis")
    assert str(refused.value) == "Site inconnu : « atlantis ». Sites connus : malakoff."
