"""`seed_demo` builds a believable conservatory, changes nothing the second time, and scales."""

import datetime
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Mandate
from billing.payment_models import MandateDetails
from billing.selectors import family_invoices
from extranet.base.models import News, Season, Site, User
from extranet.shell.demo import PAST, season_start_years
from families.models import Family, Guardian
from reenrolment.models import ReenrolmentWindow
from students.models import Course, CourseCategory, Enrolment, Student

pytestmark = pytest.mark.django_db

SEEDED_APPS = ("extranet", "families", "students", "reenrolment", "documents", "billing")


def seed(*args, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def dump() -> dict[str, list[dict]]:
    """Every row of the project's tables, plus the groups and their permissions."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in SEEDED_APPS:
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    rows["groups"] = [
        (group.name, sorted(group.permissions.values_list("codename", flat=True)))
        for group in Group.objects.order_by("name")
    ]
    rows["user_groups"] = list(User.groups.through.objects.order_by("pk").values())
    return rows


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture
def demo(debug):
    seed()


def test_running_seed_demo_twice_gives_the_same_data(debug):
    seed()
    first = dump()
    seed()
    assert dump() == first
    assert Site.objects.count() == 2


def test_demo_guardians_log_in_on_their_site(demo, client):
    for site, identifier in [
        ("malakoff", "famille.demo"),
        ("malakoff", "famille.demo2"),
        ("malakoff", "famille.voisin"),
        ("sevre-loire", "famille.loire"),
    ]:
        response = client.post(
            reverse("login"), {"site": site, "username": identifier, "password": "Demo2026x"}
        )
        assert response.status_code == 302, identifier
        assert response["Location"] == reverse("home")
        client.logout()


def test_the_secretariat_logs_in_to_the_admin(demo, client):
    response = client.post(
        reverse("admin:login"),
        {"username": "secretariat", "password": "Secretariat2026", "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_accounts_are_the_secretariat_and_a_superuser(demo):
    secretariat = User.objects.get(identifier="secretariat", site=None)
    assert secretariat.is_staff and not secretariat.is_superuser
    assert list(secretariat.groups.values_list("name", flat=True)) == ["Secrétariat"]
    assert secretariat.check_password("Secretariat2026")
    admin = User.objects.get(identifier="admin", site=None)
    assert admin.is_superuser and admin.check_password("Admin2026x")


def test_two_conservatories_with_their_poles_and_three_seasons(demo):
    malakoff = Site.objects.get(slug="malakoff")
    assert malakoff.poles.count() == 1
    assert malakoff.house_rules_version
    assert malakoff.sepa_creditor_identifier and malakoff.sepa_iban
    assert malakoff.contact_email and malakoff.contact_phone
    sevre_loire = Site.objects.get(slug="sevre-loire")
    assert set(sevre_loire.poles.values_list("name", flat=True)) == {"Pôle Loire", "Pôle Sèvre"}
    past, current, following = season_start_years(timezone.localdate())
    assert Season.objects.current().label == f"{current}/{current + 1}"
    assert Season.objects.next().label == f"{following}/{following + 1}"
    assert Season.objects.filter(label=f"{past}/{past + 1}", is_current=False, is_next=False).exists()


@pytest.mark.parametrize(
    ("today", "labels"),
    [
        (datetime.date(2026, 12, 1), (2025, 2026, 2027)),
        (datetime.date(2027, 3, 15), (2025, 2026, 2027)),
        (datetime.date(2027, 7, 1), (2026, 2027, 2028)),
        (datetime.date(2026, 9, 1), (2025, 2026, 2027)),
    ],
)
def test_the_demo_seasons_follow_today_s_date(today, labels):
    assert season_start_years(today) == labels


def test_every_pole_has_courses_this_season_and_next_linked_together(demo):
    current, next_season = Season.objects.current(), Season.objects.next()
    for site in Site.objects.all():
        for pole in site.poles.all():
            this_year = Course.objects.filter(pole=pole, season=current)
            assert this_year.exists()
            following = Course.objects.filter(pole=pole, season=next_season)
            assert following.count() == this_year.count()
            assert all(course.continues.season == current for course in following)
            assert all(course.timetable and course.teacher_name for course in following)


def test_the_catalogue_shows_every_kind_of_course(demo):
    courses = Course.objects.filter(season=Season.objects.current())
    assert set(courses.values_list("category", flat=True)) == set(CourseCategory.values)
    assert set(courses.filter(category=CourseCategory.DISCOVERY).values_list("semester", flat=True)) == {1, 2}
    assert courses.filter(capacity__lte=3).exists()
    assert courses.filter(beginners_allowed=False).exists()
    assert courses.filter(min_age__isnull=False, max_age__isnull=False).exists()
    assert courses.filter(discipline__is_dance=True, discipline__slug="danse-classique").exists()
    assert courses.filter(discipline__is_dance=True, discipline__slug="danse-contemporaine").exists()


def test_news_on_both_sites(demo):
    for site in Site.objects.all():
        assert News.objects.published(site).exists()


def test_the_malakoff_window_is_open_and_the_sevre_loire_one_is_not_yet(demo):
    windows = ReenrolmentWindow.objects.filter(season=Season.objects.next())
    assert windows.get(site__slug="malakoff").is_open()
    sevre_loire = windows.get(site__slug="sevre-loire")
    assert not sevre_loire.is_open()
    assert sevre_loire.opens_at > timezone.now()


def test_seeding_again_reopens_a_window_that_has_closed(demo):
    past = timezone.now() - timezone.timedelta(days=30)
    ReenrolmentWindow.objects.filter(site__slug="malakoff").update(
        opens_at=past, closes_at=past + timezone.timedelta(days=7)
    )
    seed()
    assert ReenrolmentWindow.objects.get(site__slug="malakoff").is_open()


def test_the_demo_family(demo):
    family = Family.objects.get(site__slug="malakoff", name="DEMO")
    assert family.payment_means.is_direct_debit
    assert family.billing_mode == 3
    memberships = family.memberships.select_related("guardian__user")
    assert {m.guardian.user.identifier for m in memberships} == {"famille.demo", "famille.demo2"}
    assert [m.is_payer for m in memberships].count(True) == 1
    current, next_season = Season.objects.current(), Season.objects.next()
    pupils = list(Student.objects.for_family(family))
    assert len(pupils) >= 3
    current_courses = {
        pupil.first_name: Enrolment.objects.filter(student=pupil, season=current).count() for pupil in pupils
    }
    assert max(current_courses.values()) >= 2
    assert 0 in current_courses.values()  # "Aucun cours attribué"
    assert Enrolment.objects.filter(
        student__family=family, season=current, course__discipline__is_dance=True
    ).exists()
    for pupil in pupils:
        assert set(pupil.school_records.values_list("season", flat=True)) >= {current.pk, next_season.pk}
    assert Enrolment.objects.filter(student__family=family, status=Enrolment.Status.COMPLETED).exists()
    assert Student.objects.filter(family=family, repertoire__season__label=PAST).exists()


def test_the_neighbour_family_is_another_household_on_malakoff(demo):
    voisin = Guardian.objects.get(user__identifier="famille.voisin")
    assert [family.name for family in voisin.families.all()] == ["VOISIN"]
    assert voisin.site.slug == "malakoff"


def test_a_separated_parent_belongs_to_two_families(demo):
    moreau = Guardian.objects.get(user__identifier="famille.moreau")
    assert sorted(family.name for family in moreau.families.all()) == ["LOIRE", "MOREAU"]
    assert Family.objects.filter(site__slug="sevre-loire").count() >= 3


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == (
        "seed_demo crée des comptes aux mots de passe connus : il ne s'exécute qu'avec DEBUG=1, "
        "ou avec --force sur une base de données que l'on peut jeter."
    )
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--families", "-1"], "--families doit valoir 0 ou plus."),
        (["--batch-size", "0"], "--batch-size doit valoir 1 ou plus."),
    ],
)
def test_bad_numbers_are_refused_in_french(debug, args, message):
    with pytest.raises(CommandError) as refused:
        seed(*args)
    assert str(refused.value) == message
    assert not Site.objects.exists()


def test_the_summary_says_what_the_demo_holds_and_how_to_log_in(debug):
    lines = seed().splitlines()
    assert re.fullmatch(
        r"Démo prête : 2 sites, \d+ cours, \d+ familles de démonstration, \d+ élèves "
        r"\(ajoutés : \d+ documents?, \d+ dossiers? de réinscription, \d+ factures?\)\.",
        lines[0],
    )
    assert lines[1:] == [
        "  familles (site Malakoff) : famille.demo, famille.demo2, famille.voisin / Demo2026x",
        "  familles (site Sèvre Loire) : famille.loire, famille.moreau, famille.giraud / Demo2026x",
        "  secrétariat (admin) : secretariat / Secretariat2026",
        "  superutilisateur (admin) : admin / Admin2026x",
    ]


def test_one_generated_family_is_counted_in_the_singular(demo):
    out = seed("--families", "1")
    assert re.search(r"Ajoutés : 1 famille, 1 responsable, \d+ élèves?, \d+ inscriptions? en ", out)


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    seed("--force")
    assert User.objects.filter(identifier="famille.demo").exists()


def test_a_dry_run_saves_nothing(debug):
    out = seed("--dry-run", "--families", "3")
    assert out.splitlines()[-1] == "Simulation : rien n'a été enregistré."
    assert not Site.objects.exists()


def test_generated_families_are_added_with_logins_pupils_and_courses(demo):
    before = Family.objects.count()
    out = seed("--families", "200", "--batch-size", "64")
    generated = Family.objects.filter(external_reference__startswith="GEN-")
    assert Family.objects.count() - before == generated.count() == 200
    assert "200/200" in out
    assert re.search(
        r"Ajoutés : 200 familles, \d+ responsables, \d+ élèves, \d+ inscriptions en [\d.]+ s \(\d+ familles/s\)\.",
        out,
    )
    for family in generated.prefetch_related("students", "memberships__guardian__user")[:20]:
        assert 1 <= family.students.count() <= 4
        assert family.memberships.count() >= 1
        assert all(m.guardian.user.site_id == family.site_id for m in family.memberships.all())
    login = User.objects.filter(identifier__startswith="gen").first()
    assert login.check_password("Demo2026x")
    enrolments = Enrolment.objects.filter(student__family__in=generated)
    current = Season.objects.current()
    assert enrolments.filter(season=current, status=Enrolment.Status.ACTIVE).exists()
    assert enrolments.filter(season__label=PAST, status=Enrolment.Status.COMPLETED).exists()
    assert all(e.course.season_id == e.season_id for e in enrolments.select_related("course")[:200])


def test_generated_families_continue_the_numbering_of_earlier_runs(demo):
    seed("--families", "3")
    seed("--families", "2")
    references = sorted(
        Family.objects.filter(external_reference__startswith="GEN-").values_list(
            "external_reference", flat=True
        )
    )
    assert references == [f"GEN-{n:07d}" for n in range(1, 6)]


def test_the_demo_families_have_this_season_s_invoices_on_both_sites(demo):
    current = Season.objects.current()
    invoices = Invoice.objects.filter(season=current, kind=Invoice.Kind.INVOICE)
    assert set(invoices.values_list("site__slug", flat=True)) == {"malakoff", "sevre-loire"}
    # PDFs are rendered after commit (the test never commits): see billing's own tests.
    states = {}
    for family in Family.objects.filter(external_reference__in=["VOISIN", "DEMO", "LOIRE"]):
        (invoice,) = family_invoices(family)
        states[family.external_reference] = (invoice.billing_mode, invoice.due, invoice.late)
    assert states["VOISIN"][1] == 0  # paid in full
    assert states["LOIRE"][0] == 8
    if any(
        day < timezone.localdate()
        for day in Invoice.objects.get(family__external_reference="DEMO").instalments.values_list(
            "due_on", flat=True
        )
    ):
        assert states["DEMO"][2]  # an instalment past its date, unpaid


def test_seeding_again_issues_no_invoice_twice(demo):
    before = list(Invoice.objects.order_by("pk").values_list("number", "total"))

    call_command("seed_demo", stdout=io.StringIO())

    assert list(Invoice.objects.order_by("pk").values_list("number", "total")) == before


def test_the_direct_debit_family_has_a_mandate_in_force_once(demo):
    giraud = Family.objects.get(external_reference="GIRAUD")

    call_command("seed_demo", stdout=io.StringIO())

    mandate = Mandate.objects.select_related("details").get(family=giraud)
    assert mandate.details.state == MandateDetails.State.ACTIVE
    assert mandate.revoked_on is None
