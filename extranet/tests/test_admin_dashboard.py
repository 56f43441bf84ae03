"""The secretariat's admin home: "À traiter" for its own sites and the campaign chart (SVG + tables)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.tests.factories import InstalmentFactory, InvoiceFactory, PaymentFactory
from documents.models import Document
from documents.tests.factories import DocumentFactory
from extranet.shell.dashboard import campaign, campaign_windows
from extranet.shell.management.commands.setup_secretariat_group import setup_secretariat_group
from extranet.tests.factories import SeasonFactory, SiteFactory, StaffUserFactory
from families.tests.factories import FamilyFactory
from reenrolment.models import Reenrolment, ReenrolmentChoice
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, ReenrolmentFactory, WindowFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def secretariat_of(site):
    group, _count = setup_secretariat_group()
    user = StaffUserFactory(all_sites=False, managed_sites=[site])
    user.groups.add(group)
    return user


@pytest.fixture
def sites():
    malakoff = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    loire = SiteFactory(name="École de musique Sèvre Loire", slug="sevre-loire")
    return malakoff, loire


def dossier(window, state, *, sent_days_ago=0):
    student = StudentFactory(family=FamilyFactory(site=window.site))
    sent = timezone.now() - datetime.timedelta(days=sent_days_ago)
    return ReenrolmentFactory(window=window, student=student, state=state, submitted_at=sent)


def test_the_home_lists_what_waits_on_the_secretary_sites_only(client, sites):
    malakoff, loire = sites
    here, there = WindowFactory(site=malakoff), WindowFactory(site=loire)
    for _ in range(2):
        dossier(here, Reenrolment.State.SUBMITTED)
    dossier(here, Reenrolment.State.WAITLISTED)
    dossier(there, Reenrolment.State.SUBMITTED)
    DocumentFactory(family=FamilyFactory(site=malakoff), state=Document.State.SUBMITTED)
    DocumentFactory(family=FamilyFactory(site=loire), state=Document.State.SUBMITTED)
    client.force_login(secretariat_of(malakoff))

    page = client.get(reverse("admin:index")).content.decode()

    assert "À traiter" in page
    changelist = reverse("admin:reenrolment_reenrolment_changelist")
    assert (
        f'<a href="{changelist}?state__exact=submitted">2 dossiers de réinscription en attente de validation</a>'
        in page
    )
    assert f'<a href="{changelist}?state__exact=waitlisted">1 dossier en liste d&#x27;attente</a>' in page
    documents = reverse("admin:documents_document_changelist")
    assert f'<a href="{documents}?state=submitted">1 document à vérifier</a>' in page
    assert "Sèvre Loire" not in page


def test_each_link_opens_the_list_with_the_same_count(client, sites):
    malakoff, _loire = sites
    window = WindowFactory(site=malakoff)
    for _ in range(3):
        dossier(window, Reenrolment.State.SUBMITTED)
    dossier(window, Reenrolment.State.VALIDATED)
    client.force_login(secretariat_of(malakoff))

    listing = client.get(reverse("admin:reenrolment_reenrolment_changelist") + "?state__exact=submitted")

    assert listing.context["cl"].result_count == 3


def test_the_campaign_is_drawn_as_svg_with_the_same_figures_as_a_table(client, sites):
    malakoff, _loire = sites
    window = WindowFactory(site=malakoff, opens_at=timezone.now() - datetime.timedelta(days=3))
    dossier(window, Reenrolment.State.SUBMITTED, sent_days_ago=2)
    dossier(window, Reenrolment.State.SUBMITTED, sent_days_ago=0)
    waiting = dossier(window, Reenrolment.State.WAITLISTED, sent_days_ago=0)
    course = NextCourseFactory(pole__site=malakoff, name="Piano cycle 1", capacity=4)
    ChoiceFactory(reenrolment=waiting, course=course, state=ReenrolmentChoice.State.WAITLISTED)
    client.force_login(secretariat_of(malakoff))

    page = client.get(reverse("admin:index")).content.decode()

    assert page.count('<svg class="tutti-chart"') == 2
    charts = page[page.index('<svg class="tutti-chart"') : page.rindex("tutti-figures")]
    assert 'role="img"' in charts and "http" not in charts  # drawn here, nothing fetched
    days = re.findall(r'<tr><th scope="row">[^<]+</th><td>(\d+)</td></tr>', page)
    assert days == ["1", "0", "2"]  # two days ago, yesterday, today
    assert '<tr><th scope="row">Piano cycle 1</th><td>0</td><td>4</td><td>1</td></tr>' in page
    assert "3 dossiers envoyés" in page


def test_svg_coordinates_are_written_with_a_dot_in_french(sites):
    malakoff, _loire = sites
    window = WindowFactory(site=malakoff)
    for _ in range(3):
        dossier(window, Reenrolment.State.SUBMITTED)

    drawn = campaign(window)

    assert drawn.days[0].height == 140.0 and drawn.days[0].y == 0.0


def test_an_open_window_is_shown_before_an_older_one(sites):
    malakoff, _loire = sites
    old = WindowFactory(
        site=malakoff,
        season=SeasonFactory(start_year=2024),
        opens_at=timezone.now() - datetime.timedelta(days=400),
        closes_at=timezone.now() - datetime.timedelta(days=380),
    )
    current = WindowFactory(site=malakoff)
    staff = secretariat_of(malakoff)

    assert campaign_windows(staff) == [current]
    assert old not in campaign_windows(staff)


def test_the_home_costs_the_same_queries_for_few_or_many_dossiers(
    client, sites, django_assert_max_num_queries
):
    malakoff, _loire = sites
    window = WindowFactory(site=malakoff)
    client.force_login(secretariat_of(malakoff))
    dossier(window, Reenrolment.State.SUBMITTED)
    url = reverse("admin:index")
    client.get(url)
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    for days_ago in range(6):
        dossier(window, Reenrolment.State.SUBMITTED, sent_days_ago=days_ago)
        NextCourseFactory(pole__site=malakoff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_family_never_reaches_the_admin_home(client, sites):
    from extranet.tests.portal import logged_in_family

    logged_in_family(client)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def late_instalment(family, *, due_days_ago, amount="150.00", paid="0"):
    instalment = InstalmentFactory(
        invoice=InvoiceFactory(family=family, total=Decimal(amount)),
        due_on=timezone.localdate() - datetime.timedelta(days=due_days_ago),
        amount=Decimal(amount),
    )
    if Decimal(paid):
        PaymentFactory(instalment=instalment, amount=Decimal(paid))
    return instalment


def test_the_home_counts_the_families_with_late_instalments_and_links_to_them(client, sites):
    malakoff, loire = sites
    twice_late = FamilyFactory(site=malakoff, name="RETARD")
    late_instalment(twice_late, due_days_ago=40)
    late_instalment(twice_late, due_days_ago=10)
    late_instalment(FamilyFactory(site=malakoff, name="PARTIEL"), due_days_ago=5, paid="100.00")
    late_instalment(FamilyFactory(site=malakoff, name="A JOUR"), due_days_ago=5, paid="150.00")
    late_instalment(FamilyFactory(site=malakoff, name="PAS ENCORE"), due_days_ago=-10)
    late_instalment(FamilyFactory(site=loire, name="AILLEURS"), due_days_ago=40)
    client.force_login(secretariat_of(malakoff))

    page = client.get(reverse("admin:index")).content.decode()

    late_list = reverse("admin:billing_instalmentfollowup_changelist") + "?late=1"
    assert f'<a href="{late_list}">2 familles avec une échéance en retard</a>' in page
    listing = client.get(late_list)
    assert listing.status_code == 200
    families = {instalment.invoice.family.name for instalment in listing.context["cl"].result_list}
    assert families == {"RETARD", "PARTIEL"}


def test_no_late_instalment_reads_zero(client, sites):
    malakoff, _loire = sites
    late_instalment(FamilyFactory(site=malakoff), due_days_ago=5, paid="150.00")
    client.force_login(secretariat_of(malakoff))

    page = client.get(reverse("admin:index")).content.decode()

    assert "0 famille avec une échéance en retard" in page
