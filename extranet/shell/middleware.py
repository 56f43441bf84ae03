"""Session limits and the family a guardian is acting for."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from families.models import Family, Guardian, Membership

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


def _acting_membership(user, chosen: int | None) -> Membership | None:
    """The guardian and the household it acts for, in one query (this runs on every request)."""
    memberships = Membership.objects.select_related(
        "guardian__site", "family__site", "family__payment_means"
    ).filter(guardian__user=user)
    if chosen is not None:
        membership = memberships.filter(family_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("family_id").first()


def _portal_guardian(request):
    user = request.user
    if not user.is_authenticated or not user.site_id:
        return None

    membership = _acting_membership(user, request.session.get(SESSION_FAMILY))
    if membership is not None:
        membership.guardian.user = user
        request._acting_family = membership.family
        return membership.guardian
    return Guardian.objects.select_related("site").filter(user=user).first()


def _portal_family(request):
    guardian = request.guardian
    if guardian is None:
        return None
    if getattr(request, "_acting_family", None) is not None:
        return request._acting_family

    families = Family.objects.for_guardian(guardian).select_related("site", "payment_means")
    chosen = request.session.get(SESSION_FAMILY)
    if chosen is not None:
        family = families.filter(pk=chosen).first()
        if family is not None:
            return family
    return families.order_by("pk").first()


class PortalFamilyMiddleware:
    """Sets ``request.guardian`` and ``request.family``: the scope of every portal query.

    A guardian who belongs to two households (separated parents) acts for one at a time,
    chosen in the session; any other family is out of reach.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.guardian = _portal_guardian(request)
        request.family = _portal_family(request)
        return self.get_response(request)
