"""Élèves tab as a family sees it: the list and the Identité, Cours, Historique, Répertoire tabs."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from extranet.base.models import ChangeRecord
from extranet.tests.factories import SeasonFactory, school_level
from extranet.tests.portal import logged_in_family, seasons
from students.models import SchoolRecord
from students.tests.factories import (
    CourseFactory,
    CycleFactory,
    DisciplineFactory,
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


def identity_data(student, **overrides):
    data = {
        "version": student.version,
        "civility": "",
        "birth_date": "2015-03-14",
        "birth_place": "Clamart",
        "use_guardian_contact": "on",
        "address": "",
        "postal_code": "",
        "city": "",
        "phone_home": "",
        "mobile": "",
        "email": "",
        "school_name": "École Paul Bert",
        "school_level": school_level("cm2").pk,
        "image_rights": "oui",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_list_shows_the_family_pupils_with_their_current_courses(client):
    current, _next = seasons()
    family, _guardian = logged_in_family(client)
    lea = StudentFactory(family=family, first_name="Léa")
    StudentFactory(family=family, first_name="Hugo")
    StudentFactory(first_name="Voisin")
    EnrolmentFactory(student=lea, course=CourseFactory(name="Piano Cycle 1", season=current))

    page = client.get(reverse("students:list")).content.decode()

    assert "Léa" in page and "Hugo" in page
    assert "Voisin" not in page
    assert "Piano Cycle 1" in page
    assert "Aucun cours attribué" in page  # Hugo
    assert reverse("students:identity", args=[lea.pk]) in page


def test_list_says_when_the_family_has_no_pupil(client):
    seasons()
    logged_in_family(client)
    assert "Aucun élève" in client.get(reverse("students:list")).content.decode()


def test_identity_shows_the_pupil_tabs_with_identity_marked_current(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    page = client.get(reverse("students:identity", args=[student.pk])).content.decode()

    for label in ("Identité", "Cours", "Historique", "Répertoire", "Réinscription", "Documents fournis"):
        assert f">{label}</a>" in page
    assert (
        f'class="nav-link active" aria-current="page" href="{reverse("students:identity", args=[student.pk])}"'
        in page
    )


def test_each_pupil_tab_links_to_its_own_url(client):
    # templates/students/_tabs.html writes the tabs' URLs from the Identité one.
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    page = client.get(reverse("students:repertoire", args=[student.pk])).content.decode()

    tabs = {
        "Identité": "students:identity",
        "Cours": "students:courses",
        "Planning": "students:planning",
        "Suivi": "students:suivi",
        "Historique": "students:history",
        "Répertoire": "students:repertoire",
        "Réinscription": "reenrolment:student",
        "Documents fournis": "documents:student",
    }
    for label, name in tabs.items():
        assert f'href="{reverse(name, args=[student.pk])}">{label}</a>' in page, label


def test_identity_marks_the_guide_required_fields_in_colour_and_text(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family, use_guardian_contact=False)

    page = client.get(reverse("students:identity", args=[student.pk])).content.decode()

    for field in ("birth_date", "postal_code", "city", "school_name", "school_level"):
        start = page.index(f'id="div_id_{field}"')
        block = page[start : page.index("</div>", start)]
        assert "(obligatoire)" in block, field
    assert 'class="mb-3 required-field"' in page
    assert "Niveau scolaire 2026/2027" in page


def test_identity_shows_the_school_of_the_coming_season(client):
    current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    SchoolRecordFactory(student=student, season=current, school_name="École de l'an dernier")
    SchoolRecordFactory(
        student=student, season=coming, school_name="Collège Henri Wallon", school_level=school_level("6e")
    )

    page = client.get(reverse("students:identity", args=[student.pk])).content.decode()

    assert 'value="Collège Henri Wallon"' in page
    assert "École de l&#x27;an dernier" not in page
    level_select = page.split('name="school_level"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{school_level("6e").pk}" selected>' in level_select


def test_saving_identity_shows_elements_modifies_and_records_the_coming_season_school(
    client, django_capture_on_commit_callbacks
):
    _current, coming = seasons()
    family, guardian = logged_in_family(client)
    student = StudentFactory(family=family, image_rights=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("students:identity", args=[student.pk]),
            identity_data(student, mobile="06.11.22.33.44"),
            follow=True,
        )

    assert "Éléments modifiés" in response.content.decode()
    student.refresh_from_db()
    assert student.mobile == "0611223344"
    assert student.image_rights is True
    assert student.version == 2
    record = SchoolRecord.objects.get(student=student, season=coming)
    assert (record.school_name, record.school_level.code) == ("École Paul Bert", "cm2")
    fields = set(ChangeRecord.objects.filter(object_id=student.pk).values_list("field", flat=True))
    assert {"mobile", "image_rights", "school_record.school_name", "school_record.school_level"} <= fields
    assert mail.outbox[-1].to == [guardian.email]
    assert "06 11 22 33 44" in mail.outbox[-1].body


def test_saving_identity_without_change_says_so(client):
    _current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family, image_rights=True)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm2"))

    response = client.post(
        reverse("students:identity", args=[student.pk]), identity_data(student), follow=True
    )

    assert "Aucune modification à enregistrer." in response.content.decode()
    student.refresh_from_db()
    assert student.version == 1


def test_a_wrong_postal_code_is_explained_next_to_the_field_and_the_typing_is_kept(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    response = client.post(
        reverse("students:identity", args=[student.pk]),
        identity_data(
            student, use_guardian_contact=None, postal_code="9224", city="Malakoff", birth_place="Vanves"
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Le code postal comporte 5 chiffres, par exemple 92240." in page
    assert 'value="9224"' in page and 'value="Vanves"' in page
    assert 'aria-invalid="true"' in page
    student.refresh_from_db()
    assert student.birth_place == "Clamart"


def test_postal_code_and_town_are_required_only_without_the_guardian_contact(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    url = reverse("students:identity", args=[student.pk])

    refused = client.post(url, identity_data(student, use_guardian_contact=None))
    accepted = client.post(url, identity_data(student))

    assert "sauf si vous utilisez les coordonnées du responsable légal" in refused.content.decode()
    assert accepted.status_code == 302


def test_birth_date_and_level_are_required(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    response = client.post(
        reverse("students:identity", args=[student.pk]),
        identity_data(student, birth_date="", school_level=""),
    )

    errors = response.context["form"].errors
    assert errors["birth_date"] == ["Ce champ est obligatoire."]
    assert errors["school_level"] == ["Ce champ est obligatoire."]


def test_a_schoolchild_needs_a_school(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    response = client.post(
        reverse("students:identity", args=[student.pk]), identity_data(student, school_name="")
    )

    assert response.context["form"].errors["school_name"] == ["Indiquez l'établissement scolaire de l'élève."]


def test_an_adult_pupil_needs_no_school(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family, birth_date=datetime.date(1980, 1, 1))

    response = client.post(
        reverse("students:identity", args=[student.pk]),
        identity_data(
            student, birth_date="1980-01-01", school_name="", school_level=school_level("adulte").pk
        ),
    )

    assert response.status_code == 302


def test_a_birth_date_in_the_future_is_refused(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    page = client.post(
        reverse("students:identity", args=[student.pk]), identity_data(student, birth_date="2999-01-01")
    ).content.decode()

    assert "La date de naissance ne peut pas être dans le futur." in page


def test_courses_lists_the_current_season_courses(client):
    current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    course = CourseFactory(
        season=current,
        discipline=DisciplineFactory(name="Piano", slug="piano"),
        cycle=CycleFactory(name="Cycle 1", order=3),
        name="Piano Cycle 1 – 30 min",
        teacher_name="Mme Durand",
    )
    EnrolmentFactory(student=student, course=course)
    EnrolmentFactory(student=student, course=CourseFactory(season=coming, name="Cours de l'an prochain"))
    EnrolmentFactory(
        student=student,
        course=CourseFactory(season=current, name="Cours arrêté"),
        status="stopped",
    )

    page = client.get(reverse("students:courses", args=[student.pk])).content.decode()

    assert "Cours de la saison 2025/2026" in page
    for text in ("Piano", "Piano Cycle 1 – 30 min", "mercredi 14:00–15:00", "Cycle 1", "Mme Durand"):
        assert text in page
    assert "Cours arrêté" not in page


def test_courses_show_next_season_first_once_the_reenrolment_is_validated(client):
    current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family, first_name="Emma")
    EnrolmentFactory(student=student, course=CourseFactory(season=current, name="Piano Cycle 1"))
    EnrolmentFactory(student=student, course=CourseFactory(season=coming, name="Piano Cycle 2"))

    page = client.get(reverse("students:courses", args=[student.pk])).content.decode()

    assert page.index("Cours de la saison 2026/2027") < page.index("Piano Cycle 2")
    assert page.index("Piano Cycle 2") < page.index("Cours de la saison 2025/2026")
    assert page.index("Cours de la saison 2025/2026") < page.index("Piano Cycle 1")
    assert "La réinscription d&#x27;Emma est validée" in page


def test_courses_cost_the_same_queries_for_one_course_or_five(client, django_assert_max_num_queries):
    current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    EnrolmentFactory(student=student, course=CourseFactory(season=current))
    url = reverse("students:courses", args=[student.pk])
    with django_assert_max_num_queries(50) as one:
        client.get(url)
    for _ in range(4):
        EnrolmentFactory(student=student, course=CourseFactory(season=current))
        EnrolmentFactory(student=student, course=CourseFactory(season=coming))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_courses_says_aucun_cours_attribue(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    assert (
        "Aucun cours attribué." in client.get(reverse("students:courses", args=[student.pk])).content.decode()
    )


def test_history_lists_past_seasons_courses_and_cycles(client):
    current, _coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    past = SeasonFactory(start_year=2023)
    before = SeasonFactory(start_year=2024)
    EnrolmentFactory(
        student=student,
        course=CourseFactory(season=past, name="Éveil musical", cycle=CycleFactory(name="Éveil", order=1)),
        status="completed",
    )
    EnrolmentFactory(
        student=student, course=CourseFactory(season=before, name="Piano débutant"), status="completed"
    )
    EnrolmentFactory(student=student, course=CourseFactory(season=current, name="Cours de cette année"))

    page = client.get(reverse("students:history", args=[student.pk])).content.decode()

    assert "Saison 2024/2025" in page and "Saison 2023/2024" in page
    assert page.index("Saison 2024/2025") < page.index("Saison 2023/2024")
    assert "Éveil musical" in page and "Piano débutant" in page and "Éveil" in page
    assert "Cours de cette année" not in page


def test_history_without_a_current_season_lists_every_season_but_the_next(client):
    current, coming = seasons()
    current.is_current = False
    current.save()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    EnrolmentFactory(student=student, course=CourseFactory(season=current, name="Cours de 2025"))
    EnrolmentFactory(student=student, course=CourseFactory(season=coming, name="Cours de 2026"))

    page = client.get(reverse("students:history", args=[student.pk])).content.decode()

    assert "Cours de 2025" in page and "Cours de 2026" not in page


def test_history_is_empty_for_a_new_pupil(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    assert (
        "Aucun cours les saisons précédentes."
        in client.get(reverse("students:history", args=[student.pk])).content.decode()
    )


def test_repertoire_lists_works_by_season_newest_first(client):
    current, _coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    RepertoireEntryFactory(
        student=student, season=SeasonFactory(start_year=2024), work="Le Coucou", composer="Daquin"
    )
    RepertoireEntryFactory(
        student=student, season=current, work="Sonatine op. 36 n° 1", composer="Muzio Clementi"
    )

    page = client.get(reverse("students:repertoire", args=[student.pk])).content.decode()

    assert page.index("Saison 2025/2026") < page.index("Saison 2024/2025")
    assert "Sonatine op. 36 n° 1" in page and "Muzio Clementi" in page and "Le Coucou" in page


def test_repertoire_is_empty_until_works_are_recorded(client):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)

    assert (
        "Aucune œuvre enregistrée"
        in client.get(reverse("students:repertoire", args=[student.pk])).content.decode()
    )


def test_second_guardian_saving_a_stale_form_is_told_and_sees_the_current_values(client):
    from django.test import Client

    from extranet.tests.portal import log_in
    from families.tests.factories import guardian_of

    seasons()
    family, _first = logged_in_family(client)
    second_client = Client()
    log_in(second_client, guardian_of(family))
    student = StudentFactory(family=family, birth_place="Clamart")
    url = reverse("students:identity", args=[student.pk])
    # Both guardians opened the form at version 1.
    client.post(url, identity_data(student, birth_place="Vanves"))

    response = second_client.post(url, identity_data(student, birth_place="Montrouge"))

    page = response.content.decode()
    assert response.status_code == 409
    assert "Un autre responsable de la famille ou le secrétariat a modifié ces informations" in page
    assert 'value="Vanves"' in page
    assert 'name="version" value="2"' in page
    assert "Vos saisies non enregistrées" in page and "Lieu de naissance : Montrouge" in page
    student.refresh_from_db()
    assert student.birth_place == "Vanves"


def test_without_a_coming_season_the_identity_saves_without_school(client):
    from extranet.tests.factories import current_season

    current_season()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    data = identity_data(student, birth_place="Vanves")
    del data["school_name"], data["school_level"]

    page = client.get(reverse("students:identity", args=[student.pk])).content.decode()
    response = client.post(reverse("students:identity", args=[student.pk]), data)

    assert "La saison prochaine n'est pas encore ouverte" in page
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.birth_place == "Vanves"
