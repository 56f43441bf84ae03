"""The portal shell: log in and out, passwords, Accueil, Accessibilité."""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from extranet.base.backends import login_key
from extranet.base.models import Site
from extranet.base.news import published_news
from extranet.base.portal import family_required
from extranet.base.throttle import Throttle, client_address
from extranet.shell import accounts
from extranet.shell.forms import (
    LoginForm,
    PasswordResetRequestForm,
    PortalPasswordChangeForm,
    PortalSetPasswordForm,
)
from extranet.shell.middleware import SESSION_EXPIRED, SESSION_FAMILY
from extranet.shell.rgpd import family_data_export
from extranet.shell.todo import family_todo
from students.schoolyear_selectors import teacher_of


def _is_teacher(request) -> bool:
    return getattr(request, "family", None) is None and teacher_of(request.user) is not None


def root(request):
    if getattr(request, "family", None) is not None:
        return redirect("home")
    if _is_teacher(request):
        return redirect("teachers:today")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("login")


def _session_expired_notice(request) -> None:
    if request.session.pop(SESSION_EXPIRED, False):
        messages.info(request, _("Votre session a expiré. Merci de vous reconnecter."))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    if request.user.is_authenticated and getattr(request, "family", None) is not None:
        return redirect("home")
    _session_expired_notice(request)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user(), backend="extranet.base.backends.SiteIdentifierBackend")
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, {request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("home")
    return render(request, "extranet/login.html", {"form": form, "next": request.GET.get("next", "")})


def lockout(request, original_response=None, credentials=None, *args, **kwargs):
    """django-axes calls this when a login is locked out: the login page it came from, in French, 429.

    A secretary locked out of the admin sees the admin's login page, a family the portal's.
    """
    if request.path.startswith(reverse("admin:index")):
        return _admin_lockout(request)
    return render(
        request,
        "extranet/login.html",
        {
            "form": LoginForm(
                request, initial={"site": request.POST.get("site"), "username": request.POST.get("username")}
            ),
            "lockout": _(
                "Trop de tentatives de connexion pour cet identifiant ou depuis cette adresse. Par sécurité, "
                "réessayez dans 15 minutes ou utilisez « Mot de passe perdu »."
            ),
        },
        status=429,
    )


def _admin_lockout(request):
    form = AdminAuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    # An unbound form shows its errors too: the admin's template prints them above the fields.
    form.errors[NON_FIELD_ERRORS] = form.error_class(
        [
            _(
                "Trop de tentatives de connexion pour cet identifiant ou depuis cette adresse. Par sécurité, "
                "réessayez dans 15 minutes ou demandez à un administrateur de lever le blocage."
            )
        ],
        error_class="nonfield",
        renderer=form.renderer,
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Connexion"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "form": form,
        REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME, reverse("admin:index")),
        "site_name": admin.site.site_title,
    }
    return TemplateResponse(request, "admin/login.html", context, status=429).render()


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form expired (or cookies are off), said in French, in the portal's look."""
    return render(request, "403_csrf.html", status=403)


@require_POST
@family_required
def switch_household(request):
    """A guardian of two households (separated parents) acts for the other one from now on."""
    chosen = request.POST.get("family", "")
    household = next((family for family in request.households if str(family.pk) == chosen), None)
    if household is None:  # not one of the guardian's households
        raise Http404
    request.session[SESSION_FAMILY] = household.pk
    messages.success(request, _("Vous agissez maintenant pour le foyer %(name)s.") % {"name": household.name})
    return redirect("home")


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("login")


def home(request):
    """Accueil; a teacher (a login without a family) lands on their own space instead."""
    if _is_teacher(request):
        return redirect("teachers:today")
    return _family_home(request)


@family_required
def _family_home(request):
    news = published_news(request.family.site_id, timezone.now())
    todo = family_todo(family=request.family, guardian=request.guardian)
    return render(request, "extranet/home.html", {"news": news, "todo": todo})


def accessibility(request):
    """The RGAA accessibility statement of the family's site (or of the site picked before login)."""
    family = getattr(request, "family", None)
    sites = []
    if family is not None:
        site = family.site
    else:
        sites = list(Site.objects.order_by("name"))
        slug = request.GET.get("site")
        site = next((s for s in sites if s.slug == slug), sites[0] if len(sites) == 1 else None)
    return render(request, "extranet/accessibility.html", {"site": site, "sites": sites})


# --- Passwords -------------------------------------------------------------------------------


@family_required
@sensitive_post_parameters()
@never_cache
def password_change(request):
    form = PortalPasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            accounts.notify_password_changed(user)
        # Keeps this session; every other session of the guardian ends (new session hash).
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe a été modifié."))
        return redirect("password_change")
    return render(request, "extranet/password_change.html", {"form": form})


@sensitive_post_parameters()
@never_cache
def password_reset(request):
    """Mot de passe perdu / first login. The answer never tells whether the pair exists."""
    form = PasswordResetRequestForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _password_reset_allowed(request, form):
            form.add_error(
                None,
                _(
                    "Trop de demandes de nouveau mot de passe pour cet identifiant ou depuis cette adresse. "
                    "Si un e-mail vous a déjà été envoyé, utilisez son lien ; sinon réessayez dans une heure."
                ),
            )
            return render(request, "extranet/password_reset.html", {"form": form}, status=429)
        accounts.request_password_reset(
            site=form.cleaned_data["site"],
            identifier=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
        )
        return redirect("password_reset_done")
    return render(request, "extranet/password_reset.html", {"form": form})


_RESETS_PER_LOGIN = Throttle(
    "password-reset-login", settings.PASSWORD_RESET_LIMIT_PER_LOGIN, settings.PASSWORD_RESET_THROTTLE_WINDOW
)
_RESETS_PER_ADDRESS = Throttle(
    "password-reset-address",
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
    settings.PASSWORD_RESET_THROTTLE_WINDOW,
)


def _password_reset_allowed(request, form) -> bool:
    """Counted whether or not the pair exists, so the answer still tells nothing about it."""
    login = login_key(form.cleaned_data["site"].slug, form.cleaned_data["username"])
    per_login = _RESETS_PER_LOGIN.hit(login)
    per_address = _RESETS_PER_ADDRESS.hit(client_address(request))
    return per_login and per_address


def password_reset_done(request):
    return render(request, "extranet/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: choose the new password twice. The link dies once used or after 24 h."""

    form_class = PortalSetPasswordForm
    template_name = "extranet/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            accounts.clear_login_failures(form.user)
            accounts.notify_password_changed(form.user)
        return response


def password_reset_complete(request):
    return render(request, "extranet/password_reset_complete.html")


@require_GET
@never_cache
@family_required
def data_export(request):
    """RGPD right of access: every piece of data the portal holds about the family, as JSON."""
    data = family_data_export(request.family, requester=request.guardian)
    filename = f"tutti-famille-{slugify(request.family.name) or request.family.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
