"""Session limits, the family a guardian is acting for, private headers and temporary failures."""

from __future__ import annotations

import http.client
import logging
import time

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.signals import setting_changed
from django.db import OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from extranet.shell import identity
from families.models import Family, Guardian

logger = logging.getLogger(__name__)

SESSION_STARTED = "tutti_started_at"
SESSION_SEEN = "tutti_seen_at"
SESSION_FAMILY = "tutti_family_id"
# Activity is recorded at most once a minute: a page view does not rewrite the session row
# each time (one write less per request when thousands of families arrive at once).
SEEN_RESOLUTION = 60
# Set in the fresh session after an expiry, so the login page can say why the family is there.
SESSION_EXPIRED = "tutti_session_expired"


class SessionExpiryMiddleware:
    """Ends a portal session after 30 idle minutes or 12 hours, and tells the family why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN)
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT or (
                seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT
            ):
                staff = user.is_staff and not user.site_id
                logout(request)
                # The message itself is shown by the login view: this middleware runs before
                # the messages framework is set up on the request.
                request.session[SESSION_EXPIRED] = True
                if staff:
                    return redirect("admin:login")
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return redirect("login")
            if seen is None or now - seen >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


def _portal_scope(request) -> tuple[Guardian | None, Family | None, list[Family]]:
    """The guardian, the family it acts for (chosen in the session, else the first) and all of theirs."""
    user = request.user
    if not user.is_authenticated or not user.site_id:
        return None, None, []
    memberships = getattr(user, identity.MEMBERSHIPS, None)
    if memberships is None:  # loaded without the identity cache
        memberships = identity.acting_memberships(user)
    if not memberships:  # not a guardian (a teacher), or a guardian of no household: no portal scope
        return None, None, []
    guardian = memberships[0].guardian
    guardian.user = user
    households = [membership.family for membership in memberships]
    chosen = request.session.get(SESSION_FAMILY)
    family = next((household for household in households if household.pk == chosen), households[0])
    return guardian, family, households


class PortalFamilyMiddleware:
    """Sets ``request.guardian`` and ``request.family``: the scope of every portal query.

    A guardian who belongs to two households (separated parents) acts for one at a time,
    chosen in the session (``switch_household``); any other family is out of reach.
    ``request.households`` lists the guardian's households, for the header's switcher.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.guardian, request.family, request.households = _portal_scope(request)
        return self.get_response(request)


# A served file runs nothing, whatever it contains: a sandbox (no script, no form, a unique origin)
# that loads nothing; only the admin's preview frames it, from the same origin.
SERVED_FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; frame-ancestors 'self'"


class PrivatePagesMiddleware:
    """Headers of every answer: Permissions-Policy, a sandbox on files, no cache for anything personal.

    A page or file served to a logged-in visitor (a family, the secretariat) is
    ``Cache-Control: private, no-store``: neither a shared proxy nor the browser's history keeps
    it (a family computer at the library, the secretariat's shared desk). A file (a response with
    a Content-Disposition: documents, blank forms, house rules, exports) gets SERVED_FILE_POLICY
    instead of the pages' Content-Security-Policy (set here, django-csp leaves it alone).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if "Content-Disposition" in response and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = SERVED_FILE_POLICY
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            cache_control = response.get("Cache-Control", "")
            if not ("private" in cache_control and "no-store" in cache_control):
                add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


# What a view sets on its response (django-csp's decorators) to change the policy of one page.
_CSP_OF_ONE_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_DEBUG_PAGES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


class ContentSecurityPolicyMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the policy built from the settings once, not per response.

    The headers depend on the settings alone unless the view changed them (django-csp's
    decorators mark the response) or the page used a nonce: those answers go through
    django-csp's own ``process_response``. Built again after any setting changes (tests).
    """

    _policies: tuple[str, str, tuple, tuple] | None = None

    def __init__(self, get_response):
        super().__init__(get_response)
        setting_changed.connect(self._forget_policies)  # a weak reference: gone with the handler

    def _forget_policies(self, **kwargs):
        self._policies = None

    def _settings_policies(self) -> tuple[str, str, tuple, tuple]:
        if self._policies is None:
            enforced = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
            report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}
            self._policies = (
                build_policy(),
                build_policy(report_only=True),
                tuple(enforced.get("EXCLUDE_URL_PREFIXES", None) or ()),
                tuple(report_only.get("EXCLUDE_URL_PREFIXES", None) or ()),
            )
        return self._policies

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _CSP_OF_ONE_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_PAGES and settings.DEBUG:
            return response
        enforced, report_only, enforced_excluded, report_only_excluded = self._settings_policies()
        for header, policy, exempt, excluded in (
            (HEADER, enforced, "_csp_exempt", enforced_excluded),
            (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro", report_only_excluded),
        ):
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# Posted fields a 503 page does not write back into the page.
_NOT_KEPT = ("password", "csrfmiddlewaretoken")


class TemporaryFailureMiddleware:
    """The database briefly unavailable or locked: a French 503 that keeps what was typed.

    The failed request's transaction was rolled back, so nothing was saved. On a POST the page
    writes the posted fields back as a hidden form with a « Réessayer » button (a fresh CSRF
    token; files and passwords are not written back). The page is rendered from what the
    request already holds, without asking the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("temporary database failure on %s %s: %s", request.method, request.path, exception)
        fields, dropped = [], bool(request.FILES) if request.method == "POST" else False
        if request.method == "POST":
            for name, values in request.POST.lists():
                if any(part in name.lower() for part in _NOT_KEPT):
                    dropped = dropped or "password" in name.lower()
                    continue
                fields.extend((name, value) for value in values)
        html = render_to_string(
            "503.html",
            {
                "fields": fields,
                "dropped": dropped,
                "action": request.get_full_path(),
                "csrf_token": get_token(request),
                "portal_family": getattr(request, "family", None),
                "portal_guardian": getattr(request, "guardian", None),
                "current_tab": "",
            },
        )
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "5"
        add_never_cache_headers(response)
        return response
