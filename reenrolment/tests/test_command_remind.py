"""manage.py reenrolment_remind"""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from extranet.base.models import OutboundEmail
from extranet.tests.factories import SiteFactory
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import ReenrolmentFactory, setting
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("reenrolment_remind", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def ctx(documents):
    ctx = setting(site=SiteFactory(slug="malakoff", name="Malakoff"))
    ctx.unsent = ctx.pupil(first_name="Emma")  # no dossier
    other = FamilyFactory(site=ctx.site)
    guardian_of(other)
    ctx.incomplete = StudentFactory(family=other, first_name="Léo")
    ReenrolmentFactory(window=ctx.window, student=ctx.incomplete, complete_at=None)
    documents.missing_for_student[ctx.incomplete.pk] = ["Photo d'identité"]
    done = FamilyFactory(site=ctx.site)
    guardian_of(done)
    ReenrolmentFactory(window=ctx.window, student=StudentFactory(family=done))
    withdrawn = FamilyFactory(site=ctx.site)
    guardian_of(withdrawn)
    ReenrolmentFactory(
        window=ctx.window, student=StudentFactory(family=withdrawn), state=Reenrolment.State.WITHDRAWN
    )
    silent = FamilyFactory(site=ctx.site)  # no guardian with an email
    StudentFactory(family=silent)
    return ctx


def test_reminds_families_with_an_unsent_or_incomplete_dossier(ctx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--site", "malakoff")
    assert out.strip() == (
        "Rappels envoyés à 2 familles (2 élèves sans demande envoyée, 1 dossier incomplet) ; "
        "1 famille sans adresse e-mail."
    )
    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    unsent = by_recipient[ctx.guardian.email]
    assert unsent.subject.startswith("Réinscriptions 2026/2027 : plus que quelques jours")
    assert "Demande de réinscription pas encore envoyée pour :" in unsent.body and "Emma" in unsent.body
    incomplete = next(m for m in mail.outbox if m is not unsent)
    assert "Dossier incomplet" in incomplete.body and "Photo d'identité" in incomplete.body


def test_dry_run_sends_nothing(ctx):
    out = run("--site", "malakoff", "--dry-run")
    assert out.strip() == (
        "Simulation : 2 familles à relancer (2 élèves sans demande envoyée, 1 dossier incomplet) ; "
        "1 famille sans adresse e-mail."
    )
    assert not OutboundEmail.objects.exists()


def test_refuses_when_the_window_is_not_open(ctx):
    ctx.window.opens_at = timezone.now() + datetime.timedelta(days=2)
    ctx.window.closes_at = timezone.now() + datetime.timedelta(days=9)
    ctx.window.save()
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff")
    assert str(refused.value).startswith("La réinscription de Malakoff n'est pas ouverte (période du ")
    assert not OutboundEmail.objects.exists()


def test_one_family_is_counted_in_the_singular(django_capture_on_commit_callbacks):
    ctx = setting(site=SiteFactory(slug="malakoff", name="Malakoff"))
    ctx.pupil(first_name="Emma")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--site", "malakoff")
    assert out.strip() == (
        "Rappels envoyés à 1 famille (1 élève sans demande envoyée, 0 dossier incomplet) ; "
        "0 famille sans adresse e-mail."
    )
    assert len(mail.outbox) == 1


def test_several_incomplete_dossiers_and_silent_families_are_counted_in_the_plural(ctx, documents):
    second = FamilyFactory(site=ctx.site)
    guardian_of(second)
    late = StudentFactory(family=second)
    ReenrolmentFactory(window=ctx.window, student=late, complete_at=None)
    documents.missing_for_student[late.pk] = ["Certificat médical"]
    StudentFactory(family=FamilyFactory(site=ctx.site))  # a second family without an email
    out = run("--site", "malakoff", "--dry-run")
    assert out.strip() == (
        "Simulation : 3 familles à relancer (3 élèves sans demande envoyée, 2 dossiers incomplets) ; "
        "2 familles sans adresse e-mail."
    )


def test_refuses_when_the_site_has_no_window():
    SiteFactory(slug="malakoff", name="Malakoff")
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff")
    assert str(refused.value) == "La réinscription de Malakoff n'est pas ouverte : aucun rappel envoyé."


def test_refuses_an_unknown_site():
    SiteFactory(slug="malakoff")
    with pytest.raises(CommandError) as refused:
        run("--site", "atlantis")
    assert str(refused.value) == "Site inconnu : « atlantis ». Sites connus : malakoff."
