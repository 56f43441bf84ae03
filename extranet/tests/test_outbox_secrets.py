"""No secret readable by staff: the outbox never holds a link to choose a password.

Every email template the outbox stores is rendered with a context holding such a link; what
staff can read (the outbox row, its admin list and change page) must not contain it, while the
email that leaves carries a working one.
"""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from documents.tests.factories import DocumentFactory
from extranet.base.emails import PasswordLink, deliver, password_link, send_email
from extranet.base.models import OutboundEmail
from extranet.shell import accounts
from extranet.tests.factories import SiteFactory, StaffUserFactory
from extranet.tests.portal import family_with_guardian
from reenrolment.tests.factories import ChoiceFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
LINK = re.compile(r"/mot-de-passe-perdu/([0-9A-Za-z_\-]+)/([0-9A-Za-z]+-[0-9A-Za-z]+)/")


def stored_email_names() -> list[str]:
    return sorted(path.name.removesuffix("_subject.txt") for path in EMAIL_TEMPLATES.glob("*_subject.txt"))


def full_context(family, guardian):
    """Everything an email template may ask for, and a password link under every usual name."""
    student = StudentFactory(family=family)
    choice = ChoiceFactory(reenrolment__student=student, reenrolment__window__site=family.site)
    dossier = choice.reenrolment
    document = DocumentFactory(family=family, student=student)
    link = PasswordLink(guardian.user)
    return {
        "site": family.site,
        "family": family,
        "guardian": guardian,
        "user": guardian.user,
        "identifier": guardian.user.identifier,
        "student": student,
        "dossier": dossier,
        "choices": [choice],
        "choice": choice,
        "document": document,
        "season": dossier.window.season,
        "valid_hours": 24,
        "link": link,
        "url": link,
        "reset_link": link,
    }


def staff_can_read(client, email: OutboundEmail) -> str:
    """Every text staff may read about ``email``: the row, its admin list and its change page."""
    email.refresh_from_db()
    list_page = client.get(reverse("admin:extranet_outboundemail_changelist")).content.decode()
    change_page = client.get(reverse("admin:extranet_outboundemail_change", args=[email.pk])).content.decode()
    row = " ".join(
        str(value) for value in (email.subject, email.body_text, email.body_html, email.last_error, email.to)
    )
    return "\n".join([row, list_page, change_page])


def links_in(message) -> list[tuple[str, str]]:
    texts = [message.body, *[content for content, _type in getattr(message, "alternatives", [])]]
    return [found for text in texts for found in LINK.findall(text)]


@pytest.fixture
def central_staff_client():
    client = Client()
    client.force_login(StaffUserFactory(all_sites=True, is_superuser=True))
    return client


def test_the_templates_are_all_found():
    assert {"password_reset", "welcome", "changes_acknowledgement"} <= set(stored_email_names())


@pytest.mark.parametrize("name", stored_email_names())
def test_no_stored_email_lets_staff_read_a_password_link(
    name, central_staff_client, django_capture_on_commit_callbacks
):
    family, guardian = family_with_guardian()
    context = full_context(family, guardian)

    with django_capture_on_commit_callbacks(execute=True):
        email = send_email(name, to=[guardian.email], context=context)

    readable = staff_can_read(central_staff_client, email)
    assert not LINK.search(readable), name
    sent = links_in(mail.outbox[-1])
    for uid, token in sent:  # whatever the email carries is a working link for its owner
        assert token not in readable
        assert int(force_str(urlsafe_base64_decode(uid))) == guardian.user.pk
        assert default_token_generator.check_token(guardian.user, token)
    if name in ("password_reset", "welcome"):
        assert sent, f"{name}: the email left without its link"
        assert "masqué" in email.body_text


def test_a_reset_request_stores_no_link_and_mails_a_working_one(
    central_staff_client, django_capture_on_commit_callbacks
):
    _family, guardian = family_with_guardian()

    with django_capture_on_commit_callbacks(execute=True):
        assert accounts.request_password_reset(
            site=guardian.site, identifier=guardian.user.identifier, email=guardian.email
        )

    email = OutboundEmail.objects.get(name="password_reset")
    assert not LINK.search(staff_can_read(central_staff_client, email))
    assert email.secrets == {"link": {"kind": "password_link", "user": guardian.user.pk}}
    [(_uid, token)] = links_in(mail.outbox[-1])[:1]
    assert default_token_generator.check_token(guardian.user, token)


def test_resending_from_the_admin_mails_a_working_link_staff_still_cannot_read(
    central_staff_client, django_capture_on_commit_callbacks
):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.send_welcome(guardian=guardian)
    email = OutboundEmail.objects.get(name="welcome")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # "Renvoyer" queues after commit
        response = central_staff_client.post(
            reverse("admin:extranet_outboundemail_changelist"),
            {"action": "resend", "_selected_action": [email.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    [(_uid, token)] = links_in(mail.outbox[0])[:1]
    assert default_token_generator.check_token(guardian.user, token)
    assert token not in response.content.decode()
    assert not LINK.search(staff_can_read(central_staff_client, email))


def test_a_link_for_a_login_that_is_gone_points_to_mot_de_passe_perdu(django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email(
            "password_reset",
            to=[guardian.email],
            context={"site": guardian.site, "user": guardian.user, "link": PasswordLink(guardian.user)},
        )
    guardian.user.is_active = False
    guardian.user.save()
    mail.outbox.clear()
    email.state = OutboundEmail.State.PENDING
    email.save()

    assert deliver(email.pk)
    assert settings.SITE_URL + reverse("password_reset") in mail.outbox[0].body
    assert not links_in(mail.outbox[0])


def test_links_stored_before_the_fix_are_taken_out_and_resend_still_works():
    _family, guardian = family_with_guardian()
    old_link = password_link(guardian.user)
    email = OutboundEmail.objects.create(
        name="password_reset",
        site=SiteFactory(),
        to=[guardian.email],
        subject="Mot de passe",
        body_text=f"Choisissez votre mot de passe :\n{old_link}\n",
        body_html=f'<p><a href="{old_link}">Choisir</a></p>',
    )
    migration = importlib.import_module("extranet.base.migrations.0005_outbound_email_secrets")

    migration.take_links_out(apps, None)

    email.refresh_from_db()
    assert not LINK.search(email.body_text + email.body_html)
    assert email.secrets == {"link": {"kind": "password_link", "user": guardian.user.pk}}
