"""Every admin page of the feature apps writes through a service, or writes nothing (issue 8).

The secretariat's admin is one more caller of the services: an admin class that could add or
change a row with Django's plain ``save()`` would skip the lock, the version check, the change
record and the family's email. This test walks the admin registry, so a new admin (or a new inline)
that forgets its service fails here instead of in production.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory

from extranet.base.admin import ServiceInlineMixin
from extranet.tests.factories import StaffUserFactory
from families.models import Family

pytestmark = pytest.mark.django_db

FEATURE_APPS = ("families", "students", "documents", "reenrolment")

# The school's reference data, kept by the secretariat like a settings page: no family's data, no
# state, nobody to tell. Adding a model here is a decision to be argued in review.
REFERENCE_DATA = {
    "students.Discipline": "disciplines taught (Piano, Danse classique…)",
    "students.Cycle": "Éveil, Initiation, Cycle 1, 2, 3, Adultes",
    "students.Course": "the timetable of a season; places are given by the re-enrolment services",
    "documents.DocumentType": "which documents the school asks for",
    "students.SchoolHoliday": "the French school holidays by zone (calendar reference data)",
    "students.SchoolYearSettings": "a site's term system and absence e-mail choice",
    "students.ClosureDay": "the days a site closes (calendar reference data)",
}


@pytest.fixture
def request_of_superuser():
    request = RequestFactory().get("/admin/")
    request.user = StaffUserFactory(is_superuser=True)
    return request


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _editable_fields(model_admin, request) -> set[str]:
    """The fields the page's form carries (the fieldsets, as the admin builds its form), minus read-only."""
    shown = flatten_fieldsets(model_admin.get_fieldsets(request))
    return set(shown) - set(model_admin.get_readonly_fields(request))


def _overrides(model_admin, name: str) -> bool:
    return getattr(type(model_admin), name) is not getattr(admin.ModelAdmin, name)


def plain_writes(model_admin, request) -> list[str]:
    """What ``model_admin`` would write without a service, in words."""
    problems = []
    can_write = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
    if can_write and _editable_fields(model_admin, request) and not _overrides(model_admin, "save_model"):
        problems.append("saves its form with a plain save() (no save_model calling a service)")
    for inline_class in model_admin.inlines:
        inline = inline_class(model_admin.model, model_admin.admin_site)
        inline_writes = (
            inline.has_add_permission(request, None) or inline.has_change_permission(request, None)
        ) and _editable_fields(inline, request)
        inline_deletes = inline.can_delete and inline.has_delete_permission(request, None)
        if not (inline_writes or inline_deletes):
            continue
        if not isinstance(inline, ServiceInlineMixin):
            problems.append(f"{inline_class.__name__} is editable but is no ServiceInlineMixin")
        if not (_overrides(model_admin, "save_formset") or _overrides(model_admin, "save_related")):
            problems.append(f"{inline_class.__name__} is saved by Django's save_formset, not by services")
    return problems


def feature_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in FEATURE_APPS
    ]


def test_every_admin_of_the_feature_apps_writes_through_a_service_or_is_read_only(request_of_superuser):
    found = {
        _label(model): problems
        for model, model_admin in feature_admins()
        if _label(model) not in REFERENCE_DATA
        and (problems := plain_writes(model_admin, request_of_superuser))
    }

    assert found == {}


def test_the_registry_walk_sees_the_admins_it_is_meant_to_guard():
    labels = {_label(model) for model, _model_admin in feature_admins()}

    assert {"families.Family", "families.Guardian", "students.Student", "students.Enrolment"} <= labels
    assert {"documents.Document", "reenrolment.Reenrolment", "reenrolment.ReenrolmentWindow"} <= labels
    assert set(REFERENCE_DATA) <= labels, "a reference-data entry names an admin that no longer exists"


def test_a_plain_admin_with_an_editable_inline_would_be_caught(request_of_superuser):
    class PlainMembershipInline(admin.TabularInline):
        model = Family.guardians.through

    class PlainFamilyAdmin(admin.ModelAdmin):
        inlines = [PlainMembershipInline]

    problems = plain_writes(PlainFamilyAdmin(Family, admin.site), request_of_superuser)

    assert problems == [
        "saves its form with a plain save() (no save_model calling a service)",
        "PlainMembershipInline is editable but is no ServiceInlineMixin",
        "PlainMembershipInline is saved by Django's save_formset, not by services",
    ]
