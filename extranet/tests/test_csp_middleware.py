"""The Content-Security-Policy middleware answers the headers django-csp's own middleware answers."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory

from extranet.shell.middleware import ContentSecurityPolicyMiddleware


def plain(request):
    return HttpResponse("page")


@csp_update({"img-src": ["https://tiles.example"]})
def updated(request):
    return HttpResponse("carte")


@csp_exempt()
def exempt(request):
    return HttpResponse("exempt")


def with_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def not_found(request):
    return HttpResponseNotFound("absent")


def with_its_own_header(request):
    response = HttpResponse("fichier")
    response[HEADER] = "sandbox"
    return response


VIEWS = [plain, updated, exempt, with_nonce, not_found, with_its_own_header]


def answer(middleware_class, view, path="/accueil/"):
    request = RequestFactory().get(path)
    response = middleware_class(view)(request)
    return {name: response.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}, request


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.__name__)
def test_the_headers_are_django_csp_s(view):
    ours, _request = answer(ContentSecurityPolicyMiddleware, view)
    theirs, _request = answer(CSPMiddleware, view)
    assert ours == theirs
    if view is plain:
        assert "default-src 'self'" in ours[HEADER]


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.__name__)
def test_with_a_report_only_policy_and_excluded_prefixes_too(settings, view):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/admin/"],
    }
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    for path in ("/accueil/", "/admin/x/"):
        ours, _request = answer(ContentSecurityPolicyMiddleware, view, path)
        theirs, _request = answer(CSPMiddleware, view, path)
        assert ours == theirs
    assert answer(ContentSecurityPolicyMiddleware, plain)[0][HEADER_REPORT_ONLY] == "default-src 'none'"
    assert answer(ContentSecurityPolicyMiddleware, plain, "/admin/x/")[0][HEADER] is None


def test_a_changed_setting_changes_the_header(settings):
    middleware = ContentSecurityPolicyMiddleware(plain)
    middleware(RequestFactory().get("/"))
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'", "https://cdn.example"]}}

    assert middleware(RequestFactory().get("/"))[HEADER] == "default-src 'self' https://cdn.example"


def test_a_404_under_debug_has_no_policy_as_with_django_csp(settings):
    settings.DEBUG = True
    ours, _request = answer(ContentSecurityPolicyMiddleware, not_found)
    theirs, _request = answer(CSPMiddleware, not_found)
    assert ours == theirs == {HEADER: None, HEADER_REPORT_ONLY: None}


def test_a_nonce_asked_for_after_the_answer_is_an_error():
    _headers, request = answer(ContentSecurityPolicyMiddleware, plain)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
