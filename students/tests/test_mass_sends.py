"""A staff click that emails many people enqueues one task after commit and answers at once.

The task makes the emails (the outbox keeps each of them, then the worker delivers them): the
immediate backend runs it on the spot, the database backend only stores it for the worker.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from extranet.base.models import OutboundEmail
from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory, current_season
from families.tests.factories import guardian_of
from students.schoolyear_models import Lesson, LessonChange
from students.schoolyear_services import notify_lesson_change
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import LessonFactory, TeacherFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails", "pdfs"]}
}


@pytest.fixture
def site():
    current_season()
    return SiteFactory(slug="malakoff", name="Malakoff")


@pytest.fixture
def secretary(client, site):
    user = StaffUserFactory(all_sites=False, managed_sites=[site])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="students").exclude(codename__startswith="delete_")
    )
    client.force_login(user)
    return user


@pytest.fixture
def lesson(site):
    course = CourseFactory(pole=PoleFactory(site=site), name="Orchestre")
    for name in ("alice", "bruno", "chloe"):
        student = StudentFactory(family__site=site, first_name=name.title())
        guardian_of(student.family, is_payer=True, email=f"{name}@example.fr")
        EnrolmentFactory(student=student, course=course)
    without_email = StudentFactory(family__site=site)
    guardian_of(without_email.family, is_payer=True, email="")
    EnrolmentFactory(student=without_email, course=course)
    return LessonFactory(course=course, scheduled_on=timezone.localdate() + datetime.timedelta(days=4))


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def cancel(client, lesson):
    return client.post(
        reverse("admin:students_lesson_changelist"),
        {"action": "cancel_lessons", "_selected_action": [lesson.pk], "cancel_reason": "Salle inondée"},
    )


def test_cancelling_in_the_admin_emails_every_family_through_the_task(
    client, secretary, lesson, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(client, lesson)

    assert "Envoi en cours : 3 e-mails." in texts(response)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.fr",
        "bruno@example.fr",
        "chloe@example.fr",
    ]
    assert all("Salle inondée" in message.body for message in mail.outbox)
    assert OutboundEmail.objects.filter(name="lesson_cancelled", state=OutboundEmail.State.SENT).count() == 3


def test_cancelling_in_the_admin_only_enqueues_one_task(
    client, settings, secretary, lesson, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(client, lesson)

    assert Lesson.objects.get(pk=lesson.pk).status == Lesson.Status.CANCELLED
    assert "Envoi en cours : 3 e-mails." in texts(response)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.queue_name) == (
        "students.schoolyear_services.notify_lesson_change",
        "emails",
    )
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []

    # What the worker then does: the three emails go to the outbox, then out.
    assert notify_lesson_change.call(*task.args_kwargs["args"]) == 3
    assert OutboundEmail.objects.filter(name="lesson_cancelled").count() == 3


def test_moving_a_lesson_in_the_admin_tells_how_many_emails_leave(
    client, secretary, lesson, django_capture_on_commit_callbacks
):
    new_day = lesson.date + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:students_lesson_change", args=[lesson.pk]),
            {
                "date": new_day.isoformat(),
                "starts_at": "18:00",
                "ends_at": "19:00",
                "room": "Auditorium",
                "reason": "Concert",
                "attendances-TOTAL_FORMS": "0",
                "attendances-INITIAL_FORMS": "0",
                "history-TOTAL_FORMS": "0",
                "history-INITIAL_FORMS": "0",
            },
        )

    assert response.status_code == 302
    assert "Envoi en cours : 3 e-mails." in texts(response)
    assert LessonChange.objects.get(lesson=lesson).new_state == Lesson.Status.MOVED
    assert len(mail.outbox) == 3
    assert all("Auditorium" in message.body for message in mail.outbox)


def test_the_teachers_first_login_links_leave_through_one_task(
    client, settings, site, secretary, django_capture_on_commit_callbacks
):
    teachers = [TeacherFactory(user__site=site, user__email=f"prof{n}@example.fr") for n in (1, 2)]
    silent = TeacherFactory(user__site=site, user__email="")
    ids = [teacher.pk for teacher in [*teachers, silent]]
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:students_teacher_changelist"), {"action": "send_welcome", "_selected_action": ids}
        )

    assert "Envoi en cours : 2 e-mails." in texts(response)
    task = DBTaskResult.objects.get()
    assert task.task_path == "students.schoolyear_services.send_teacher_welcomes"
    assert not OutboundEmail.objects.exists()


def test_the_teachers_links_arrive_and_the_outbox_never_holds_them(
    client, site, secretary, django_capture_on_commit_callbacks
):
    teacher = TeacherFactory(user__site=site, user__email="prof@example.fr")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:students_teacher_changelist"),
            {"action": "send_welcome", "_selected_action": [teacher.pk]},
        )

    assert [message.to for message in mail.outbox] == [["prof@example.fr"]]
    assert "/mot-de-passe-perdu/" in mail.outbox[0].body
    stored = OutboundEmail.objects.get(name="teacher_welcome")
    assert stored.state == OutboundEmail.State.SENT
    assert "/mot-de-passe-perdu/" not in stored.body_text
