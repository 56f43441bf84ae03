"""Each conservatory's secretariat sees its own site only (families, pupils, files, dossiers, mail)."""

import io

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from billing.tests.factories import (
    InstalmentFactory,
    InvoiceLineFactory,
    MandateFactory,
    PaymentFactory,
    TariffFactory,
    populate_billing,
)
from billing.tests.payment_factories import populate_payments
from documents.models import Document
from documents.tests.factories import DocumentFactory, document_type, pdf_bytes, upload
from extranet.base.admin import ReadOnlyAdminMixin, SiteScopedAdminMixin
from extranet.base.emails import send_email
from extranet.base.models import ChangeRecord, OutboundEmail, Site, User
from extranet.base.scoping import SITE_PATHS, scope_to_staff, site_path
from extranet.tests.factories import (
    ChangeRecordFactory,
    NewsFactory,
    OutboundEmailFactory,
    PoleFactory,
    SiteFactory,
    StaffUserFactory,
)
from families.models import Family, Guardian
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ChoiceFactory, WindowFactory
from students.tests.factories import (
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)
from students.tests.schoolyear_factories import populate_school_year

pytestmark = pytest.mark.django_db


def populate(site: Site) -> Family:
    """One of everything that belongs to ``site``."""
    family = FamilyFactory(site=site, name=f"FAMILLE {site.slug.upper()}")
    guardian = guardian_of(family, is_payer=True)
    student = StudentFactory(family=family)
    SchoolRecordFactory(student=student)
    pole = PoleFactory(site=site)
    enrolment = EnrolmentFactory(student=student, course__pole=pole)
    populate_school_year(site, student, enrolment.course)
    RepertoireEntryFactory(student=student)
    DocumentFactory(family=family)
    ChoiceFactory(
        reenrolment__window=WindowFactory(site=site), reenrolment__student=student, course__pole=pole
    )
    NewsFactory(site=site)
    line = InvoiceLineFactory(invoice__family=family, invoice__site=site, student=student)
    PaymentFactory(instalment=InstalmentFactory(invoice=line.invoice), recorded_by=guardian.user)
    MandateFactory(family=family)
    populate_payments(family, InstalmentFactory(invoice=line.invoice), StaffUserFactory())
    TariffFactory(site=site)
    populate_billing(line.invoice, enrolment, StaffUserFactory())
    ChangeRecordFactory(target=family, actor=guardian.user)
    OutboundEmailFactory(site=site)
    return family


@pytest.fixture
def two_sites():
    here, there = SiteFactory(name="Malakoff", slug="malakoff"), SiteFactory(name="Clamart", slug="clamart")
    return here, there, populate(here), populate(there)


def secretariat_of(*sites, **kwargs) -> User:
    user = StaffUserFactory(all_sites=False, managed_sites=list(sites), **kwargs)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def scoped_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if site_path(model)]


def test_every_admin_of_site_data_is_scoped():
    assert len(scoped_admins()) >= 15
    for model, model_admin in scoped_admins():
        assert isinstance(model_admin, SiteScopedAdminMixin), model._meta.label
        for inline in model_admin.inlines:
            # Editable inlines offer choices (families, courses…) that must be the site's own.
            if site_path(inline.model) and not issubclass(inline, ReadOnlyAdminMixin):
                assert issubclass(inline, SiteScopedAdminMixin), inline


def test_every_path_leads_to_a_site(two_sites):
    here, there, *_ = two_sites
    for label, path in SITE_PATHS.items():
        model = apps.get_model(label)
        # The lookup is valid and reaches sites: it filters without an error.
        model._default_manager.filter(**{f"{path}__in": [here.pk]}).count()


