"""French error pages in the portal's look, and a brief database outage that keeps what was typed.

This module is also a URL configuration: the project's URLs plus views forced to fail.
"""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.forms import BaseForm
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from django.views.decorators.csrf import csrf_exempt

from extranet.shell.middleware import TemporaryFailureMiddleware
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family, seasons
from families import services
from families.models import Guardian


def _crash(request):
    raise RuntimeError("boom")


def _suspicious(request):
    raise SuspiciousOperation("bad host or bad data")


@csrf_exempt
def _locked_on_post(request):
    if request.method == "POST":
        raise OperationalError("database is locked")
    return HttpResponse("ok")


urlpatterns = [
    path("test-erreur/500/", _crash),
    path("test-erreur/400/", _suspicious),
    path("test-erreur/verrou/", _locked_on_post),
    path("", include("extranet.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PORTAL_LOOK = "css/tutti.css"


def posted_as_shown(response) -> dict:
    """What the page's forms would post unchanged: each bound field's current value, by its name."""
    data = {}
    values = {id(v): v for context in response.context for layer in context.dicts for v in layer.values()}
    for value in values.values():
        if isinstance(value, BaseForm):
            for field in value:
                current = field.value()
                data[field.html_name] = "" if current is None else current
    return data


def quiet_client():
    return Client(raise_request_exception=False)


def test_an_unknown_page_answers_a_french_404_in_the_portals_look(client):
    response = client.get("/nulle-part/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in page
    assert PORTAL_LOOK in page
    assert 'lang="fr"' in page


def test_a_page_refused_answers_a_french_403(client):
    client.force_login(StaffUserFactory())

    response = client.get(reverse("home"))

    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    assert PORTAL_LOOK in response.content.decode()


def test_a_crash_answers_a_french_500():
    response = quiet_client().get("/test-erreur/500/")

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
    assert PORTAL_LOOK in response.content.decode()


def test_a_bad_request_answers_a_french_400():
    response = quiet_client().get("/test-erreur/400/")

    assert response.status_code == 400
    assert "Demande incorrecte" in response.content.decode()


def test_an_expired_form_answers_a_french_page_that_says_what_to_do():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"site": "x", "username": "y", "password": "z"})

    page = response.content.decode()
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in page
    assert "rechargez-la" in page
    assert PORTAL_LOOK in page


def test_a_locked_database_on_post_answers_503_with_the_values_to_post_again():
    client = quiet_client()

    response = client.post(
        "/test-erreur/verrou/?onglet=famille",
        {"city": "Malakoff", "note": "Piano & <chant>", "choices": ["1", "2"], "password": "Secret123"},
    )

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Service momentanément indisponible" in page
    assert 'action="/test-erreur/verrou/?onglet=famille"' in page
    assert '<input type="hidden" name="city" value="Malakoff">' in page
    assert '<input type="hidden" name="note" value="Piano &amp; &lt;chant&gt;">' in page
    assert page.count('name="choices"') == 2
    assert ">Réessayer</button>" in page
    assert "Secret123" not in page  # passwords are typed again, never written into a page
    assert "mots de passe ne sont pas conservés" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_locked_database_on_get_answers_a_french_503_without_a_form():
    request = RequestFactory().get("/accueil/")
    response = TemporaryFailureMiddleware(lambda request: HttpResponse()).process_exception(
        request, OperationalError("locked")
    )

    assert response.status_code == 503
    assert "Réessayez dans quelques secondes" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_the_famille_form_survives_a_locked_database_and_its_retry_saves(monkeypatch):
    seasons()
    client = Client(raise_request_exception=False)
    _family, guardian = logged_in_family(client)
    data = posted_as_shown(client.get(reverse("family:detail")))
    data.update({"guardian-city": "Vanves", "guardian-profession": "Luthière"})

    real = services.update_family_details

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "update_family_details", locked)
    response = client.post(reverse("family:detail"), data)

    page = response.content.decode()
    assert response.status_code == 503
    assert 'name="guardian-city" value="Vanves"' in page
    assert 'name="guardian-profession" value="Luthière"' in page
    assert Guardian.objects.get(pk=guardian.pk).city != "Vanves"  # nothing was saved

    monkeypatch.setattr(services, "update_family_details", real)
    retried = client.post(reverse("family:detail"), data)  # what « Réessayer » sends again

    assert retried.status_code == 302
    assert Guardian.objects.get(pk=guardian.pk).city == "Vanves"


def test_other_exceptions_are_not_taken_for_a_temporary_failure():
    middleware = TemporaryFailureMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().post("/"), RuntimeError("boom")) is None
