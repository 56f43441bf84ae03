"""send_credentials: a welcome email with the identifier and a first-login link, never a password."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from extranet.tests.factories import SiteFactory
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("send_credentials", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def site_with_guardians():
    site = SiteFactory(slug="malakoff", name="Conservatoire de Malakoff")
    family = FamilyFactory(site=site)
    new = guardian_of(family, first_name="Nouvelle")
    already = guardian_of(family, first_name="Habituée")
    already.user.last_login = timezone.now()
    already.user.save()
    no_email = guardian_of(family, first_name="Sansmail", email="")
    no_email.user.email = ""
    no_email.user.save()
    guardian_of(FamilyFactory(), first_name="Autresite")
    return site, new


def test_only_guardians_who_never_logged_in_and_have_an_email_get_it(
    site_with_guardians, django_capture_on_commit_callbacks
):
    _site, new = site_with_guardians

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run("--site", "malakoff")

    (email,) = mail.outbox
    assert email.to == [new.email]
    assert email.subject == "Votre accès au portail des familles – Conservatoire de Malakoff"
    assert f"Identifiant : {new.user.identifier}" in email.body
    assert "Site : Conservatoire de Malakoff" in email.body
    assert re.search(r"http://\S+/mot-de-passe-perdu/\S+/\S+/", email.body)
    assert "Motdepasse1" not in email.body
    assert out.strip() == (
        "1 e-mail de bienvenue envoyé sur le site malakoff ; "
        "1 responsable jamais connecté sans adresse e-mail, à contacter autrement."
    )
    assert "[##############################] 1/1" in err


def test_the_welcome_link_lets_the_guardian_choose_a_password(
    client, site_with_guardians, django_capture_on_commit_callbacks
):
    _site, new = site_with_guardians
    with django_capture_on_commit_callbacks(execute=True):
        run("--site", "malakoff")
    link = re.search(r"http://[^/]+(/mot-de-passe-perdu/\S+/\S+/)", mail.outbox[0].body).group(1)

    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Premier-acces26", "new_password2": "Premier-acces26"})

    new.user.refresh_from_db()
    assert new.user.check_password("Premier-acces26")


def test_dry_run_sends_nothing_and_says_so(site_with_guardians, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("--site", "malakoff", "--dry-run")

    assert mail.outbox == []
    assert out.strip() == (
        "Simulation : 1 e-mail de bienvenue à envoyer sur le site malakoff ; "
        "1 responsable jamais connecté sans adresse e-mail, à contacter autrement."
    )


def test_an_unknown_site_is_a_clear_error():
    SiteFactory(slug="malakoff")

    SiteFactory(slug="sevre-loire")

    with pytest.raises(CommandError) as refused:
        run("--site", "nulle-part")
    assert str(refused.value) == "Site inconnu : « nulle-part ». Sites connus : malakoff, sevre-loire."
    assert mail.outbox == []


def test_the_summary_speaks_in_plural_when_several_guardians_are_concerned(
    site_with_guardians, django_capture_on_commit_callbacks
):
    site, _new = site_with_guardians
    family = FamilyFactory(site=site)
    guardian_of(family, first_name="Deuxième")
    silent = guardian_of(family, first_name="Muet", email="")
    silent.user.email = ""
    silent.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("--site", "malakoff")

    assert len(mail.outbox) == 2
    assert out.strip() == (
        "2 e-mails de bienvenue envoyés sur le site malakoff ; "
        "2 responsables jamais connectés sans adresse e-mail, à contacter autrement."
    )


def test_the_dry_run_summary_speaks_in_plural_too(site_with_guardians):
    site, _new = site_with_guardians
    guardian_of(FamilyFactory(site=site), first_name="Deuxième")

    out, _err = run("--site", "malakoff", "--dry-run")

    assert mail.outbox == []
    assert out.startswith("Simulation : 2 e-mails de bienvenue à envoyer sur le site malakoff ; ")