def test_a_site_secretariat_sees_only_its_site_in_every_list(two_sites):
    here, there, *_ = two_sites
    request = admin_request(secretariat_of(here))
    for model, model_admin in scoped_admins():
        path = site_path(model)
        visible = model_admin.get_queryset(request)
        everything = model._default_manager.all()
        assert not visible.exclude(**{f"{path}__in": [here.pk]}).exists(), model._meta.label
        if model is not User:  # logins of the site are its guardians'
            assert everything.filter(**{f"{path}__in": [there.pk]}).exists(), (
                f"{model._meta.label}: nothing to hide"
            )
            assert visible.exists(), f"{model._meta.label}: its own rows are hidden"


def test_central_staff_and_superusers_see_every_site(two_sites):
    here, there, *_ = two_sites
    for user in (StaffUserFactory(all_sites=True), StaffUserFactory(all_sites=False, is_superuser=True)):
        families = admin.site._registry[Family].get_queryset(admin_request(user))
        assert {family.site for family in families} == {here, there}


def test_staff_without_a_site_see_no_family_data(two_sites):
    request = admin_request(secretariat_of())
    for model, model_admin in scoped_admins():
        assert not model_admin.get_queryset(request).exists(), model._meta.label


def test_the_family_list_and_its_site_filter_show_only_the_site(client, two_sites):
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_of(here))
    response = client.get(reverse("admin:families_family_changelist"))
    page = response.content.decode()
    assert ours.name in page
    assert theirs.name not in page
    assert "Clamart" not in page  # not even as a filter choice


def test_another_sites_family_cannot_be_opened(client, two_sites):
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_of(here))
    assert client.get(reverse("admin:families_family_change", args=[ours.pk])).status_code == 200
    response = client.get(reverse("admin:families_family_change", args=[theirs.pk]), follow=True)
    assert theirs.name not in response.content.decode()
    assert "n’existe pas" in response.content.decode() or "n'existe pas" in response.content.decode()


def test_another_sites_file_answers_404_to_staff(client, two_sites):
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_of(here))
    own = ours.documents.get()
    other = theirs.documents.get()
    assert client.get(reverse("documents:preview", args=[own.pk])).status_code == 200
    assert client.get(reverse("documents:preview", args=[other.pk])).status_code == 404


def test_another_sites_dossier_cannot_be_decided(client, two_sites):
    here, there, ours, theirs = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(Permission.objects.get(codename="change_reenrolment"))
    client.force_login(user)
    dossier = theirs.students.get().reenrolments.get()
    url = reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "validate"])
    assert client.post(url).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == dossier.State.SUBMITTED


def test_a_guardian_can_only_be_attached_to_a_family_of_the_site(client, two_sites):
    here, there, ours, theirs = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(Permission.objects.get(codename="add_student"))
    client.force_login(user)
    response = client.get(reverse("admin:students_student_add"))
    families = response.context["adminform"].form.fields["family"].queryset
    assert list(families) == [ours]
    response = client.post(reverse("admin:students_student_add"), {"family": theirs.pk, "last_name": "X"})
    assert response.status_code == 200
    assert "family" in response.context["adminform"].form.errors


def test_nobody_widens_their_own_reach(client, two_sites):
    here, there, *_ = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(Permission.objects.get(codename="change_user"))
    client.force_login(user)
    response = client.get(reverse("admin:extranet_user_change", args=[user.pk]))
    # Staff logins have no site, so a site's secretariat does not even find its own login…
    assert response.status_code == 302
    guardian = Guardian.objects.filter(site=here).first()
    response = client.get(reverse("admin:extranet_user_change", args=[guardian.user_id]))
    form = response.context["adminform"].form
    # …and on a family login, rights and sites are read only.
    for field in ("is_superuser", "is_staff", "all_sites", "managed_sites", "groups", "user_permissions"):
        assert field not in form.fields, field


def test_an_email_about_a_family_is_filed_under_its_site(two_sites):
    here, there, ours, theirs = two_sites
    email = send_email(
        "changes_acknowledgement",
        to="parent@example.fr",
        context={"family": theirs, "guardian": theirs.guardians.first(), "changes": []},
    )
    assert email.site == there
    assert not scope_to_staff(OutboundEmail.objects.filter(pk=email.pk), secretariat_of(here)).exists()
    assert scope_to_staff(OutboundEmail.objects.filter(pk=email.pk), secretariat_of(there)).exists()


