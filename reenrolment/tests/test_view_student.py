"""The Réinscription tab of a pupil (reenrolment:student)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from extranet.base import dates
from extranet.tests.factories import PoleFactory, StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import guardian_of
from reenrolment import services
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import setting, submitted_dossier
from students.models import CourseCategory as C

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(client):
    ctx = setting()
    ctx.site.contact_email = "conservatoire@malakoff.example.fr"
    ctx.site.contact_phone = "0155480410"
    ctx.site.save()
    ctx.student = ctx.pupil(first_name="Emma")
    current_piano, ctx.piano = ctx.course_pair("Piano cycle 1")
    ctx.enrolment = ctx.enrol(ctx.student, current_piano)
    ctx.choir = ctx.next_course("Chœur d'enfants", category=C.COLLECTIVE)
    ctx.url = reverse("reenrolment:student", args=[ctx.student.pk])
    log_in(client, ctx.guardian)
    return ctx


def post(client, ctx, **data):
    payload = {
        "version": 0,
        "continued": [ctx.enrolment.pk],
        "wishes": [ctx.choir.pk],
        "information": "Préfère le mercredi.",
        "accept_house_rules": "on",
        "action": "submit",
    }
    payload.update(data)
    return client.post(ctx.url, {k: v for k, v in payload.items() if v is not None})


def move_window(ctx, opens, closes):
    now = timezone.now()
    ctx.window.opens_at = now + datetime.timedelta(days=opens)
    ctx.window.closes_at = now + datetime.timedelta(days=closes)
    ctx.window.save()


def test_before_the_window_the_tab_shows_its_dates(client, ctx):
    move_window(ctx, 3, 17)
    page = client.get(ctx.url).content.decode()
    local = timezone.localtime(ctx.window.opens_at)
    assert "sera ouverte du" in page
    assert dates.clock(local) in page and str(local.year) in page
    assert 'name="continued"' not in page


def test_after_the_window_the_tab_says_it_is_closed_with_the_secretariat_contact(client, ctx):
    move_window(ctx, -20, -1)
    page = client.get(ctx.url).content.decode()
    assert "est close depuis le" in page
    assert "mailto:conservatoire@malakoff.example.fr" in page
    assert "01 55 48 04 10" in page
    assert '<form method="post" novalidate' not in page


def test_without_any_window_the_tab_says_dates_are_not_known(client, ctx):
    ctx.window.delete()
    page = client.get(ctx.url).content.decode()
    assert "ne sont pas encore connues" in page


def test_during_the_window_each_current_course_has_its_re_enrolment_checkbox(client, ctx):
    page = client.get(ctx.url).content.decode()
    assert f'name="continued" value="{ctx.enrolment.pk}"' in page
    assert "Réinscription – <strong>Piano cycle 1</strong></label>" in page  # the checkbox label
    assert "Réinscription administrative" in page
    assert "Ne tenez pas compte de la mention « Aucun cours attribué »" in page
    assert f'name="wishes" value="{ctx.choir.pk}"' in page
    assert f'name="wishes" value="{ctx.piano.pk}"' not in page  # offered as the follow-up already
    assert "Information complémentaire" in page and "J'accepte" in page
    assert "Tous les cours d'un élève ont lieu sur un seul pôle." in page
    assert "31 décembre 2026" in page


def test_a_pupil_without_courses_sees_aucun_cours_attribue(client, ctx):
    other = ctx.pupil(first_name="Jeanne")
    page = client.get(reverse("reenrolment:student", args=[other.pk])).content.decode()
    assert "Aucun cours attribué." in page


def test_courses_of_another_pole_wait_behind_autres_cours(client, ctx):
    sevre = PoleFactory(site=ctx.site, name="Pôle Sèvre")
    ctx.next_course("Violon", category=C.INSTRUMENT, pole=sevre)
    page = client.get(ctx.url).content.decode()
    others = page.index("<summary>Autres cours (1 cours")
    assert page.index("Chœur d&#x27;enfants") < others
    assert others < page.index('<legend class="h6 mb-1">Pôle Sèvre</legend>') < page.index("Violon")


def test_a_13_year_old_is_offered_what_the_rules_allow_first(client, ctx):
    ctx.student.birth_date = datetime.date(2013, 5, 1)  # 13 on 31 December 2026
    ctx.student.save()
    eveil = ctx.next_course("Éveil musical 4-5 ans", category=C.EVEIL, min_age=4, max_age=5)
    adults = ctx.next_course("Piano adultes", category=C.ADULT, min_age=18)
    advanced = ctx.next_course("Orchestre symphonique", category=C.INSTRUMENT, beginners_allowed=False)
    theory = ctx.next_course("Formation musicale 2e cycle", category=C.CULTURE, min_age=11, max_age=15)

    page = client.get(ctx.url).content.decode()

    others = page.index("<summary>Autres cours (3 cours")
    for course in (ctx.choir, theory):
        assert page.index(f'value="{course.pk}"') < others
    for course in (eveil, adults, advanced):
        assert page.index(f'value="{course.pk}"') > others
    # Grouped as the guides group them: collective practice before musical culture.
    assert page.index(">Pratique collective</legend>") < page.index(
        ">Culture musicale / formation musicale</legend>"
    )
    assert '<details class="tutti-more border rounded px-2 mt-2">' in page  # closed: nothing ticked there


def test_autres_cours_opens_when_one_of_them_is_ticked(client, ctx):
    adults = ctx.next_course("Piano adultes", category=C.ADULT, min_age=18)
    ctx.student.birth_date = datetime.date(2013, 5, 1)
    ctx.student.save()

    page = post(client, ctx, wishes=[adults.pk]).content.decode()

    assert '<details class="tutti-more border rounded px-2 mt-2" open>' in page
    assert "Piano adultes" in page and "aura alors 13 ans" in page


def test_the_house_rules_fallback_text_shows_without_a_file(client, ctx):
    page = client.get(ctx.url).content.decode()
    assert "Le règlement intérieur complet est disponible auprès du secrétariat." in page


def test_the_house_rules_link_shows_with_a_file(client, ctx):
    from django.core.files.base import ContentFile

    ctx.site.house_rules.save("reglement.pdf", ContentFile(b"%PDF-1.4"), save=True)
    page = client.get(ctx.url).content.decode()
    assert reverse("reenrolment:house_rules") in page


def test_valider_sends_the_dossier_and_says_it_awaits_validation(
    client, ctx, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, ctx)
    assert response.status_code == 302 and response["Location"] == ctx.url
    dossier = Reenrolment.objects.get(student=ctx.student)
    assert dossier.state == Reenrolment.State.SUBMITTED and dossier.submitted_by == ctx.guardian.user
    assert len(mail.outbox) == 1
    page = client.get(ctx.url).content.decode()
    assert "Réinscription en attente de validation" in page
    assert "Piano cycle 1" in page and "Préfère le mercredi." in page


def test_a_double_click_gives_one_dossier(client, ctx):
    post(client, ctx)
    response = post(client, ctx)
    assert response.status_code == 302
    assert Reenrolment.objects.count() == 1


def test_a_broken_rule_is_shown_next_to_the_wishes_and_the_choices_are_kept(client, ctx):
    response = post(client, ctx, wishes=[], information="Mon texte")
    page = response.content.decode()
    assert response.status_code == 200
    assert not Reenrolment.objects.exists()
    errors = page[page.index('id="continued-errors"') :]
    assert "ajoutez une pratique collective" in errors[:600]
    checkbox = page[page.index(f'name="continued" value="{ctx.enrolment.pk}"') :]
    assert checkbox[: checkbox.index(">")].endswith(" checked")
    assert "Mon texte</textarea>" in page
    assert 'role="alert"' in page


def test_the_house_rules_must_be_accepted(client, ctx):
    response = post(client, ctx, accept_house_rules=None)
    page = response.content.decode()
    assert 'id="accept_house_rules-errors"' in page
    assert "cochez « J&#x27;accepte »" in page or "cochez « J'accepte »" in page
    assert not Reenrolment.objects.exists()


def test_a_course_of_another_pole_is_refused(client, ctx):
    other = PoleFactory(site=ctx.site, name="Pôle Sèvre")
    far = ctx.next_course("Orchestre", category=C.COLLECTIVE, pole=other)
    page = post(client, ctx, wishes=[far.pk]).content.decode()
    assert "Tous les cours d&#x27;un élève ont lieu sur un seul pôle. Vous avez choisi" in page
    assert not Reenrolment.objects.exists()


def test_an_unknown_course_id_is_refused_next_to_the_field(client, ctx):
    page = post(client, ctx, wishes=[999999]).content.decode()
    assert "Ce cours ne fait pas partie des cours proposés à cet élève." in page
    assert not Reenrolment.objects.exists()


def test_a_stale_form_keeps_the_choices_and_shows_the_saved_dossier(client, ctx):
    post(client, ctx)  # another guardian sent first
    response = post(client, ctx, continued=[], information="Seulement le chœur")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce dossier a été modifié entre-temps" in page
    assert 'name="version" value="1"' in page
    assert "Seulement le chœur</textarea>" in page
    # Confirming with the refreshed version saves the second guardian's choice.
    assert post(client, ctx, version=1, continued=[], information="Seulement le chœur").status_code == 302
    assert Reenrolment.objects.get().information == "Seulement le chœur"


def test_the_draft_button_saves_without_sending(client, ctx):
    response = post(client, ctx, wishes=[], accept_house_rules=None, action="draft")
    assert response.status_code == 302
    assert Reenrolment.objects.get().state == Reenrolment.State.DRAFT
    page = client.get(ctx.url).content.decode()
    assert "Brouillon : demande pas encore envoyée" in page


def test_the_family_changes_its_sent_dossier(client, ctx):
    post(client, ctx)
    page = client.get(ctx.url).content.decode()
    assert "Modifier la demande" in page and 'value="draft"' not in page
    assert post(client, ctx, version=1, continued=[]).status_code == 302
    assert [c.course for c in Reenrolment.objects.get().choices.all()] == [ctx.choir]


def test_the_family_withdraws_its_dossier(client, ctx):
    post(client, ctx)
    response = client.post(ctx.url, {"action": "withdraw", "version": 1})
    assert response.status_code == 302
    assert Reenrolment.objects.get().state == Reenrolment.State.WITHDRAWN
    assert "Demande de réinscription retirée" in client.get(ctx.url).content.decode()


def test_a_post_after_the_window_closed_is_refused_clearly(client, ctx):
    move_window(ctx, -20, -1)
    response = post(client, ctx)
    assert response.status_code == 302
    assert not Reenrolment.objects.exists()
    assert "est close depuis le" in client.get(ctx.url).content.decode()


def test_a_waitlisted_dossier_shows_its_rank_and_no_form(client, ctx):
    ctx.choir.capacity = 1
    ctx.choir.save()
    from students.tests.factories import EnrolmentFactory

    EnrolmentFactory(course=ctx.choir)
    post(client, ctx)
    services.validate_reenrolment(reenrolment=Reenrolment.objects.get(), actor=StaffUserFactory())
    page = client.get(ctx.url).content.decode()
    assert "Réinscription en liste d'attente" in page
    assert "liste d'attente, rang 1" in page
    assert 'name="wishes"' not in page and 'value="withdraw"' not in page


def test_a_refused_dossier_shows_the_reason(client, ctx):
    post(client, ctx)
    services.refuse_reenrolment(
        reenrolment=Reenrolment.objects.get(), actor=StaffUserFactory(), reason="Plus de place."
    )
    page = client.get(ctx.url).content.decode()
    assert "Réinscription refusée" in page and "Plus de place." in page
    assert post(client, ctx, version=3).status_code == 302
    assert Reenrolment.objects.get().state == Reenrolment.State.REFUSED


def _page_queries(client, url, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_tab_costs_the_same_queries_whatever_the_number_of_courses(
    client, ctx, django_assert_num_queries
):
    post(client, ctx)
    client.get(ctx.url)  # session settled
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(ctx.url)
    expected = len(small.captured_queries)  # read now: the next request empties the connection's log
    # Many more current courses, catalogue courses, wishes and pupils.
    for i in range(6):
        current, _following = ctx.course_pair(f"Cours {i}")
        ctx.enrol(ctx.student, current)
        ctx.next_course(f"Option {i}", pole=PoleFactory(site=ctx.site, name=f"Pôle {i}"))
        ctx.pupil()
    guardian_of(ctx.family)
    dossier = Reenrolment.objects.get()
    for course in ctx.site.poles.get(name="Pôle Centre").courses.filter(season=ctx.season)[:5]:
        dossier.choices.get_or_create(course=course, defaults={"kind": "wish"})
    client.get(ctx.url)  # reads again what the writes above made this process forget
    _page_queries(client, ctx.url, django_assert_num_queries, expected)


def test_the_tab_query_count_is_pinned(client, ctx, django_assert_num_queries):
    post(client, ctx)
    client.get(ctx.url)
    # session, user, guardian with its family, pupil, dossier + choices + history, current and
    # past courses in one read (for the courses the rules allow; the session is not written back
    # within a minute). The site's windows and the catalogue with its seats, read by the view
    # before, are kept a few seconds (extranet/base/sitewide.py).
    _page_queries(client, ctx.url, django_assert_num_queries, 8)


def test_a_closed_window_page_does_not_load_the_catalogue(client, ctx, django_assert_num_queries):
    move_window(ctx, -20, -1)
    client.get(ctx.url)
    # session, user, guardian with its family, pupil, dossier (the windows: kept a few seconds).
    _page_queries(client, ctx.url, django_assert_num_queries, 5)


def test_a_second_dossier_of_another_site_does_not_leak(client, ctx):
    other = setting()
    submitted_dossier(other.next_course("Danse"), window=other.window)
    page = client.get(ctx.url).content.decode()
    assert "Danse" not in page
