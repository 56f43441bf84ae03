"""Bulletins rendered once by a task when a term is published, stored, and served as stored."""

import datetime
import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory
from extranet.tests.portal import log_in, seasons
from families.tests.factories import guardian_of
from students.schoolyear_models import StoredBulletin
from students.schoolyear_services import correct_evaluation, publish_term
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import EvaluationFactory, TermFactory, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def term_with_pupils():
    current, _coming = seasons()
    site = SiteFactory(slug="malakoff", name="Conservatoire de Malakoff")
    course = CourseFactory(pole=PoleFactory(site=site), season=current, name="Violon Cycle 2")
    term = TermFactory(site=site, season=current)
    pupils = []
    for first_name in ("Léa", "Hugo"):
        student = StudentFactory(family__site=site, first_name=first_name, last_name="Durand")
        EnrolmentFactory(student=student, course=course)
        EvaluationFactory(
            term=term,
            course=course,
            student=student,
            teacher=teacher_of(course),
            appreciation=f"{first_name} travaille avec régularité.",
        )
        pupils.append(student)
    return term, pupils


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def publish(term, capture):
    with capture(execute=True):
        publish_term(term=term, actor=None, published_on=timezone.localdate())


def test_publishing_a_term_stores_every_pupils_bulletin(term_with_pupils, django_capture_on_commit_callbacks):
    term, pupils = term_with_pupils

    publish(term, django_capture_on_commit_callbacks)

    stored = {bulletin.student_id: bulletin for bulletin in StoredBulletin.objects.filter(term=term)}
    assert set(stored) == {pupil.pk for pupil in pupils}
    lea = stored[pupils[0].pk]
    assert lea.filename.startswith("bulletin-lea-durand-")
    assert lea.sha256 == hashlib.sha256(bytes(lea.content)).hexdigest()
    assert "Léa travaille avec régularité." in pdf_text(bytes(lea.content))


def test_the_download_serves_the_stored_bytes_twice_alike(
    client, term_with_pupils, django_capture_on_commit_callbacks
):
    term, pupils = term_with_pupils
    publish(term, django_capture_on_commit_callbacks)
    log_in(client, guardian_of(pupils[0].family, is_payer=True))
    url = reverse("students:bulletin", args=[pupils[0].pk, term.pk])

    first, second = client.get(url), client.get(url)

    stored = StoredBulletin.objects.get(student=pupils[0], term=term)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == bytes(stored.content)
    assert first["Content-Type"] == "application/pdf"
    assert stored.filename in first["Content-Disposition"]
    assert first["X-Content-Type-Options"] == "nosniff"


def test_a_download_before_the_task_ran_renders_and_stores_the_bulletin(client, term_with_pupils):
    term, pupils = term_with_pupils
    term.published_on = timezone.localdate()
    term.save()
    log_in(client, guardian_of(pupils[0].family, is_payer=True))

    response = client.get(reverse("students:bulletin", args=[pupils[0].pk, term.pk]))

    assert response.status_code == 200
    assert response.content == bytes(StoredBulletin.objects.get(student=pupils[0], term=term).content)
    assert not StoredBulletin.objects.filter(student=pupils[1]).exists()


def test_a_correction_renders_the_pupils_bulletin_again_with_the_new_appreciation(
    client, term_with_pupils, django_capture_on_commit_callbacks
):
    term, pupils = term_with_pupils
    publish(term, django_capture_on_commit_callbacks)
    hugo_before = bytes(StoredBulletin.objects.get(student=pupils[1]).content)
    evaluation = pupils[0].evaluations.get(term=term)
    staff = StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        correct_evaluation(
            evaluation=evaluation,
            actor=staff,
            appreciation="Corrigé : un trimestre remarquable.",
            level=evaluation.level,
            skills="",
        )
    log_in(client, guardian_of(pupils[0].family, is_payer=True))
    response = client.get(reverse("students:bulletin", args=[pupils[0].pk, term.pk]))

    text = pdf_text(response.content)
    assert "Corrigé : un trimestre remarquable." in text
    assert "Léa travaille avec régularité." not in text
    assert response.content == bytes(StoredBulletin.objects.get(student=pupils[0]).content)
    assert bytes(StoredBulletin.objects.get(student=pupils[1]).content) == hugo_before


def test_a_correction_in_the_admin_renders_the_bulletin_again(
    client, term_with_pupils, django_capture_on_commit_callbacks
):
    term, pupils = term_with_pupils
    publish(term, django_capture_on_commit_callbacks)
    evaluation = pupils[0].evaluations.get(term=term)
    client.force_login(StaffUserFactory(is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:students_evaluation_change", args=[evaluation.pk]),
            {"appreciation": "Corrigé par le secrétariat.", "level": evaluation.level, "skills": ""},
        )

    assert response.status_code == 302
    assert "Corrigé par le secrétariat." in pdf_text(
        bytes(StoredBulletin.objects.get(student=pupils[0]).content)
    )


def test_an_unpublished_term_has_no_bulletin_to_download(client, term_with_pupils):
    term, pupils = term_with_pupils
    term.published_on = timezone.localdate() + datetime.timedelta(days=3)
    term.save()
    log_in(client, guardian_of(pupils[0].family, is_payer=True))

    response = client.get(reverse("students:bulletin", args=[pupils[0].pk, term.pk]))

    assert response.status_code == 404
    assert not StoredBulletin.objects.exists()


def test_withdrawing_a_publication_drops_the_stored_bulletins(
    term_with_pupils, django_capture_on_commit_callbacks
):
    term, _pupils = term_with_pupils
    publish(term, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        publish_term(term=term, actor=None, published_on=None)

    assert not StoredBulletin.objects.filter(term=term).exists()


def test_publishing_only_enqueues_the_rendering_with_the_database_backend(
    settings, term_with_pupils, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails", "pdfs"]}
    }
    term, _pupils = term_with_pupils

    publish(term, django_capture_on_commit_callbacks)

    task = DBTaskResult.objects.get()
    assert task.queue_name == "pdfs"
    assert task.task_path == "students.schoolyear_services.render_term_bulletins"
    assert not StoredBulletin.objects.exists()


def test_the_download_of_a_stored_bulletin_costs_a_fixed_number_of_queries(
    client, term_with_pupils, django_capture_on_commit_callbacks, django_assert_num_queries
):
    term, pupils = term_with_pupils
    publish(term, django_capture_on_commit_callbacks)
    log_in(client, guardian_of(pupils[0].family, is_payer=True))
    url = reverse("students:bulletin", args=[pupils[0].pk, term.pk])
    client.get(url)

    # The session and login, the family scope, the pupil, the term's evaluations, the stored bulletin.
    with django_assert_num_queries(6):
        response = client.get(url)

    assert response.status_code == 200
