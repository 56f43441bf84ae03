import pytest
from django.urls import reverse

from families.tests.factories import FamilyFactory, guardian_of


@pytest.mark.django_db
def test_login_page_is_in_french(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Se connecter" in response.content.decode()


@pytest.mark.django_db
def test_guardian_logs_in_with_site_identifier_and_password(client):
    family = FamilyFactory()
    guardian = guardian_of(family)
    response = client.post(
        reverse("login"),
        {"site": family.site.slug, "username": guardian.user.identifier, "password": "Motdepasse1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
