"""`setup_secretariat_group`: the secretariat's permissions, the same however often it runs."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def setup() -> Group:
    out = io.StringIO()
    call_command("setup_secretariat_group", stdout=out)
    assert out.getvalue().startswith("Groupe « Secrétariat » : ")
    return Group.objects.get(name="Secrétariat")


def codenames(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_running_it_twice_gives_the_same_group():
    first = codenames(setup())
    assert codenames(setup()) == first
    assert Group.objects.filter(name="Secrétariat").count() == 1


def test_the_secretariat_works_on_families_pupils_documents_reenrolment_and_billing():
    granted = codenames(setup())
    for permission in [
        "families.change_family",
        "families.add_guardian",
        "students.change_student",
        "students.add_enrolment",
        "students.change_course",
        "documents.change_document",
        "reenrolment.change_reenrolment",
        "reenrolment.add_reenrolmentwindow",
        "billing.view_invoice",
        "billing.add_payment",
        "extranet.change_news",
        "extranet.delete_news",
        "extranet.change_season",
        "extranet.change_paymentmeans",
    ]:
        assert permission in granted, permission


def test_the_secretariat_reads_logins_history_and_outbox_without_changing_them():
    granted = codenames(setup())
    for model in ["user", "changerecord", "outboundemail"]:
        assert f"extranet.view_{model}" in granted
        assert f"extranet.change_{model}" not in granted
        assert f"extranet.delete_{model}" not in granted


def test_the_secretariat_never_deletes_money_documents_nor_families():
    granted = codenames(setup())
    for permission in [
        "billing.delete_invoice",
        "billing.delete_invoiceline",
        "billing.delete_instalment",
        "billing.delete_payment",
        "families.delete_family",
        "students.delete_student",
    ]:
        assert permission not in granted


def test_a_staff_member_in_the_group_gets_its_permissions_but_is_no_superuser():
    user = StaffUserFactory()
    user.groups.add(setup())
    assert user.has_perm("families.change_family")
    assert not user.has_perm("billing.delete_invoice")
    assert not user.is_superuser
