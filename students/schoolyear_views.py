"""Families' side of the school year: Planning (per pupil and family), Suivi, bulletin, iCal feed."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from icalendar import Calendar, Event

from extranet.base.models import Season
from extranet.base.portal import family_required
from students import schoolyear_selectors as selectors
from students import schoolyear_services as services
from students.models import Student
from students.schoolyear_forms import AbsenceNoticeForm
from students.selectors import get_student_or_404


@family_required
def family_planning(request):
    season = Season.objects.current()
    lessons = selectors.planning(Student.objects.for_family(request.family), season=season)
    return render(
        request,
        "students/planning_family.html",
        {"lessons": lessons, "season": season, "days": selectors.PLANNING_DAYS, "show_pupils": True},
    )


@family_required
def planning(request, student_id):
    student = get_student_or_404(request, student_id)
    season = Season.objects.current()
    lessons = selectors.planning(Student.objects.filter(pk=student.pk), season=season)
    return render(
        request,
        "students/planning.html",
        {"student": student, "student_tab": "planning", "lessons": lessons, "days": selectors.PLANNING_DAYS},
    )


@family_required
@require_http_methods(["GET", "POST"])
def suivi(request, student_id):
    student = get_student_or_404(request, student_id)
    form = AbsenceNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_absence(
                family=request.family,
                actor=request.user,
                student_id=student.pk,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
            )
        except services.SchoolYearError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Absence signalée : le professeur la verra sur sa feuille d'appel."))
            return redirect("students:suivi", student.pk)
    return render(
        request,
        "students/suivi.html",
        {"student": student, "student_tab": "suivi", "suivi": selectors.suivi(student), "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@family_required
def bulletin(request, student_id, term_id):
    student = get_student_or_404(request, student_id)
    term, evaluations = selectors.published_term_of_student(student, term_id)
    # Rendered by a task once the term is published; until it has run, rendered and stored here.
    stored = services.stored_bulletin(student=student, term=term) or services.store_bulletin(
        site=request.family.site, student=student, term=term, evaluations=evaluations
    )
    response = HttpResponse(bytes(stored.content), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=stored.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@family_required
@never_cache
def calendar(request):
    feed = services.family_calendar(family=request.family)
    url = request.build_absolute_uri(reverse("students:calendar_feed", args=[feed.token]))
    return render(request, "students/planning_calendar.html", {"feed": feed, "feed_url": url})


@require_POST
@family_required
def calendar_renew(request):
    services.renew_calendar(family=request.family, actor=request.user)
    messages.success(request, _("Nouvelle adresse créée : l'ancienne ne fonctionne plus."))
    return redirect("students:calendar")


def _event(planned: selectors.PlannedLesson, site_name: str, host: str) -> Event:
    lesson = planned.lesson
    event = Event()
    event.add("uid", f"lesson-{lesson.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", lesson.starts())
    event.add("dtend", lesson.ends())
    pupils = ", ".join(pupil.first_name for pupil in planned.pupils)
    event.add("summary", f"{lesson.course.name} ({pupils})" if pupils else lesson.course.name)
    location = ", ".join(part for part in (lesson.room, lesson.course.pole.name, site_name) if part)
    event.add("location", location)
    if planned.teachers:
        event.add("description", _("Professeur : %(name)s") % {"name": planned.teachers})
    return event


@require_GET
def calendar_feed(request, token):
    """The family's lessons as iCal, for a phone's calendar: the secret address is the only key."""
    feed = selectors.calendar_by_token(token)
    family = feed.family
    ical = Calendar()
    ical.add("prodid", "-//Tutti//Portail des familles//FR")
    ical.add("version", "2.0")
    ical.add("x-wr-calname", _("Cours – famille %(name)s") % {"name": family.name})
    ical.add("x-wr-timezone", "Europe/Paris")
    host = request.get_host()
    for planned in selectors.feed_lessons(family, Season.objects.current()):
        ical.add_component(_event(planned, family.site.name, host))
    # The VTIMEZONE of Europe/Paris, for calendars that do not know the zone by its name.
    ical.add_missing_timezones()
    response = HttpResponse(ical.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename="cours.ics")
    response["Cache-Control"] = "private, max-age=900"
    return response
