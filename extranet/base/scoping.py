"""Which sites a staff member may see.

A conservatory's secretariat sees its own site's families, pupils, documents, dossiers and
invoices, never another site's. A staff login lists the sites it manages
(``User.managed_sites``); ``User.all_sites`` is for a town's central service; superusers see
everything. A staff login with neither sees no family data at all: scoping fails closed.

Each model that belongs to a site has one lookup path to it, declared here once; the admin
(``extranet.base.admin.SiteScopedAdminMixin``) and the staff file views use them.
"""

from __future__ import annotations

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
    "billing.invoice": "site",
    "billing.payment": "instalment__invoice__site",
    "billing.mandate": "family__site",
    "billing.mandatedetails": "mandate__family__site",
    "billing.mandatestatechange": "mandate__family__site",
    "billing.ibandisclosure": "mandate__family__site",
    "billing.directdebitexport": "site",
    "billing.directdebit": "export__site",
    "billing.debitprenotification": "mandate__family__site",
    "billing.debitreject": "direct_debit__export__site",
    "billing.refundrequest": "family__site",
    "billing.onlinetransaction": "site",
    "billing.onlinetransactionline": "transaction__site",
    "billing.paymentnotification": "transaction__site",
    "billing.instalmentfollowup": "invoice__site",
}

_CACHE_ATTRIBUTE = "_tutti_site_ids"


def site_path(model: type[Model]) -> str | None:
    """The lookup from ``model`` to its site, or None for data shared by every site."""
    return SITE_PATHS.get(model._meta.label_lower)


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


def can_see_site(user, site_id: int | None) -> bool:
    site_ids = visible_site_ids(user)
    return site_ids is None or site_id in site_ids
