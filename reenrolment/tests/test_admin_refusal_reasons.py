"""Ready-made refusal reasons: the secretariat picks one, edits it, and the family receives it."""

import pytest
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from reenrolment.forms import REFUSAL_REASONS
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import NextCourseFactory, WindowFactory, submitted_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusal(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    window = WindowFactory()
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    return client, dossier, reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "refuse"])


def test_the_refusal_page_offers_the_ready_made_reasons(refusal):
    client, _dossier, url = refusal

    page = client.get(url).content.decode()

    assert '<label for="id_preset">Motif type</label>' in page
    for text in REFUSAL_REASONS:
        assert str(text).replace("'", "&#x27;") in page
    assert "js/admin_reasons.js" in page


def test_an_edited_reason_is_the_one_the_family_receives(refusal):
    client, dossier, url = refusal
    edited = "Le cours demandé ne correspond pas à l'âge de l'élève : nous vous proposons l'éveil."

    assert client.post(url, {"preset": "1", "reason": edited}).status_code == 302

    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.REFUSED and dossier.refusal_reason == edited


def test_a_picked_reason_left_as_it_is_is_used_without_javascript(refusal):
    client, dossier, url = refusal

    assert client.post(url, {"preset": "5", "reason": ""}).status_code == 302

    dossier.refresh_from_db()
    assert dossier.refusal_reason == str(REFUSAL_REASONS[5])


def test_no_reason_at_all_is_refused_in_french(refusal):
    client, dossier, url = refusal

    page = client.post(url, {"preset": "", "reason": ""}).content.decode()

    assert "Saisissez le motif envoyé à la famille, ou choisissez un motif type." in page
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.SUBMITTED