def test_the_change_history_lists_only_the_sites_changes(client, two_sites):
    here, there, ours, theirs = two_sites
    client.force_login(secretariat_of(here))
    response = client.get(reverse("admin:extranet_changerecord_changelist"))
    records = list(response.context["cl"].result_list)
    assert records
    assert {record.actor.site for record in records} == {here}
    assert ChangeRecord.objects.filter(actor__site=there).exists()


def test_the_demo_gives_each_conservatory_its_own_secretariat(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    for identifier, slug in (("secretariat", "malakoff"), ("secretariat.loire", "sevre-loire")):
        user = User.objects.get(identifier=identifier, site=None)
        assert [site.slug for site in user.managed_sites.all()] == [slug]
        assert not user.all_sites and not user.is_superuser
        assert user.check_password("Secretariat2026")


def test_a_document_received_at_the_desk_is_recorded_only_for_a_family_of_the_site(client, two_sites):
    here, there, ours, theirs = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_document", "change_document"]))
    client.force_login(user)
    before = Document.objects.count()
    response = client.post(
        reverse("admin:documents_document_desk"),
        {
            "family": theirs.pk,
            "document_type": document_type("quotient-familial").pk,
            "file": upload("attestation.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 400
    assert "family" in response.context["form"].errors
    assert Document.objects.count() == before


def test_after_a_check_the_next_document_offered_is_one_of_the_sites(client, two_sites):
    here, there, ours, theirs = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(Permission.objects.get(codename="change_document"))
    client.force_login(user)
    other = theirs.documents.get()
    other.uploaded_at = other.uploaded_at.replace(year=2000)  # the oldest in the queue…
    other.save()
    response = client.post(reverse("admin:documents_document_validate", args=[ours.documents.get().pk]))
    # …but another site's: the queue comes back empty instead of opening it.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:documents_document_changelist")


def test_the_demo_narrows_a_secretariat_that_saw_every_site(settings):
    """A demo database from before site scoping: its secretariat was migrated to all sites."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    User.objects.filter(identifier="secretariat").update(all_sites=True)
    call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.get(identifier="secretariat", site=None).all_sites


def test_no_list_names_another_site_not_even_in_its_filters(client, two_sites):
    here, there, *_ = two_sites
    client.force_login(secretariat_of(here))
    for model, _model_admin in scoped_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url).content.decode()
        assert "Clamart" not in page, model._meta.label
        assert "CLAMART" not in page, model._meta.label


def test_login_lockouts_are_listed_for_the_sites_own_logins_only(client, two_sites):
    here, there, *_ = two_sites
    for username in ("malakoff:claire.dubois", "clamart:claire.dubois", "secretariat"):
        AccessAttempt.objects.create(
            username=username, ip_address="192.0.2.1", user_agent="test", failures_since_start=5
        )
    client.force_login(secretariat_of(here))
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert [attempt.username for attempt in response.context["cl"].result_list] == ["malakoff:claire.dubois"]
    central = StaffUserFactory(all_sites=True, is_superuser=True)
    client.force_login(central)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert len(response.context["cl"].result_list) == 3


def test_a_sites_secretariat_updates_its_site_but_does_not_open_new_ones(client, two_sites):
    here, there, *_ = two_sites
    user = secretariat_of(here)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_site", "change_site"]))
    client.force_login(user)
    assert client.get(reverse("admin:extranet_site_change", args=[here.pk])).status_code == 200
    assert client.get(reverse("admin:extranet_site_add")).status_code == 403
    central = StaffUserFactory(all_sites=True)
    central.user_permissions.add(Permission.objects.get(codename="add_site"))
    client.force_login(central)
    assert client.get(reverse("admin:extranet_site_add")).status_code == 200
