"""Which sites a staff member may see.

A conservatory's secretariat sees its own site's families, pupils, documents, dossiers and
invoices, never another site's. A staff login lists the sites it manages
(``User.managed_sites``); ``User.all_sites`` is for a town's central service; superusers see
everything. A staff login with neither sees no family data at all: scoping fails closed.

Each model that belongs to a site has one lookup path to it, declared here once; the admin
(``extranet.base.admin.SiteScopedAdminMixin``) and the staff file views use them. A model that
reaches a Site through its foreign keys without a declared path is still scoped (by the shortest
such path, so a forgotten declaration fails closed), and a test makes the declaration mandatory:
``undeclared_site_models()`` must stay empty.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db.models import Model, QuerySet

# model label → lookup from that model to its Site ("pk" for Site itself).
SITE_PATHS: dict[str, str] = {
    "extranet.site": "pk",
    "extranet.pole": "site",
    "extranet.news": "site",
    "extranet.user": "site",
    "extranet.changerecord": "actor__site",
    "extranet.outboundemail": "site",
    "families.family": "site",
    "families.guardian": "site",
    "families.membership": "family__site",
    "students.student": "family__site",
    "students.schoolrecord": "student__family__site",
    "students.course": "pole__site",
    "students.enrolment": "course__pole__site",
    "students.repertoireentry": "student__family__site",
    "documents.document": "family__site",
    "reenrolment.reenrolmentwindow": "site",
    "reenrolment.reenrolment": "window__site",
    "reenrolment.nextseasoncourse": "pole__site",
    "billing.tariff": "site",
    "documents.documentstatechange": "document__family__site",
    "reenrolment.reenrolmentchoice": "reenrolment__window__site",
    "reenrolment.reenrolmentstatechange": "reenrolment__window__site",
    "billing.invoice": "site",
    "billing.invoiceline": "invoice__site",
    "billing.instalment": "invoice__site",
    "billing.payment": "instalment__invoice__site",
    "billing.mandate": "family__site",
    "students.schoolyearsettings": "site",
    "students.closureday": "site",
    "students.teacher": "site",
    "students.lesson": "course__pole__site",
    "students.lessonchange": "lesson__course__pole__site",
    "students.attendance": "lesson__course__pole__site",
    "students.absencenotice": "student__family__site",
    "students.term": "site",
    "students.evaluation": "term__site",
    "students.storedbulletin": "term__site",
    "students.familycalendar": "family__site",
    "billing.billingsettings": "site",
    "billing.invoicesequence": "site",
    "billing.receipt": "site",
    "billing.invoicepdf": "invoice__site",
    "billing.coursestop": "enrolment__course__pole__site",
    "billing.mandatedetails": "mandate__family__site",
    "billing.mandatestatechange": "mandate__family__site",
    "billing.ibandisclosure": "mandate__family__site",
    "billing.directdebitexport": "site",
    "billing.directdebit": "export__site",
    "billing.debitprenotification": "mandate__family__site",
    "billing.debitreject": "direct_debit__export__site",
    "billing.refundrequest": "family__site",
    "billing.paymentreversal": "payment__instalment__invoice__site",
    "billing.onlinetransaction": "site",
    "billing.onlinetransactionline": "transaction__site",
    "billing.paymentnotification": "transaction__site",
    "billing.instalmentfollowup": "invoice__site",
}

# Models that reach a Site through a foreign key but are not cut by site, and why.
NOT_SITE_SCOPED: dict[str, str] = {
    # Django's log of admin actions: written for staff logins, which have no site.
    "admin.logentry": "staff actions (staff logins have no site)",
}

# Login records of django-axes name a login "<site slug>:<identifier>" instead of pointing to
# it; the admin scopes them by that name (extranet.base.admin._scope_login_records).
SCOPED_BY_LOGIN_NAME: frozenset[str] = frozenset(
    {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
)

# Foreign keys followed when looking for a way to a Site (a longer chain is not a real owner).
_MAX_DEPTH = 4

_CACHE_ATTRIBUTE = "_tutti_site_ids"


def site_model() -> type[Model]:
    return apps.get_model("extranet", "Site")


def derived_site_paths(model: type[Model]) -> list[str]:
    """Every lookup from ``model`` to a Site through foreign keys (shortest first)."""
    target = site_model()
    if model is target:
        return ["pk"]
    found: list[str] = []
    frontier: list[tuple[type[Model], str, frozenset]] = [(model, "", frozenset({model}))]
    for _depth in range(_MAX_DEPTH):
        next_frontier = []
        for current, prefix, seen in frontier:
            for field in current._meta.get_fields():
                if not (field.concrete and (field.many_to_one or field.one_to_one)):
                    continue
                related = field.related_model
                if related is None or related in seen:
                    continue
                path = f"{prefix}{field.name}"
                if related is target:
                    found.append(path)
                else:
                    next_frontier.append((related, f"{path}__", seen | {related}))
        frontier = next_frontier
    return found


@cache
def _derived_path(label: str) -> str | None:
    paths = derived_site_paths(apps.get_model(label))
    return paths[0] if paths else None


def site_path(model: type[Model]) -> str | None:
    """The lookup from ``model`` to its site, or None for data shared by every site."""
    label = model._meta.label_lower
    if label in SITE_PATHS:
        return SITE_PATHS[label]
    if label in NOT_SITE_SCOPED:
        return None
    return _derived_path(label)


def is_shared(model: type[Model]) -> bool:
    """Reference data every site shares (seasons, disciplines, document types…): central staff's."""
    label = model._meta.label_lower
    return site_path(model) is None and label not in SCOPED_BY_LOGIN_NAME and label not in NOT_SITE_SCOPED


def undeclared_site_models() -> list[str]:
    """Models that reach a Site through foreign keys with neither a declared path nor a reason."""
    return sorted(
        model._meta.label_lower
        for model in apps.get_models()
        if model._meta.label_lower not in SITE_PATHS
        and model._meta.label_lower not in NOT_SITE_SCOPED
        and derived_site_paths(model)
    )


def visible_site_ids(user) -> frozenset[int] | None:
    """The ids of the sites ``user`` may see, or None when they may see every site."""
    if user.is_superuser or getattr(user, "all_sites", False):
        return None
    if not (user.is_active and user.is_staff):
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(user.managed_sites.values_list("pk", flat=True))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def scope_to_staff(queryset: QuerySet, user, path: str | None = None) -> QuerySet:
    """``queryset`` cut down to the sites ``user`` may see (unchanged for shared data)."""
    path = path if path is not None else site_path(queryset.model)
    if path is None:
        return queryset
    site_ids = visible_site_ids(user)
    if site_ids is None:
        return queryset
    if not site_ids:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": site_ids})
