"""The yes/no icons of the admin's lists read "Oui"/"Non" to a screen reader, not "True"/"False"."""

import pytest
from django.urls import reverse

from extranet.tests.factories import SeasonFactory

pytestmark = pytest.mark.django_db


def test_a_boolean_column_of_a_list_has_a_french_text_alternative(admin_client):
    SeasonFactory(label="2031/2032", is_current=False, is_next=False)

    page = admin_client.get(reverse("admin:extranet_season_changelist")).content.decode()

    assert 'alt="Non"' in page
    assert 'alt="False"' not in page
    assert 'alt="True"' not in page
