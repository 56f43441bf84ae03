"""Site scoping cannot miss a model: every way to a Site is declared, every admin choice is cut to it.

The tests walk every model, every registered model admin and inline, and every foreign key,
raw-id and autocomplete field of their forms: a new one that is not scoped fails here.
"""

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory
from django.urls import reverse

from billing.models import Instalment, Payment
from extranet.base import scoping
from extranet.base.admin import ScopedRawIdWidget
from extranet.base.models import PaymentMeans
from extranet.base.scoping import SITE_PATHS, derived_site_paths, site_path, undeclared_site_models
from extranet.tests.factories import StaffUserFactory
from extranet.tests.test_staff_sites import two_sites  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def secretariat_with_every_right(*sites):
    """A site's secretariat that may do everything in the admin, on its own sites only."""
    user = StaffUserFactory(all_sites=False, managed_sites=list(sites))
    user.user_permissions.set(Permission.objects.all())
    return user


def admin_request(user, path="/admin/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def every_form_field(request):
    """(where, field name, form field) of every add and change form of every admin and inline."""
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        obj = model_admin.get_queryset(request).first()
        for obj_or_none in (None, obj) if obj is not None else (None,):
            form = model_admin.get_form(request, obj_or_none)
            for name, field in form.base_fields.items():
                yield label, name, field
            for inline in model_admin.get_inline_instances(request, obj_or_none):
                formset = inline.get_formset(request, obj_or_none)
                for name, field in formset.form.base_fields.items():
                    yield f"{label} > {type(inline).__name__}", name, field


def every_widget_field(kind: str):
    """(model admin, field name) of every ``raw_id_fields`` or ``autocomplete_fields`` entry."""
    for model_admin in admin.site._registry.values():
        for owner in (
            model_admin,
            *[inline(model_admin.model, admin.site) for inline in model_admin.inlines],
        ):
            for name in getattr(owner, kind):
                yield owner, name


def test_every_model_that_reaches_a_site_declares_its_path():
    assert undeclared_site_models() == []


def test_every_declared_path_is_one_of_the_real_ways_to_a_site():
    for label, path in SITE_PATHS.items():
        assert path in derived_site_paths(apps.get_model(label)), label


def test_instalments_and_invoice_lines_belong_to_their_invoices_site():
    assert SITE_PATHS["billing.instalment"] == "invoice__site"
    assert SITE_PATHS["billing.invoiceline"] == "invoice__site"


def test_a_forgotten_declaration_still_scopes_by_the_foreign_keys(monkeypatch):
    monkeypatch.delitem(SITE_PATHS, "billing.instalment")
    scoping._derived_path.cache_clear()
    try:
        assert site_path(Instalment) == "invoice__site"
    finally:
        scoping._derived_path.cache_clear()


def test_every_choice_of_every_admin_form_is_one_of_the_sites_own(two_sites):  # noqa: F811
    here, there, *_ = two_sites
    request = admin_request(secretariat_with_every_right(here))
    checked = []
    for where, name, field in every_form_field(request):
        if not isinstance(field, ModelChoiceField | ModelMultipleChoiceField):
            continue
        path = site_path(field.queryset.model)
        if path is None:
            continue
        others = field.queryset.model._default_manager.filter(**{f"{path}__in": [there.pk]})
        leaked = field.queryset.filter(pk__in=others.values("pk"))
        assert not leaked.exists(), f"{where}.{name} offers another site's {field.queryset.model._meta.label}"
        if others.exists():
            checked.append(f"{where}.{name}")
    # The walk really met the choices that matter (families, pupils, courses, instalments…).
    assert len(checked) >= 10, checked
    assert any(name.startswith("billing.") for name in checked), checked


def test_every_raw_id_field_refuses_and_hides_another_sites_object(two_sites):  # noqa: F811
    here, there, *_ = two_sites
    request = admin_request(secretariat_with_every_right(here))
    fields = list(every_widget_field("raw_id_fields"))
    assert fields
    for owner, name in fields:
        db_field = owner.model._meta.get_field(name)
        formfield = owner.formfield_for_dbfield(db_field, request)
        widget = getattr(formfield.widget, "widget", formfield.widget)
        assert isinstance(widget, ScopedRawIdWidget), f"{owner}.{name}"
        related = db_field.related_model
        other = related._default_manager.filter(**{f"{site_path(related)}__in": [there.pk]}).first()
        assert other is not None, f"{owner}.{name}: nothing of the other site to offer"
        with pytest.raises(ValidationError):
            formfield.clean(other.pk)
        assert widget.label_and_url_for_value(other.pk) == ("", "")


def test_every_autocomplete_answers_with_the_sites_own_objects_only(client, two_sites):  # noqa: F811
    here, there, *_ = two_sites
    client.force_login(secretariat_with_every_right(here))
    fields = list(every_widget_field("autocomplete_fields"))
    assert len(fields) >= 5
    for owner, name in fields:
        related = owner.model._meta.get_field(name).related_model
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": owner.model._meta.app_label,
                "model_name": owner.model._meta.model_name,
                "field_name": name,
                "term": "",
            },
        )
        assert response.status_code == 200, f"{owner}.{name}"
        ids = {int(result["id"]) for result in json.loads(response.content)["results"]}
        path = site_path(related)
        if path is None:
            continue
        others = set(
            related._default_manager.filter(**{f"{path}__in": [there.pk]}).values_list("pk", flat=True)
        )
        assert not ids & others, f"{owner}.{name} offers another site's {related._meta.label}"


def test_payments_are_not_typed_in_the_payment_admin(client, two_sites):  # noqa: F811
    here, *_ = two_sites
    client.force_login(secretariat_with_every_right(here))

    # Desk payments go through billing's own page (allocation, receipt, who and when).
    assert client.get(reverse("admin:billing_payment_add")).status_code == 403


def test_a_desk_payment_cannot_be_recorded_for_another_sites_family(client, two_sites):  # noqa: F811
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_with_every_right(here))
    before = Payment.objects.count()

    response = client.post(
        reverse("admin:billing_invoice_desk_payment"),
        {
            "family": theirs.pk,
            "means": PaymentMeans.objects.get(code="cheque").pk,
            "amount": "10,00",
            "received_on": "2025-10-05",
            "reference": "",
            "payer_name": "",
        },
    )

    assert response.status_code == 400
    assert "family" in response.context["form"].errors
    assert Payment.objects.count() == before


def test_the_desk_payment_page_offers_none_of_another_sites_families(client, two_sites):  # noqa: F811
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_with_every_right(here))

    page = client.get(reverse("admin:billing_invoice_desk_payment")).content.decode()

    assert theirs.name not in page
    assert ours.name in page


def test_central_staff_still_pick_any_sites_family(client, two_sites):  # noqa: F811
    here, there, ours, theirs = two_sites
    central = StaffUserFactory(all_sites=True)
    central.user_permissions.set(Permission.objects.all())
    client.force_login(central)

    page = client.get(reverse("admin:billing_invoice_desk_payment")).content.decode()

    assert theirs.name in page and ours.name in page
