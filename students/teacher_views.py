"""The teacher's space: today's lessons, the roll, cancel or move a lesson, the term's evaluations.

A teacher sees only their own courses' pupils, and of them only what teaching needs: name, age
and a guardian's phone for emergencies; never an address, billing or documents.
"""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from extranet.base.models import Season
from students import schoolyear_selectors as selectors
from students import schoolyear_services as services
from students.schoolyear_forms import LessonCancelForm, LessonMoveForm
from students.schoolyear_models import Attendance, Evaluation, Term


def teacher_required(view):
    """Teacher views: anonymous visitors go to the login page; a login without a teacher profile
    (a guardian, staff) gets 403. Sets ``request.teacher``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        teacher = selectors.teacher_of(request.user)
        if teacher is None:
            raise PermissionDenied
        request.teacher = teacher
        return view(request, *args, **kwargs)

    return wrapper


def _day(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        return timezone.localdate()


@teacher_required
def today(request):
    day = _day(request)
    return render(
        request,
        "teachers/today.html",
        {
            "teacher": request.teacher,
            "day": day,
            "is_today": day == timezone.localdate(),
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "lessons": selectors.teacher_lessons(request.teacher, day),
            "notices": selectors.coming_notices(request.teacher, start=day),
            "teacher_tab": "today",
        },
    )


def _posted_marks(request, lines) -> dict[int, services.Mark]:
    marks = {}
    for line in lines:
        status = request.POST.get(f"status-{line.student.pk}", "")
        note = request.POST.get(f"note-{line.student.pk}", "")
        marks[line.student.pk] = services.Mark(status=status, note=note)
    return marks


def _roll_rows(lines, posted: dict[int, services.Mark] | None):
    """Each line with the choice to show: what was posted, what was recorded, else a default
    (excusé when the family reported the absence, présent otherwise)."""
    rows = []
    for line in lines:
        if posted is not None:
            status, note = posted[line.student.pk].status, posted[line.student.pk].note
        elif line.attendance is not None:
            status, note = line.attendance.status, line.attendance.note
        else:
            status = Attendance.Status.EXCUSED if line.notice else Attendance.Status.PRESENT
            note = line.notice.reason if line.notice else ""
        rows.append({"line": line, "status": status, "note": note})
    return rows


@teacher_required
@require_http_methods(["GET", "POST"])
def roll(request, lesson_id):
    lesson = selectors.teacher_lesson_or_404(request.teacher, lesson_id)
    lines = selectors.roll(lesson)
    posted = None
    status = 200
    if request.method == "POST":
        posted = _posted_marks(request, lines)
        try:
            services.record_roll(
                lesson_id=lesson.pk, actor=request.user, marks=posted, teacher=request.teacher
            )
        except services.SchoolYearError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(request, _("Appel enregistré."))
            return redirect(f"{reverse('teachers:today')}?jour={lesson.date:%Y-%m-%d}")
    return render(
        request,
        "teachers/roll.html",
        {
            "lesson": lesson,
            "rows": _roll_rows(lines, posted),
            "choices": Attendance.Status.choices,
            "can_take_roll": not lesson.is_cancelled and lesson.date <= timezone.localdate(),
            "teacher_tab": "today",
        },
        status=status,
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def lesson_cancel(request, lesson_id):
    lesson = selectors.teacher_lesson_or_404(request.teacher, lesson_id)
    form = LessonCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_lesson(
                lesson_id=lesson.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                teacher=request.teacher,
            )
        except services.SchoolYearError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Séance annulée : les familles sont prévenues par e-mail."))
            return redirect(f"{reverse('teachers:today')}?jour={lesson.date:%Y-%m-%d}")
    return render(
        request,
        "teachers/lesson_cancel.html",
        {"lesson": lesson, "form": form, "teacher_tab": "today"},
        status=400 if form.errors else 200,
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def lesson_move(request, lesson_id):
    lesson = selectors.teacher_lesson_or_404(request.teacher, lesson_id)
    initial = {
        "date": lesson.date,
        "starts_at": lesson.starts_at,
        "ends_at": lesson.ends_at,
        "room": lesson.room,
    }
    form = LessonMoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.move_lesson(
                lesson_id=lesson.pk,
                actor=request.user,
                date=data["date"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                room=data["room"],
                reason=data["reason"],
                teacher=request.teacher,
            )
        except services.SchoolYearError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Séance déplacée : les familles sont prévenues par e-mail."))
            return redirect(f"{reverse('teachers:today')}?jour={moved.date:%Y-%m-%d}")
    return render(
        request,
        "teachers/lesson_move.html",
        {"lesson": lesson, "form": form, "teacher_tab": "today"},
        status=400 if form.errors else 200,
    )


@teacher_required
def evaluations(request):
    season = Season.objects.current()
    courses = selectors.teacher_courses(request.teacher, season)
    terms = services.ensure_terms(site=request.teacher.site, season=season) if season else []
    return render(
        request,
        "teachers/evaluations.html",
        {"courses": courses, "terms": terms, "season": season, "teacher_tab": "evaluations"},
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def evaluate(request, course_id, term_id):
    course = selectors.teacher_course_or_404(request.teacher, course_id)
    term = Term.objects.filter(pk=term_id, site=course.pole.site, season=course.season).first()
    if term is None:
        raise Http404
    sheet = selectors.evaluation_sheet(course, term)
    site_settings = selectors.site_settings(course.pole.site)
    status = 200
    posted = None
    if request.method == "POST":
        posted = {
            pupil.pk: services.EvaluationText(
                appreciation=request.POST.get(f"appreciation-{pupil.pk}", ""),
                level=request.POST.get(f"level-{pupil.pk}", ""),
                skills=request.POST.get(f"skills-{pupil.pk}", ""),
            )
            for pupil, _evaluation in sheet
        }
        try:
            services.save_evaluations(
                teacher=request.teacher, term_id=term.pk, course_id=course.pk, entries=posted
            )
        except services.SchoolYearError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(request, _("Évaluations enregistrées."))
            return redirect("teachers:evaluate", course.pk, term.pk)
    rows = []
    for pupil, evaluation in sheet:
        if posted is not None:
            text = posted[pupil.pk]
        elif evaluation is not None:
            text = services.EvaluationText(evaluation.appreciation, evaluation.level, evaluation.skills)
        else:
            text = services.EvaluationText("")
        rows.append({"student": pupil, "text": text})
    return render(
        request,
        "teachers/evaluate.html",
        {
            "course": course,
            "term": term,
            "rows": rows,
            "levels": Evaluation.Level.choices,
            "settings": site_settings,
            "locked": term.published_on is not None,
            "teacher_tab": "evaluations",
        },
        status=status,
    )
