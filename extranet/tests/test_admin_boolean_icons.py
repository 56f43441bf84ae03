"""The yes/no icons of the admin's lists read "Oui"/"Non" to a screen reader, not "True"/"False"."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from extranet.base.admin_icons import boolean_icon
from extranet.tests.factories import SeasonFactory

pytestmark = pytest.mark.django_db


def test_a_boolean_column_of_a_list_has_a_french_text_alternative(admin_client):
    SeasonFactory(label="2031/2032", is_current=False, is_next=False)

    page = admin_client.get(reverse("admin:extranet_season_changelist")).content.decode()

    assert 'alt="Non"' in page
    assert 'alt="False"' not in page
    assert 'alt="True"' not in page


def test_the_icon_follows_the_language_and_the_static_url():
    with translation.override("fr"):
        assert 'alt="Oui"' in boolean_icon(True)
    with translation.override("en"):
        assert 'alt="Oui"' not in boolean_icon(True)
    with override_settings(STATIC_URL="/autre-statique/"):
        assert 'src="/autre-statique/admin/img/icon-no.svg"' in boolean_icon(False)
    assert "/autre-statique/" not in boolean_icon(False)
