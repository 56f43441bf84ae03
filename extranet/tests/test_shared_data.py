"""Data every site shares (seasons, disciplines, document types…) is central staff's to change.

The test walks every registered model admin of a model without a site path: a site's
secretariat reads it, never adds, changes or deletes it, whatever its permissions say.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from documents.tests.factories import document_type, pdf_bytes, upload
from extranet.base.backends import changes_shared_data
from extranet.base.models import Season
from extranet.base.scoping import is_shared
from extranet.tests.factories import SeasonFactory, SiteFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def staff_with_every_right(**kwargs):
    user = StaffUserFactory(**kwargs)
    user.user_permissions.set(Permission.objects.all())
    return user


def shared_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if is_shared(model)]


def request_of(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_shared_data_includes_the_reference_tables():
    labels = {model._meta.label_lower for model, _admin in shared_admins()}

    assert {
        "extranet.season",
        "extranet.paymentmeans",
        "extranet.civility",
        "extranet.schoollevel",
        "extranet.socioprofessionalcategory",
        "students.discipline",
        "students.cycle",
        "documents.documenttype",
        "auth.group",
    } <= labels


def test_a_site_secretariat_only_reads_every_shared_model():
    site = SiteFactory()
    request = request_of(staff_with_every_right(all_sites=False, managed_sites=[site]))
    for model, model_admin in shared_admins():
        label = model._meta.label
        assert model_admin.has_view_permission(request), label
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label


@pytest.mark.parametrize("central", [{"all_sites": True}, {"all_sites": False, "is_superuser": True}])
def test_central_staff_and_superusers_change_every_shared_model(central):
    request = request_of(staff_with_every_right(**central))
    for model, model_admin in shared_admins():
        label = model._meta.label
        assert model_admin.has_view_permission(request), label
        assert model_admin.has_change_permission(request), label


def test_the_rule_holds_for_the_permission_itself_not_only_the_admin():
    site = SiteFactory()
    secretariat = staff_with_every_right(all_sites=False, managed_sites=[site])

    assert secretariat.has_perm("extranet.view_season")
    assert not secretariat.has_perm("extranet.change_season")
    assert not secretariat.has_perm("documents.change_documenttype")
    assert secretariat.has_perm("families.change_family")  # the site's own data stays its own
    assert secretariat.has_perm("axes.delete_accessattempt")  # unlocking a login of the site


def test_only_writes_on_shared_models_are_taken_away():
    assert changes_shared_data("students.change_discipline")
    assert changes_shared_data("documents.add_documenttype")
    assert not changes_shared_data("students.view_discipline")
    assert not changes_shared_data("students.change_course")
    assert not changes_shared_data("documents.change_document")
    assert not changes_shared_data("nowhere.change_nothing")


def test_a_site_secretariat_cannot_post_a_change_to_a_season(client):
    site = SiteFactory()
    season = SeasonFactory(label="2026/2027")
    client.force_login(staff_with_every_right(all_sites=False, managed_sites=[site]))

    page = client.get(reverse("admin:extranet_season_change", args=[season.pk]))
    response = client.post(
        reverse("admin:extranet_season_change", args=[season.pk]),
        {"label": "2099/2100", "starts_on": "2099-09-01", "ends_on": "2100-06-30"},
    )

    assert page.status_code == 200
    assert 'name="label"' not in page.content.decode()  # read only
    assert response.status_code == 403
    assert Season.objects.get(pk=season.pk).label == "2026/2027"


def test_a_site_secretariat_cannot_upload_the_blank_mandate_form(client):
    site = SiteFactory()
    mandate = document_type("mandat-prelevement")
    client.force_login(staff_with_every_right(all_sites=False, managed_sites=[site]))

    response = client.post(
        reverse("admin:documents_documenttype_change", args=[mandate.pk]),
        {"name": mandate.name, "blank_form": upload("mandat.pdf", pdf_bytes("Faux mandat"))},
    )

    assert response.status_code == 403
    mandate.refresh_from_db()
    assert not mandate.blank_form


def test_central_staff_upload_the_blank_mandate_form(client):
    mandate = document_type("mandat-prelevement")
    client.force_login(staff_with_every_right(all_sites=True))

    page = client.get(reverse("admin:documents_documenttype_change", args=[mandate.pk]))

    assert page.status_code == 200
    assert 'name="blank_form"' in page.content.decode()
