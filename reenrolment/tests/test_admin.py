"""The secretariat's admin: dossiers, decisions one by one and in bulk, places per course, windows."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from extranet.base.models import ChangeRecord
from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory, next_season
from reenrolment import services
from reenrolment.models import Reenrolment, ReenrolmentWindow
from reenrolment.tests.factories import NextCourseFactory, WindowFactory, submitted_dossier
from students.models import Enrolment
from students.tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:reenrolment_reenrolment_changelist"


@pytest.fixture
def secretariat(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    return client


@pytest.fixture
def window():
    return WindowFactory()


def ago(minutes):
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_the_dossier_list_filters_by_site_pole_course_state_and_completeness(secretariat, window):
    piano = NextCourseFactory(pole__site=window.site, name="Piano cycle 1")
    choir = NextCourseFactory(pole=PoleFactory(site=window.site, name="Pôle Sèvre"), name="Chœur")
    complete = submitted_dossier(piano, window=window)
    incomplete = submitted_dossier(choir, window=window)
    Reenrolment.objects.filter(pk=incomplete.pk).update(complete_at=None)
    url = reverse(CHANGELIST)

    def listed(**params):
        return set(secretariat.get(url, params).context["cl"].result_list)

    assert listed() == {complete, incomplete}
    assert listed(window__site__id__exact=window.site.pk) == {complete, incomplete}
    assert listed(pole=choir.pole_id) == {incomplete}
    assert listed(cours=piano.pk) == {complete}
    assert listed(state__exact="submitted") == {complete, incomplete}
    assert listed(complet="oui") == {complete}
    assert listed(complet="non") == {incomplete}


def test_the_dossier_list_is_searchable_by_pupil_or_family_name(secretariat, window):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    other = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    url = reverse(CHANGELIST)
    assert list(secretariat.get(url, {"q": dossier.student.first_name}).context["cl"].result_list) == [
        dossier
    ]
    assert list(secretariat.get(url, {"q": other.student.family.name}).context["cl"].result_list) == [other]


def test_bulk_validation_serves_dossiers_in_the_order_they_became_complete(secretariat, window):
    course = NextCourseFactory(pole__site=window.site, capacity=1)
    late = submitted_dossier(course, window=window, complete_at=ago(5))
    early = submitted_dossier(course, window=window, complete_at=ago(50))
    response = secretariat.post(
        reverse(CHANGELIST),
        {"action": "validate_selected", ACTION_CHECKBOX_NAME: [late.pk, early.pk], "index": 0},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(course=course).student == early.student
    late.refresh_from_db()
    assert late.state == Reenrolment.State.WAITLISTED


def test_bulk_waitlisting(secretariat, window):
    course = NextCourseFactory(pole__site=window.site, capacity=5)
    dossiers = [submitted_dossier(course, window=window, complete_at=ago(10 - i)) for i in range(2)]
    secretariat.post(
        reverse(CHANGELIST),
        {"action": "waitlist_selected", ACTION_CHECKBOX_NAME: [d.pk for d in dossiers], "index": 0},
    )
    assert [d.choices.get().waitlist_position for d in dossiers] == [1, 2]


def test_bulk_refusal_asks_for_a_reason_on_an_intermediate_page(
    secretariat, window, django_capture_on_commit_callbacks
):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    url = reverse(CHANGELIST)
    first = secretariat.post(
        url, {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [dossier.pk], "index": 0}
    )
    assert first.status_code == 200
    assert "Motif (envoyé à la famille)" in first.content.decode()
    empty = secretariat.post(
        url, {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [dossier.pk], "apply": "1", "reason": ""}
    )
    assert empty.status_code == 200
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        done = secretariat.post(
            url,
            {
                "action": "refuse_selected",
                ACTION_CHECKBOX_NAME: [dossier.pk],
                "apply": "1",
                "reason": "Hors secteur.",
            },
        )
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.REFUSED and dossier.refusal_reason == "Hors secteur."
    assert "Hors secteur." in mail.outbox[0].body


def test_one_dossier_is_validated_from_its_page(secretariat, window):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    change = secretariat.get(
        reverse("admin:reenrolment_reenrolment_change", args=[dossier.pk])
    ).content.decode()
    decision = reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "validate"])
    assert decision in change
    assert "Mettre en liste d&#x27;attente" in change or "Mettre en liste d'attente" in change
    assert secretariat.get(decision).status_code == 200
    assert secretariat.post(decision).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.VALIDATED


def test_refusing_one_dossier_needs_a_reason(secretariat, window):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    url = reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "refuse"])
    assert secretariat.post(url, {"reason": ""}).status_code == 200
    assert secretariat.post(url, {"reason": "Dossier en double."}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Reenrolment.State.REFUSED


def test_a_refused_decision_is_reported_not_crashed(secretariat, window):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    services.validate_reenrolment(reenrolment=dossier, actor=None)
    url = reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "validate"])
    response = secretariat.post(url, follow=True)
    assert "Seul un dossier en attente de validation peut être validé" in response.content.decode()


def test_an_unknown_decision_is_refused(secretariat, window):
    dossier = submitted_dossier(NextCourseFactory(pole__site=window.site), window=window)
    assert (
        secretariat.get(
            reverse("admin:reenrolment_reenrolment_decision", args=[dossier.pk, "delete"])
        ).status_code
        == 403
    )


def test_the_course_places_show_capacity_seats_taken_and_the_waiting_list_in_order(secretariat, window):
    course = NextCourseFactory(pole__site=window.site, capacity=1, name="Violon cycle 1")
    EnrolmentFactory(course=course)
    second = submitted_dossier(course, window=window, complete_at=ago(5))
    first = submitted_dossier(course, window=window, complete_at=ago(50))
    for dossier in (second, first):
        services.validate_reenrolment(reenrolment=dossier, actor=None)
    listing = secretariat.get(reverse("admin:reenrolment_nextseasoncourse_changelist"))
    row = next(c for c in listing.context["cl"].result_list if c.pk == course.pk)
    assert (row.capacity, row.seats_taken, row.waitlisted) == (1, 1, 2)
    page = secretariat.get(
        reverse("admin:reenrolment_nextseasoncourse_change", args=[course.pk])
    ).content.decode()
    assert page.index(str(first.student)) < page.index(str(second.student))


def test_offering_freed_seats_from_the_course_list(secretariat, window):
    course = NextCourseFactory(pole__site=window.site, capacity=1)
    dossiers = [submitted_dossier(course, window=window, complete_at=ago(10 - i)) for i in range(2)]
    for dossier in dossiers:
        services.validate_reenrolment(reenrolment=dossier, actor=None)
    course.capacity = 2
    course.save()
    secretariat.post(
        reverse("admin:reenrolment_nextseasoncourse_changelist"),
        {"action": "offer_freed_seats", ACTION_CHECKBOX_NAME: [course.pk], "index": 0},
    )
    dossiers[1].refresh_from_db()
    assert dossiers[1].state == Reenrolment.State.VALIDATED


def test_raising_the_capacity_on_the_course_page_gives_the_seat_to_the_waiting_list(secretariat, window):
    course = NextCourseFactory(pole__site=window.site, capacity=1)
    dossiers = [submitted_dossier(course, window=window, complete_at=ago(10 - i)) for i in range(2)]
    for dossier in dossiers:
        services.validate_reenrolment(reenrolment=dossier, actor=None)
    url = reverse("admin:reenrolment_nextseasoncourse_change", args=[course.pk])
    form = secretariat.get(url).context["adminform"].form
    data = {"capacity": 2}
    for prefix in ("reenrolment_choices", "enrolments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    assert form is not None
    response = secretariat.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    dossiers[1].refresh_from_db()
    assert dossiers[1].state == Reenrolment.State.VALIDATED


def test_an_overlapping_window_is_refused_in_the_admin(secretariat, window):
    from extranet.tests.factories import SeasonFactory

    later = SeasonFactory(start_year=2027, is_next=False)
    window.site.house_rules.save("reglement.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    opens = timezone.localtime(window.opens_at + datetime.timedelta(days=1))
    closes = opens + datetime.timedelta(days=3)
    response = secretariat.post(
        reverse("admin:reenrolment_reenrolmentwindow_add"),
        {
            "site": window.site.pk,
            "season": later.pk,
            "opens_at_0": opens.strftime("%d/%m/%Y"),
            "opens_at_1": opens.strftime("%H:%M"),
            "closes_at_0": closes.strftime("%d/%m/%Y"),
            "closes_at_1": closes.strftime("%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "chevauchent" in response.content.decode()
    assert ReenrolmentWindow.objects.count() == 1


def window_form(opens, closes, **extra):
    opens, closes = timezone.localtime(opens), timezone.localtime(closes)
    return {
        "opens_at_0": opens.strftime("%d/%m/%Y"),
        "opens_at_1": opens.strftime("%H:%M"),
        "closes_at_0": closes.strftime("%d/%m/%Y"),
        "closes_at_1": closes.strftime("%H:%M"),
        "extranet-changerecord-content_type-object_id-TOTAL_FORMS": 0,
        "extranet-changerecord-content_type-object_id-INITIAL_FORMS": 0,
        **extra,
    }


def calls_to(monkeypatch, name):
    calls = []
    real = getattr(services, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, name, spy)
    return calls


def test_a_window_created_in_the_admin_is_opened_by_open_window_and_recorded(client, monkeypatch):
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    site, season = SiteFactory(with_house_rules=True), next_season()
    opened = calls_to(monkeypatch, "open_window")
    opens = timezone.now() + datetime.timedelta(days=1)

    response = client.post(
        reverse("admin:reenrolment_reenrolmentwindow_add"),
        window_form(opens, opens + datetime.timedelta(days=10), site=site.pk, season=season.pk),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    window = ReenrolmentWindow.objects.get(site=site)
    assert [call["actor"] for call in opened] == [staff]
    assert set(ChangeRecord.objects.filter(object_id=window.pk).values_list("field", "actor")) == {
        ("opens_at", staff.pk),
        ("closes_at", staff.pk),
    }


def test_moving_the_closing_in_the_admin_goes_through_close_window(client, monkeypatch, window):
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    closed = calls_to(monkeypatch, "close_window")
    later = window.closes_at + datetime.timedelta(days=3)

    response = client.post(
        reverse("admin:reenrolment_reenrolmentwindow_change", args=[window.pk]),
        window_form(window.opens_at, later),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    window.refresh_from_db()
    assert timezone.localtime(window.closes_at).strftime("%d/%m/%Y %H:%M") == timezone.localtime(
        later
    ).strftime("%d/%m/%Y %H:%M")
    assert [call["actor"] for call in closed] == [staff]
    record = ChangeRecord.objects.get(object_id=window.pk, field="closes_at")
    assert record.actor == staff and record.old_value and record.new_value


def test_a_closing_already_past_is_refused_next_to_the_field_and_nothing_moves(secretariat, window):
    before = window.closes_at
    yesterday = timezone.now() - datetime.timedelta(days=1)
    response = secretariat.post(
        reverse("admin:reenrolment_reenrolmentwindow_change", args=[window.pk]),
        window_form(window.opens_at, yesterday),
    )

    assert response.status_code == 200
    assert "est déjà passé" in " ".join(response.context["adminform"].form.errors["closes_at"])
    window.refresh_from_db()
    assert window.closes_at == before
