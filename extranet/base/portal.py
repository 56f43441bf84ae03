"""The family scope: every family-facing view loads its objects through these helpers."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404


def family_required(view):
    """Portal views: anonymous visitors go to the login page; staff without a family get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "family", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def scoped_or_404(queryset, **lookup):
    """Fetch one object from a queryset already limited to the family, or answer 404."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
