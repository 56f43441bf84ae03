"""A custom admin list filter given a value it does not offer shows the unfiltered list, never a 500."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from extranet.tests.test_staff_sites import two_sites  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

JUNK = ["abc", "999999999", "-1", "1.5", "' OR 1=1 --", "%00", "[]"]


def custom_filters(request):
    """(model admin, filter class) of every SimpleListFilter of every registered model admin."""
    for model_admin in admin.site._registry.values():
        for entry in model_admin.get_list_filter(request):
            if isinstance(entry, type) and issubclass(entry, admin.SimpleListFilter):
                yield model_admin, entry


@pytest.fixture(params=["site", "central"])
def staff(request, two_sites):  # noqa: F811
    here, *_ = two_sites
    user = (
        StaffUserFactory(all_sites=False, managed_sites=[here])
        if request.param == "site"
        else StaffUserFactory(all_sites=True)
    )
    user.user_permissions.set(Permission.objects.all())
    return user


def test_there_are_custom_filters_to_check(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    names = {entry.parameter_name for _admin, entry in custom_filters(request)}

    assert {"pole", "cours", "complet", "state", "family", "active"} <= names


def test_every_custom_filter_is_tolerant(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model_admin, entry in custom_filters(request):
        assert getattr(entry, "tolerates_bad_values", False), f"{model_admin}: {entry.__name__}"


def test_junk_in_any_custom_filter_gives_the_unfiltered_list(client, staff):
    client.force_login(staff)
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model_admin, entry in custom_filters(request):
        opts = model_admin.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        everything = model_admin.get_queryset(request).count()
        for junk in JUNK:
            response = client.get(url, {entry.parameter_name: junk})
            where = f"{url}?{entry.parameter_name}={junk}"
            assert response.status_code == 200, where
            assert response.context["cl"].result_count == everything, where


def test_a_real_value_still_filters(client, two_sites, staff):  # noqa: F811
    here, *_ = two_sites
    client.force_login(staff)
    url = reverse("admin:reenrolment_reenrolment_changelist")
    pole = here.poles.first()

    everything = client.get(url).context["cl"].result_count
    other = client.get(url, {"pole": str(pole.pk + 1000)}).context["cl"].result_count
    filtered = client.get(url, {"complet": "oui"}).context["cl"].result_count

    assert other == everything
    assert filtered <= everything
