"""Élèves tab: the family's pupils and, for each, Identité, Cours, Historique, Répertoire."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from extranet.base.editing import StaleEditError
from extranet.base.errors import show_domain_error
from extranet.base.forms import unsaved_values
from extranet.base.portal import family_required
from extranet.base.seasons import current_season
from students import selectors, services
from students.forms import StudentIdentityForm
from students.selectors import get_student_or_404


@family_required
def student_list(request):
    season = current_season()
    students = selectors.family_students(request.family, season=season)
    return render(request, "students/list.html", {"students": students, "season": season})


@family_required
def identity(request, student_id):
    student = selectors.get_student_with_civility_or_404(request, student_id)
    season, record = selectors.next_season_and_school_record(student)
    season_label = season.label if season else ""
    status = 200
    unsaved = []
    if request.method == "POST":
        form = StudentIdentityForm(request.POST, season_label=season_label)
        if form.is_valid():
            data = form.cleaned_data
            try:
                changes = services.update_student_identity(
                    family=request.family,
                    student_id=student.pk,
                    guardian=request.guardian,
                    version=data["version"],
                    values={name: data[name] for name in services.IDENTITY_FIELDS},
                    season=season,
                    school_name=data.get("school_name", ""),
                    school_level=data.get("school_level"),
                )
            except StaleEditError as error:
                student = selectors.get_student_with_civility_or_404(request, student_id)
                record = selectors.school_record(student, season)
                current = StudentIdentityForm.initial_for(student, record)
                unsaved = unsaved_values(form, current)
                show_domain_error(error, request=request)
                form = StudentIdentityForm(initial=current, season_label=season_label)
                status = 409
            else:
                messages.success(
                    request, _("Éléments modifiés") if changes else _("Aucune modification à enregistrer.")
                )
                return redirect("students:identity", student.pk)
    else:
        form = StudentIdentityForm(
            initial=StudentIdentityForm.initial_for(student, record), season_label=season_label
        )
    return render(
        request,
        "students/identity.html",
        {
            "student": student,
            "student_tab": "identity",
            "form": form,
            "season": season,
            "guardian": request.guardian,
            "unsaved": unsaved,
        },
        status=status,
    )


@family_required
def courses(request, student_id):
    student = get_student_or_404(request, student_id)
    # Once a re-enrolment is validated, next season's courses exist: show them first.
    season, enrolments, next_season, next_enrolments = selectors.courses_of_both_seasons(student)
    return render(
        request,
        "students/courses.html",
        {
            "student": student,
            "student_tab": "courses",
            "season": season,
            "enrolments": enrolments,
            "next_season": next_season,
            "next_enrolments": next_enrolments,
        },
    )


@family_required
def history(request, student_id):
    student = get_student_or_404(request, student_id)
    return render(
        request,
        "students/history.html",
        {
            "student": student,
            "student_tab": "history",
            "enrolments": selectors.past_enrolments(student),
        },
    )


@family_required
def repertoire(request, student_id):
    student = get_student_or_404(request, student_id)
    return render(
        request,
        "students/repertoire.html",
        {"student": student, "student_tab": "repertoire", "entries": selectors.repertoire(student)},
    )
