"""The demo conservatory that ``seed_demo`` builds, and generated families for scale tests.

Every row of the demo is found by a stable key (a slug, a label, an identifier, an external
reference…) and written only when it differs, so running the command again changes nothing.
Generated families are numbered ``GEN-0000001`` onwards and continue after the last one.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from billing.demo import seed_billing
from documents.demo import seed_documents
from documents.models import DocumentType
from extranet.base.dates import long_date
from extranet.base.models import (
    Civility,
    News,
    PaymentMeans,
    Pole,
    SchoolLevel,
    Season,
    Site,
    SocioProfessionalCategory,
    User,
)
from extranet.shell.demo_pdfs import blank_mandate_pdf, house_rules_pdf
from extranet.shell.management.commands.setup_secretariat_group import setup_secretariat_group
from families.models import BillingMode, Family, FamilySituation, Guardian, Membership
from reenrolment.demo import seed_reenrolments
from reenrolment.models import ReenrolmentWindow
from students.models import (
    Course,
    CourseCategory,
    Cycle,
    Discipline,
    Enrolment,
    RepertoireEntry,
    SchoolRecord,
    Student,
    Weekday,
)
from students.schoolyear_demo import seed_school_year

DEMO_PASSWORD = "Demo2026x"
SECRETARIAT_PASSWORD = "Secretariat2026"
ADMIN_PASSWORD = "Admin2026x"
GENERATED_PREFIX = "GEN-"


def season_start_years(today: datetime.date) -> tuple[int, int, int]:
    """Start years of the past, current and next seasons on ``today``: the current season is the
    school year we are in (September to June; from July on, the one about to start), the next one
    is the season being re-enrolled for."""
    current = today.year if today.month >= 7 else today.year - 1
    return current - 1, current, current + 1


def season_label(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


# The demo's seasons follow the date the process starts on (2026-12-01: 2025/2026 past,
# 2026/2027 current, 2027/2028 next).
_PAST_YEAR, _CURRENT_YEAR, _NEXT_YEAR = season_start_years(timezone.localdate())
PAST, CURRENT, NEXT = (season_label(year) for year in (_PAST_YEAR, _CURRENT_YEAR, _NEXT_YEAR))


# --- Writing without rewriting ---------------------------------------------------------------


def _stored(instance: models.Model, name: str):
    field_ = instance._meta.get_field(name)
    return getattr(instance, field_.attname) if field_.is_relation else getattr(instance, name)


def _wanted(instance: models.Model, name: str, value):
    field_ = instance._meta.get_field(name)
    if field_.is_relation and isinstance(value, models.Model):
        return value.pk
    return value


def upsert(
    model: type[models.Model], lookup: dict, values: dict | None = None, *, on_create: dict | None = None
):
    """Find the row by ``lookup``; create it, or save it only if one of ``values`` differs.

    ``on_create`` holds values given only to a new row (dates relative to the first run).
    """
    values = values or {}
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values, **(on_create or {}))
        instance.save()
        return instance
    changed = False
    for name, value in values.items():
        if _stored(instance, name) != _wanted(instance, name, value):
            setattr(instance, name, value)
            changed = True
    if changed:
        instance.save()
    return instance


def ensure_user(*, identifier: str, site: Site | None, password: str, **values) -> User:
    user = upsert(User, {"site": site, "identifier": identifier}, values)
    # Hash only when the password is not already this one: the stored hash stays the same.
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


# --- The conservatories ----------------------------------------------------------------------

SITES = {
    "malakoff": {
        "name": "Conservatoire de Malakoff",
        "address": "12 rue Béranger",
        "postal_code": "92240",
        "city": "Malakoff",
        "contact_email": "conservatoire@malakoff.example.fr",
        "contact_phone": "0146540001",
        "house_rules_version": "2026-1",
        "sepa_creditor_name": "Conservatoire de Malakoff",
        "sepa_creditor_identifier": "FR12ZZZ812345",
        "sepa_iban": "FR7630001007941234567890185",
        "sepa_bic": "BDFEFRPPCCT",
        "accessibility_status": "partial",
    },
    "sevre-loire": {
        "name": "École de musique Sèvre Loire",
        "address": "3 place de la Mairie",
        "postal_code": "44190",
        "city": "Clisson",
        "contact_email": "ecole-musique@sevre-loire.example.fr",
        "contact_phone": "0240360002",
        "house_rules_version": "2025-2",
        "sepa_creditor_name": "École de musique Sèvre Loire",
        "sepa_creditor_identifier": "FR34ZZZ834567",
        "sepa_iban": "FR7630006000011234567890189",
        "sepa_bic": "AGRIFRPP847",
        "accessibility_status": "partial",
    },
}

POLES = {
    "malakoff": [("Pôle Malakoff", "12 rue Béranger, 92240 Malakoff")],
    "sevre-loire": [
        ("Pôle Loire", "3 place de la Mairie, 44190 Clisson"),
        ("Pôle Sèvre", "8 rue des Halles, 44190 Gétigné"),
    ],
}

SEASONS = [
    (season_label(year), datetime.date(year, 9, 1), datetime.date(year + 1, 6, 30))
    for year in (_PAST_YEAR, _CURRENT_YEAR, _NEXT_YEAR)
]

DISCIPLINES = [
    ("eveil-musical", "Éveil musical", False),
    ("parcours-decouverte", "Parcours découverte", False),
    ("piano", "Piano", False),
    ("violon", "Violon", False),
    ("violoncelle", "Violoncelle", False),
    ("guitare", "Guitare", False),
    ("flute-traversiere", "Flûte traversière", False),
    ("formation-musicale", "Formation musicale", False),
    ("choeur", "Chœur", False),
    ("orchestre", "Orchestre", False),
    ("danse-classique", "Danse classique", True),
    ("danse-contemporaine", "Danse contemporaine", True),
]


@dataclass(frozen=True)
class CourseSpec:
    name: str
    discipline: str
    cycle: str | None
    category: str
    teacher: str
    weekday: int
    starts: str
    ends: str
    room: str
    capacity: int
    min_age: int | None = None
    max_age: int | None = None
    beginners: bool = True
    semester: int | None = None


C = CourseCategory
W = Weekday

# fmt: off
MALAKOFF_COURSES = [
    CourseSpec("Éveil musical 4-5 ans", "eveil-musical", "Éveil", C.EVEIL, "Mme Lemoine", W.WEDNESDAY, "10:00", "10:45", "Salle Ravel", 12, 4, 5),
    CourseSpec("Éveil musique et danse 5-6 ans", "eveil-musical", "Éveil", C.EVEIL, "Mme Lemoine", W.WEDNESDAY, "11:00", "11:45", "Studio de danse", 3, 5, 6),
    CourseSpec("Parcours découverte 1 – cordes", "parcours-decouverte", "Initiation", C.DISCOVERY, "M. Faure", W.WEDNESDAY, "14:00", "15:00", "Salle Ravel", 8, 6, 8, semester=1),
    CourseSpec("Parcours découverte 2 – vents", "parcours-decouverte", "Initiation", C.DISCOVERY, "Mme Perrin", W.WEDNESDAY, "14:00", "15:00", "Salle Debussy", 8, 6, 8, semester=2),
    CourseSpec("Piano cycle 1", "piano", "Cycle 1", C.INSTRUMENT, "Mme Girard", W.MONDAY, "17:00", "17:30", "Salle 4", 6, 7, 13),
    CourseSpec("Piano cycle 2", "piano", "Cycle 2", C.INSTRUMENT, "Mme Girard", W.TUESDAY, "17:30", "18:15", "Salle 4", 3, 10, 17, beginners=False),
    CourseSpec("Violon cycle 1", "violon", "Cycle 1", C.INSTRUMENT, "M. Roussel", W.THURSDAY, "17:00", "17:30", "Salle 2", 5, 7, 13),
    CourseSpec("Violoncelle cycle 1", "violoncelle", "Cycle 1", C.INSTRUMENT, "Mme Caron", W.FRIDAY, "17:00", "17:30", "Salle 2", 4, 7, 13),
    CourseSpec("Guitare cycle 1", "guitare", "Cycle 1", C.INSTRUMENT, "M. Mercier", W.WEDNESDAY, "16:00", "16:30", "Salle 6", 6, 7, 15),
    CourseSpec("Flûte traversière cycle 1", "flute-traversiere", "Cycle 1", C.INSTRUMENT, "Mme Perrin", W.SATURDAY, "10:00", "10:30", "Salle Debussy", 4, 7, 13),
    CourseSpec("Formation musicale cycle 1", "formation-musicale", "Cycle 1", C.CULTURE, "M. Blanc", W.WEDNESDAY, "15:00", "16:00", "Salle Debussy", 15, 7, 11),
    CourseSpec("Formation musicale cycle 2", "formation-musicale", "Cycle 2", C.CULTURE, "M. Blanc", W.SATURDAY, "11:00", "12:15", "Salle Debussy", 15, 10, 16, beginners=False),
    CourseSpec("Chœur d'enfants", "choeur", None, C.COLLECTIVE, "Mme Fontaine", W.WEDNESDAY, "17:00", "18:00", "Auditorium", 25, 8, 14),
    CourseSpec("Orchestre à cordes", "orchestre", "Cycle 2", C.COLLECTIVE, "M. Roussel", W.SATURDAY, "14:00", "15:30", "Auditorium", 20, 10, 18, beginners=False),
    CourseSpec("Danse classique initiation", "danse-classique", "Initiation", C.INSTRUMENT, "Mme Morel", W.WEDNESDAY, "13:30", "14:30", "Studio de danse", 14, 6, 8),
    CourseSpec("Danse classique cycle 1", "danse-classique", "Cycle 1", C.INSTRUMENT, "Mme Morel", W.SATURDAY, "09:30", "11:00", "Studio de danse", 2, 8, 12, beginners=False),
    CourseSpec("Danse contemporaine cycle 1", "danse-contemporaine", "Cycle 1", C.INSTRUMENT, "M. Chevalier", W.TUESDAY, "18:00", "19:30", "Studio de danse", 12, 9, 14),
    CourseSpec("Piano adultes", "piano", "Adultes", C.ADULT, "Mme Girard", W.THURSDAY, "19:00", "19:45", "Salle 4", 3, 18, None),
    CourseSpec("Chœur adultes", "choeur", "Adultes", C.ADULT, "Mme Fontaine", W.MONDAY, "20:00", "21:30", "Auditorium", 30, 18, None),
]

LOIRE_COURSES = [
    CourseSpec("Éveil musical 5-6 ans", "eveil-musical", "Éveil", C.EVEIL, "Mme Guérin", W.WEDNESDAY, "10:00", "10:45", "Salle 1", 10, 5, 6),
    CourseSpec("Parcours 1 – percussions", "parcours-decouverte", "Initiation", C.DISCOVERY, "M. Baron", W.WEDNESDAY, "14:00", "15:00", "Salle 2", 8, 6, 8, semester=1),
    CourseSpec("Parcours 3 – claviers", "parcours-decouverte", "Initiation", C.DISCOVERY, "Mme Guérin", W.WEDNESDAY, "14:00", "15:00", "Salle 1", 8, 6, 8, semester=2),
    CourseSpec("Piano cycle 1", "piano", "Cycle 1", C.INSTRUMENT, "Mme Renaud", W.TUESDAY, "17:00", "17:30", "Salle 3", 5, 7, 14),
    CourseSpec("Guitare cycle 1", "guitare", "Cycle 1", C.INSTRUMENT, "M. Baron", W.THURSDAY, "17:30", "18:00", "Salle 2", 6, 7, 15),
    CourseSpec("Formation musicale cycle 1", "formation-musicale", "Cycle 1", C.CULTURE, "Mme Renaud", W.WEDNESDAY, "16:00", "17:00", "Salle 1", 14, 7, 11),
    CourseSpec("Chœur d'enfants", "choeur", None, C.COLLECTIVE, "Mme Guérin", W.WEDNESDAY, "17:00", "18:00", "Salle 1", 20, 7, 12),
    CourseSpec("Guitare adultes", "guitare", "Adultes", C.ADULT, "M. Baron", W.MONDAY, "19:00", "20:00", "Salle 2", 3, 18, None, beginners=False),
]

SEVRE_COURSES = [
    CourseSpec("Éveil musical 4-5 ans", "eveil-musical", "Éveil", C.EVEIL, "Mme Lucas", W.SATURDAY, "10:00", "10:45", "Salle A", 10, 4, 5),
    CourseSpec("Parcours 2 – cordes", "parcours-decouverte", "Initiation", C.DISCOVERY, "M. Robin", W.WEDNESDAY, "10:00", "11:00", "Salle B", 6, 6, 8, semester=1),
    CourseSpec("Parcours 4 – vents", "parcours-decouverte", "Initiation", C.DISCOVERY, "Mme Lucas", W.WEDNESDAY, "10:00", "11:00", "Salle A", 6, 6, 8, semester=2),
    CourseSpec("Violon cycle 1", "violon", "Cycle 1", C.INSTRUMENT, "M. Robin", W.MONDAY, "17:00", "17:30", "Salle B", 5, 7, 14),
    CourseSpec("Flûte traversière cycle 1", "flute-traversiere", "Cycle 1", C.INSTRUMENT, "Mme Lucas", W.THURSDAY, "17:00", "17:30", "Salle A", 4, 7, 14),
    CourseSpec("Formation musicale cycle 1", "formation-musicale", "Cycle 1", C.CULTURE, "M. Robin", W.WEDNESDAY, "14:00", "15:00", "Salle A", 14, 7, 11),
    CourseSpec("Orchestre junior", "orchestre", "Cycle 1", C.COLLECTIVE, "M. Robin", W.SATURDAY, "11:00", "12:30", "Salle A", 18, 9, 15, beginners=False),
]
# fmt: on

COURSES = {
    ("malakoff", "Pôle Malakoff"): MALAKOFF_COURSES,
    ("sevre-loire", "Pôle Loire"): LOIRE_COURSES,
    ("sevre-loire", "Pôle Sèvre"): SEVRE_COURSES,
}


def _time(text: str) -> datetime.time:
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def _local(day: datetime.date, hour: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class Catalogue:
    """What the demo built, handed to the family builders."""

    sites: dict[str, Site] = field(default_factory=dict)
    poles: dict[tuple[str, str], Pole] = field(default_factory=dict)
    seasons: dict[str, Season] = field(default_factory=dict)
    courses: dict[tuple[str, str, str], Course] = field(default_factory=dict)  # (season, pole, name)
    disciplines: dict[str, Discipline] = field(default_factory=dict)

    def course(self, season: str, pole: str, name: str) -> Course:
        return self.courses[(season, pole, name)]


def build_sites(catalogue: Catalogue) -> None:
    for slug, values in SITES.items():
        site = upsert(Site, {"slug": slug}, values)
        catalogue.sites[slug] = site
        for name, address in POLES[slug]:
            catalogue.poles[(slug, name)] = upsert(Pole, {"site": site, "name": name}, {"address": address})


MANDATE_CODE = "mandat-prelevement"  # fixtures/document_types.json


def build_house_rules(catalogue: Catalogue) -> None:
    """Each demo site's règlement intérieur, and the blank SEPA mandate the Documents page
    offers, as PDFs made by the project; kept once made (running again changes nothing)."""
    for site in catalogue.sites.values():
        if not site.house_rules:
            filename, content = house_rules_pdf(site)
            site.house_rules.save(filename, ContentFile(content), save=True)
    mandate = DocumentType.objects.filter(code=MANDATE_CODE).first()
    if mandate is not None and not mandate.blank_form:
        filename, content = blank_mandate_pdf(catalogue.sites["malakoff"])
        mandate.blank_form.save(filename, ContentFile(content), save=True)


def build_seasons(catalogue: Catalogue) -> None:
    # Only one current and one next season may exist: move the flags to the demo's seasons.
    Season.objects.exclude(label=CURRENT).filter(is_current=True).update(is_current=False)
    Season.objects.exclude(label=NEXT).filter(is_next=True).update(is_next=False)
    for label, starts_on, ends_on in SEASONS:
        values = {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "is_current": label == CURRENT,
            "is_next": label == NEXT,
        }
        catalogue.seasons[label] = upsert(Season, {"label": label}, values)


def build_courses(catalogue: Catalogue) -> None:
    for slug, name, is_dance in DISCIPLINES:
        catalogue.disciplines[slug] = upsert(Discipline, {"slug": slug}, {"name": name, "is_dance": is_dance})
    cycles = {cycle.name: cycle for cycle in Cycle.objects.all()}
    for (site_slug, pole_name), specs in COURSES.items():
        pole = catalogue.poles[(site_slug, pole_name)]
        for spec in specs:
            previous = None
            for label, _start, _end in SEASONS:
                values = {
                    "discipline": catalogue.disciplines[spec.discipline],
                    "cycle": cycles.get(spec.cycle) if spec.cycle else None,
                    "category": spec.category,
                    "semester": spec.semester,
                    "teacher_name": spec.teacher,
                    "weekday": spec.weekday,
                    "starts_at": _time(spec.starts),
                    "ends_at": _time(spec.ends),
                    "room": spec.room,
                    "capacity": spec.capacity,
                    "min_age": spec.min_age,
                    "max_age": spec.max_age,
                    "beginners_allowed": spec.beginners,
                    "continues": previous,
                }
                course = upsert(
                    Course, {"season": catalogue.seasons[label], "pole": pole, "name": spec.name}, values
                )
                catalogue.courses[(label, pole_name, spec.name)] = course
                previous = course


def next_saturday(after: datetime.date) -> datetime.date:
    """The first Saturday after ``after``: a demo date written with its weekday stays true."""
    return after + datetime.timedelta(days=(5 - after.weekday()) % 7 or 7)


def build_news(catalogue: Catalogue, *, now: datetime.datetime) -> None:
    malakoff, sevre_loire = catalogue.sites["malakoff"], catalogue.sites["sevre-loire"]
    audition = long_date(
        next_saturday(timezone.localdate(now) + datetime.timedelta(days=14)), with_weekday=True
    )
    items = [
        (
            malakoff,
            f"Réinscriptions {NEXT} ouvertes",
            f"Les réinscriptions pour l'année {NEXT} sont ouvertes. Pour chaque élève, ouvrez l'onglet "
            "Élèves puis Réinscription, cochez les cours à poursuivre, acceptez le règlement intérieur "
            "et validez. Pensez à déposer le certificat médical pour la danse et l'attestation de "
            "quotient familial dans Documents fournis.",
            now - datetime.timedelta(days=2),
            None,
        ),
        (
            malakoff,
            "Audition de piano",
            f"Les élèves de piano jouent à l'auditorium le {audition} à 15 h. Entrée libre, venez nombreux !",
            now - datetime.timedelta(days=10),
            None,
        ),
        (
            malakoff,
            "Fermeture pendant les vacances d'hiver",
            "Le secrétariat est fermé pendant les vacances d'hiver. Les cours reprennent à la rentrée.",
            now - datetime.timedelta(days=120),
            now - datetime.timedelta(days=90),
        ),
        (
            sevre_loire,
            "Réinscriptions : bientôt",
            f"La campagne de réinscription pour {NEXT} ouvrira prochainement. Vérifiez dès maintenant "
            "vos coordonnées dans l'onglet Famille et vos documents : sans attestation de quotient "
            "familial, le tarif maximal s'applique.",
            now - datetime.timedelta(days=3),
            None,
        ),
        (
            sevre_loire,
            "Concert des élèves au Pôle Sèvre",
            "L'orchestre junior et les classes de violon et de flûte donnent leur concert de fin d'année "
            "à la salle des fêtes de Gétigné.",
            now - datetime.timedelta(days=8),
            None,
        ),
    ]
    for site, title, body, published_at, expires_at in items:
        upsert(
            News,
            {"site": site, "title": title},
            {"body": body},
            on_create={"published_at": published_at, "expires_at": expires_at},
        )


def build_windows(catalogue: Catalogue, *, now: datetime.datetime) -> None:
    """Malakoff's window for the next season is open whenever the demo is seeded; Sèvre Loire's is not yet."""
    next_season = catalogue.seasons[NEXT]
    today = timezone.localdate(now)
    window = ReenrolmentWindow.objects.filter(site=catalogue.sites["malakoff"], season=next_season).first()
    if window is None or not window.is_open(now) or window.closes_at < now + datetime.timedelta(days=14):
        opens_at = _local(today - datetime.timedelta(days=3), 9)
        upsert(
            ReenrolmentWindow,
            {"site": catalogue.sites["malakoff"], "season": next_season},
            {"opens_at": opens_at, "closes_at": _local(today + datetime.timedelta(days=42), 23)},
        )
    window = ReenrolmentWindow.objects.filter(site=catalogue.sites["sevre-loire"], season=next_season).first()
    if window is None or window.opens_at < now + datetime.timedelta(days=7):
        opens_at = _local(today + datetime.timedelta(days=30), 9)
        upsert(
            ReenrolmentWindow,
            {"site": catalogue.sites["sevre-loire"], "season": next_season},
            {"opens_at": opens_at, "closes_at": _local(today + datetime.timedelta(days=72), 23)},
        )


# --- The demo families -----------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianSpec:
    identifier: str
    civility: str
    first_name: str
    last_name: str
    relationship: str
    situation: str
    profession: str
    pcs: str
    email: str
    mobile: str
    is_payer: bool = False
    home: tuple[str, str, str] | None = None  # (address, postal code, city) when not the family's


@dataclass(frozen=True)
class StudentSpec:
    first_name: str
    civility: str | None
    birth_date: datetime.date
    birth_place: str
    pole: str
    schools: dict[str, tuple[str, str]]  # season → (school, level code)
    courses: dict[str, list[str]]  # season → course names (past ones are completed)
    repertoire: list[tuple[str, str, str, str]] = ()  # (season, discipline slug, work, composer)
    image_rights: bool | None = True


@dataclass(frozen=True)
class FamilySpec:
    site: str
    reference: str
    name: str
    address: str
    postal_code: str
    city: str
    payment_means: str
    billing_mode: int
    quotient: int | None
    guardians: list[GuardianSpec]
    students: list[StudentSpec]


# fmt: off
DEMO_FAMILIES = [
    FamilySpec(
        site="malakoff", reference="DEMO", name="DEMO", address="12 rue Gabriel Crié", postal_code="92240",
        city="Malakoff", payment_means="direct_debit", billing_mode=BillingMode.THREE, quotient=1150,
        guardians=[
            GuardianSpec("famille.demo", "mme", "Claire", "Demo", Membership.Relationship.MOTHER,
                         FamilySituation.MARRIED, "Infirmière", "43", "claire.demo@example.fr", "0612345678",
                         is_payer=True),
            GuardianSpec("famille.demo2", "m", "Julien", "Demo", Membership.Relationship.FATHER,
                         FamilySituation.MARRIED, "Technicien de maintenance", "47", "julien.demo@example.fr",
                         "0698765432"),
        ],
        students=[
            StudentSpec(
                "Emma", "mlle", datetime.date(2013, 4, 12), "Clamart", "Pôle Malakoff",
                schools={PAST: ("Collège Paul Bert", "6e"), CURRENT: ("Collège Paul Bert", "5e"),
                         NEXT: ("Collège Paul Bert", "4e")},
                courses={PAST: ["Piano cycle 1", "Formation musicale cycle 1", "Chœur d'enfants"],
                         CURRENT: ["Piano cycle 2", "Formation musicale cycle 2", "Chœur d'enfants"]},
                repertoire=[
                    (PAST, "piano", "Sonatine op. 36 n° 1", "Muzio Clementi"),
                    (PAST, "piano", "Lettre à Élise", "Ludwig van Beethoven"),
                    (CURRENT, "piano", "Gymnopédie n° 1", "Erik Satie"),
                    (CURRENT, "piano", "Children's Corner : The Little Shepherd", "Claude Debussy"),
                    (CURRENT, "choeur", "Le Chant des oiseaux", "Clément Janequin"),
                ],
            ),
            StudentSpec(
                "Léo", "m", datetime.date(2016, 10, 3), "Malakoff", "Pôle Malakoff",
                schools={PAST: ("École Paul Langevin", "ce2"), CURRENT: ("École Paul Langevin", "cm1"),
                         NEXT: ("École Paul Langevin", "cm2")},
                courses={PAST: ["Danse classique initiation"], CURRENT: ["Danse classique cycle 1"]},
                repertoire=[(CURRENT, "danse-classique", "Variation de la Belle au bois dormant",
                             "Piotr Tchaïkovski")],
            ),
            StudentSpec(
                "Jeanne", "mlle", datetime.date(2019, 6, 21), "Malakoff", "Pôle Malakoff",
                schools={CURRENT: ("École Paul Langevin", "cp"), NEXT: ("École Paul Langevin", "ce1")},
                courses={}, image_rights=None,
            ),
        ],
    ),
    FamilySpec(
        site="malakoff", reference="VOISIN", name="VOISIN", address="5 avenue Pierre Larousse",
        postal_code="92240", city="Malakoff", payment_means="cheque", billing_mode=BillingMode.ONCE, quotient=None,
        guardians=[
            GuardianSpec("famille.voisin", "m", "Marc", "Voisin", Membership.Relationship.FATHER,
                         FamilySituation.COHABITING, "Comptable", "46", "marc.voisin@example.fr", "0711223344",
                         is_payer=True),
        ],
        students=[
            StudentSpec(
                "Inès", "mlle", datetime.date(2012, 1, 15), "Paris 14e", "Pôle Malakoff",
                schools={CURRENT: ("Collège Henri Wallon", "4e"), NEXT: ("Collège Henri Wallon", "3e")},
                courses={PAST: ["Guitare cycle 1"], CURRENT: ["Guitare cycle 1", "Formation musicale cycle 2"]},
                repertoire=[(CURRENT, "guitare", "Romance anonyme", "Anonyme"),
                            (CURRENT, "guitare", "Étude en mi mineur", "Francisco Tárrega")],
            ),
            StudentSpec(
                "Noah", "m", datetime.date(2015, 7, 2), "Paris 14e", "Pôle Malakoff",
                schools={CURRENT: ("École Jean Jaurès", "cm2"), NEXT: ("Collège Henri Wallon", "6e")},
                courses={PAST: ["Danse classique initiation"], CURRENT: ["Danse classique cycle 1"]},
                image_rights=False,
            ),
        ],
    ),
    # Separated parents: Thomas Moreau belongs to his children's household with their mother
    # and to his own, where his elder son lives.
    FamilySpec(
        site="sevre-loire", reference="LOIRE", name="LOIRE", address="14 rue de la Garenne", postal_code="44190",
        city="Clisson", payment_means="holiday_vouchers", billing_mode=BillingMode.EIGHT, quotient=620,
        guardians=[
            GuardianSpec("famille.loire", "mme", "Sophie", "Loire", Membership.Relationship.MOTHER,
                         FamilySituation.SEPARATED, "Professeure des écoles", "42", "sophie.loire@example.fr",
                         "0622334455", is_payer=True),
            GuardianSpec("famille.moreau", "m", "Thomas", "Moreau", Membership.Relationship.FATHER,
                         FamilySituation.SEPARATED, "Artisan menuisier", "21", "thomas.moreau@example.fr",
                         "0633445566", home=("2 impasse des Vignes", "44190", "Gétigné")),
        ],
        students=[
            StudentSpec(
                "Léa", "mlle", datetime.date(2014, 2, 8), "Nantes", "Pôle Loire",
                schools={CURRENT: ("Collège Immaculée Conception", "6e"),
                         NEXT: ("Collège Immaculée Conception", "5e")},
                courses={PAST: ["Piano cycle 1", "Formation musicale cycle 1"],
                         CURRENT: ["Piano cycle 1", "Formation musicale cycle 1", "Chœur d'enfants"]},
                repertoire=[(CURRENT, "piano", "Album pour la jeunesse : Mélodie", "Robert Schumann")],
            ),
            StudentSpec(
                "Tom", "m", datetime.date(2018, 11, 30), "Nantes", "Pôle Loire",
                schools={CURRENT: ("École du Val de Moine", "ce1"), NEXT: ("École du Val de Moine", "ce2")},
                courses={CURRENT: ["Parcours 1 – percussions"]},
            ),
        ],
    ),
    FamilySpec(
        site="sevre-loire", reference="MOREAU", name="MOREAU", address="2 impasse des Vignes", postal_code="44190",
        city="Gétigné", payment_means="card", billing_mode=BillingMode.ONCE, quotient=None,
        guardians=[
            GuardianSpec("famille.moreau", "m", "Thomas", "Moreau", Membership.Relationship.FATHER,
                         FamilySituation.SEPARATED, "Artisan menuisier", "21", "thomas.moreau@example.fr",
                         "0633445566", is_payer=True),
        ],
        students=[
            StudentSpec(
                "Hugo", "m", datetime.date(2011, 5, 17), "Cholet", "Pôle Sèvre",
                schools={CURRENT: ("Collège Cacault", "3e"), NEXT: ("Lycée Charles Péguy", "2nde")},
                courses={PAST: ["Violon cycle 1"], CURRENT: ["Violon cycle 1", "Orchestre junior"]},
            ),
        ],
    ),
    FamilySpec(
        site="sevre-loire", reference="GIRAUD", name="GIRAUD", address="27 route de Nantes", postal_code="44190",
        city="Gorges", payment_means="direct_debit", billing_mode=BillingMode.THREE, quotient=890,
        guardians=[
            GuardianSpec("famille.giraud", "mme", "Nadia", "Giraud", Membership.Relationship.MOTHER,
                         FamilySituation.SINGLE, "Aide-soignante", "52", "nadia.giraud@example.fr", "0644556677",
                         is_payer=True),
        ],
        students=[
            StudentSpec(
                "Adam", "m", datetime.date(2021, 3, 9), "Clisson", "Pôle Sèvre",
                schools={CURRENT: ("École Saint-Joseph", "ms"), NEXT: ("École Saint-Joseph", "gs")},
                courses={CURRENT: ["Éveil musical 4-5 ans"]},
            ),
        ],
    ),
]
# fmt: on


def build_families(catalogue: Catalogue) -> list[Family]:
    civilities = {c.code: c for c in Civility.objects.all()}
    means = {m.code: m for m in PaymentMeans.objects.all()}
    levels = {level.code: level for level in SchoolLevel.objects.all()}
    categories = {pcs.code: pcs for pcs in SocioProfessionalCategory.objects.all()}
    families = []
    for spec in DEMO_FAMILIES:
        site = catalogue.sites[spec.site]
        family = upsert(
            Family,
            {"site": site, "external_reference": spec.reference},
            {
                "name": spec.name,
                "address": spec.address,
                "postal_code": spec.postal_code,
                "city": spec.city,
                "payment_means": means[spec.payment_means],
                "billing_mode": spec.billing_mode,
                "family_quotient": spec.quotient,
            },
        )
        families.append(family)
        for guardian_spec in spec.guardians:
            address, postal_code, city = guardian_spec.home or (spec.address, spec.postal_code, spec.city)
            user = ensure_user(
                identifier=guardian_spec.identifier,
                site=site,
                password=DEMO_PASSWORD,
                first_name=guardian_spec.first_name,
                last_name=guardian_spec.last_name,
                email=guardian_spec.email,
            )
            guardian = upsert(
                Guardian,
                {"user": user},
                {
                    "site": site,
                    "civility": civilities[guardian_spec.civility],
                    "first_name": guardian_spec.first_name,
                    "last_name": guardian_spec.last_name,
                    "family_situation": guardian_spec.situation,
                    "profession": guardian_spec.profession,
                    "socio_professional_category": categories[guardian_spec.pcs],
                    "address": address,
                    "postal_code": postal_code,
                    "city": city,
                    "email": guardian_spec.email,
                    "mobile": guardian_spec.mobile,
                },
            )
            upsert(
                Membership,
                {"family": family, "guardian": guardian},
                {"relationship": guardian_spec.relationship, "is_payer": guardian_spec.is_payer},
            )
        for student_spec in spec.students:
            build_student(catalogue, family, student_spec, civilities=civilities, levels=levels)
    return families


def build_student(catalogue: Catalogue, family: Family, spec: StudentSpec, *, civilities, levels) -> Student:
    student = upsert(
        Student,
        {"family": family, "first_name": spec.first_name},
        {
            "last_name": family.name,
            "civility": civilities[spec.civility] if spec.civility else None,
            "birth_date": spec.birth_date,
            "birth_place": spec.birth_place,
            "image_rights": spec.image_rights,
        },
    )
    for label, (school, level) in spec.schools.items():
        upsert(
            SchoolRecord,
            {"student": student, "season": catalogue.seasons[label]},
            {"school_name": school, "school_level": levels[level]},
        )
    for label, names in spec.courses.items():
        status = Enrolment.Status.COMPLETED if label == PAST else Enrolment.Status.ACTIVE
        season = catalogue.seasons[label]
        for name in names:
            course = catalogue.course(label, spec.pole, name)
            upsert(
                Enrolment,
                {"student": student, "course": course},
                {"season": season, "status": status},
                on_create={"created_at": _local(season.starts_on, 10) - datetime.timedelta(days=60)},
            )
    for label, discipline, work, composer in spec.repertoire:
        upsert(
            RepertoireEntry,
            {"student": student, "season": catalogue.seasons[label], "work": work},
            {"discipline": catalogue.disciplines[discipline], "composer": composer},
        )
    return student


# Each conservatory has its own secretariat, who sees only its own families.
SECRETARIATS = [
    ("secretariat", "Nathalie", "Roux", "secretariat@malakoff.example.fr", "malakoff"),
    ("secretariat.loire", "Karim", "Benali", "secretariat@sevre-loire.example.fr", "sevre-loire"),
]


def build_staff() -> None:
    group, _count = setup_secretariat_group()
    for identifier, first_name, last_name, email, site_slug in SECRETARIATS:
        secretariat = ensure_user(
            identifier=identifier,
            site=None,
            password=SECRETARIAT_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_staff=True,
            is_superuser=False,
            all_sites=False,
        )
        secretariat.groups.add(group)
        secretariat.managed_sites.set(Site.objects.filter(slug=site_slug))
    ensure_user(
        identifier="admin",
        site=None,
        password=ADMIN_PASSWORD,
        first_name="Admin",
        last_name="Tutti",
        email="admin@tutti.example.fr",
        is_staff=True,
        is_superuser=True,
    )


@dataclass(frozen=True)
class DemoSummary:
    sites: int
    courses: int
    families: int
    students: int
    documents: int = 0  # created by this run
    dossiers: int = 0  # created by this run
    invoices: int = 0  # issued by this run


def build_demo(*, now: datetime.datetime | None = None) -> DemoSummary:
    """Create or bring up to date the whole demo conservatory (idempotent)."""
    now = now or timezone.now()
    catalogue = Catalogue()
    with transaction.atomic():
        build_sites(catalogue)
        build_house_rules(catalogue)
        build_seasons(catalogue)
        build_courses(catalogue)
        build_news(catalogue, now=now)
        build_windows(catalogue, now=now)
        families = build_families(catalogue)
        build_staff()
    # Documents and re-enrolment dossiers belong to their apps; each seeds its own demo rows
    # (idempotent) once the families, courses and the open window exist.
    documents = seed_documents()
    dossiers = seed_reenrolments(now=now)
    seed_school_year(now=now)
    billing = seed_billing(
        current=catalogue.seasons[CURRENT],
        following=catalogue.seasons[NEXT],
        families=families,
        today=timezone.localdate(now),
    )
    return DemoSummary(
        sites=len(catalogue.sites),
        courses=len(catalogue.courses),
        families=len(families),
        students=Student.objects.filter(family__in=families).count(),
        documents=documents,
        dossiers=dossiers,
        invoices=billing.invoices,
    )


# --- Generated families ----------------------------------------------------------------------

# fmt: off
FIRST_NAMES_F = ["Camille", "Chloé", "Manon", "Léa", "Inès", "Louise", "Jade", "Alice", "Lina", "Rose", "Anna",
                 "Zoé", "Mila", "Julia", "Sarah", "Lucie", "Nina", "Agathe", "Margaux", "Salomé"]
FIRST_NAMES_M = ["Lucas", "Hugo", "Gabriel", "Louis", "Arthur", "Jules", "Adam", "Raphaël", "Nathan", "Paul",
                 "Tom", "Sacha", "Noé", "Ethan", "Victor", "Maël", "Samuel", "Antoine", "Malo", "Théo"]
LAST_NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
              "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
              "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure",
              "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand",
              "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel",
              "Mathieu", "Gautier", "Masson", "Nguyen", "Benali", "Diallo", "Haddad", "Da Silva", "Kowalski"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "rue Pasteur", "allée des Tilleuls",
           "boulevard Gambetta", "rue des Écoles", "chemin du Moulin", "place de l'Église", "rue du Stade"]
PROFESSIONS = [("Enseignant", "34"), ("Infirmier", "43"), ("Ingénieur", "38"), ("Employé de banque", "54"),
               ("Commerçant", "22"), ("Agent territorial", "52"), ("Médecin", "31"), ("Technicien", "47"),
               ("Cadre commercial", "37"), ("Artisan", "21"), ("Sans activité", "85"), ("Retraité", "7")]
SITE_CITIES = {"malakoff": [("92240", "Malakoff"), ("92170", "Vanves"), ("92320", "Châtillon")],
               "sevre-loire": [("44190", "Clisson"), ("44190", "Gétigné"), ("44190", "Gorges"), ("44330", "Vallet")]}
LEVEL_BY_AGE = {3: "ps", 4: "ms", 5: "gs", 6: "cp", 7: "ce1", 8: "ce2", 9: "cm1", 10: "cm2", 11: "6e", 12: "5e",
                13: "4e", 14: "3e", 15: "2nde", 16: "1ere", 17: "tle"}
# fmt: on


def _age(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _fits(course: Course, age: int) -> bool:
    return (course.min_age is None or age >= course.min_age) and (
        course.max_age is None or age <= course.max_age
    )


def next_generated_number() -> int:
    """The number after the highest generated family, whatever site it is on."""
    last = (
        Family.objects.filter(external_reference__startswith=GENERATED_PREFIX)
        .order_by("-external_reference")
        .values_list("external_reference", flat=True)
        .first()
    )
    return int(last.removeprefix(GENERATED_PREFIX)) + 1 if last else 1


@dataclass
class GeneratedSummary:
    families: int = 0
    guardians: int = 0
    students: int = 0
    enrolments: int = 0


class FamilyGenerator:
    """Builds believable families in memory and inserts them with bulk_create, batch by batch."""

    def __init__(self, *, seed: int):
        self.random = random.Random(seed)
        self.current = Season.objects.get(label=CURRENT)
        self.past = Season.objects.get(label=PAST)
        self.sites = list(Site.objects.filter(slug__in=SITES).order_by("slug"))
        self.site_weights = [70 if site.slug == "malakoff" else 30 for site in self.sites]
        self.poles = {site.pk: list(site.poles.order_by("name")) for site in self.sites}
        courses = Course.objects.filter(season=self.current, pole__site__in=self.sites).order_by("pk")
        self.courses_by_pole: dict[int, list[Course]] = {}
        for course in courses:
            self.courses_by_pole.setdefault(course.pole_id, []).append(course)
        self.civilities = {c.code: c for c in Civility.objects.all()}
        self.means = list(PaymentMeans.objects.order_by("order"))
        self.levels = {level.code: level for level in SchoolLevel.objects.all()}
        self.categories = {pcs.code: pcs for pcs in SocioProfessionalCategory.objects.all()}
        # One hash for every generated login: hashing is what makes user creation slow.
        self.password = make_password(DEMO_PASSWORD)

    def choose_courses(self, pole: Pole, age: int) -> list[Course]:
        fitting = [course for course in self.courses_by_pole.get(pole.pk, []) if _fits(course, age)]
        by_category: dict[str, list[Course]] = {}
        for course in fitting:
            by_category.setdefault(course.category, []).append(course)
        pick = self.random.choice
        if age >= 18:
            return [pick(by_category[C.ADULT])] if C.ADULT in by_category else []
        chosen = []
        for category in (C.EVEIL, C.DISCOVERY):
            if category in by_category and self.random.random() < 0.8:
                return [pick(by_category[category])]
        if C.INSTRUMENT in by_category:
            chosen.append(pick(by_category[C.INSTRUMENT]))
            if C.CULTURE in by_category and self.random.random() < 0.85:
                chosen.append(pick(by_category[C.CULTURE]))
            if C.COLLECTIVE in by_category and self.random.random() < 0.4:
                chosen.append(pick(by_category[C.COLLECTIVE]))
        elif C.COLLECTIVE in by_category:
            chosen.append(pick(by_category[C.COLLECTIVE]))
        return chosen

    def generate(self, start: int, count: int) -> GeneratedSummary:
        rnd = self.random
        now = timezone.now()
        users, guardians, families, memberships = [], [], [], []
        students, plans = [], []  # plans: (student index, pole, age)
        guardian_family: list[int] = []
        family_of_student: list[int] = []
        for offset in range(count):
            number = start + offset
            site = rnd.choices(self.sites, weights=self.site_weights)[0]
            pole = rnd.choice(self.poles[site.pk])
            last_name = rnd.choice(LAST_NAMES)
            postal_code, city = rnd.choice(SITE_CITIES.get(site.slug, [("92240", "Malakoff")]))
            address = f"{rnd.randint(1, 120)} {rnd.choice(STREETS)}"
            means = rnd.choice(self.means)
            families.append(
                Family(
                    site=site,
                    name=last_name.upper(),
                    external_reference=f"{GENERATED_PREFIX}{number:07d}",
                    address=address,
                    postal_code=postal_code,
                    city=city,
                    billing_mode=rnd.choice([1, 3, 8]),
                    payment_means=means,
                    family_quotient=rnd.choice([None, rnd.randint(300, 2500)]),
                )
            )
            family_index = len(families) - 1
            for rank in range(1 if rnd.random() < 0.3 else 2):
                female = rank == 0
                first_name = rnd.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
                identifier = f"gen{number:07d}.{rank + 1}"
                email = f"{identifier}@example.org"
                profession, pcs = rnd.choice(PROFESSIONS)
                users.append(
                    User(
                        site=site,
                        identifier=identifier,
                        first_name=first_name,
                        last_name=last_name,
                        email=email,
                        password=self.password,
                        date_joined=now,
                    )
                )
                guardians.append(
                    Guardian(
                        site=site,
                        civility=self.civilities["mme" if female else "m"],
                        last_name=last_name,
                        first_name=first_name,
                        family_situation=FamilySituation.MARRIED,
                        profession=profession,
                        socio_professional_category=self.categories.get(pcs),
                        address=address,
                        postal_code=postal_code,
                        city=city,
                        email=email,
                        mobile=f"06{rnd.randint(0, 99_999_999):08d}",
                    )
                )
                guardian_family.append(family_index)
                memberships.append(
                    Membership(
                        relationship=Membership.Relationship.MOTHER
                        if female
                        else Membership.Relationship.FATHER,
                        is_payer=rank == 0,
                    )
                )
            siblings: set[str] = set()
            for _child in range(rnd.choices([1, 2, 3, 4], weights=[40, 35, 18, 7])[0]):
                adult = rnd.random() < 0.08
                year = rnd.randint(1965, 2000) if adult else rnd.randint(2008, 2021)
                birth_date = datetime.date(year, rnd.randint(1, 12), rnd.randint(1, 28))
                girl = rnd.random() < 0.5
                first_name = rnd.choice(
                    [n for n in (FIRST_NAMES_F if girl else FIRST_NAMES_M) if n not in siblings]
                )
                siblings.add(first_name)
                students.append(
                    Student(
                        last_name=last_name.upper(),
                        first_name=first_name,
                        civility=self.civilities[("mme" if adult else "mlle") if girl else "m"],
                        birth_date=birth_date,
                        birth_place=city,
                        image_rights=rnd.choice([True, True, False, None]),
                    )
                )
                family_of_student.append(family_index)
                plans.append((len(students) - 1, pole, _age(birth_date, self.current.starts_on)))

        with transaction.atomic():
            User.objects.bulk_create(users)
            for guardian, user in zip(guardians, users, strict=True):
                guardian.user_id = user.pk
            Guardian.objects.bulk_create(guardians)
            Family.objects.bulk_create(families)
            for membership, guardian, family_index in zip(
                memberships, guardians, guardian_family, strict=True
            ):
                membership.guardian_id = guardian.pk
                membership.family_id = families[family_index].pk
            Membership.objects.bulk_create(memberships)
            for student, family_index in zip(students, family_of_student, strict=True):
                student.family_id = families[family_index].pk
            Student.objects.bulk_create(students)
            records, enrolments = [], []
            for index, pole, age in plans:
                student = students[index]
                level = self.levels.get(LEVEL_BY_AGE.get(age, "sup" if 18 <= age < 23 else "adulte"))
                if age >= 3:
                    records.append(
                        SchoolRecord(
                            student_id=student.pk,
                            season=self.current,
                            school_level=level,
                            school_name="" if age >= 18 else f"École de {pole.name.removeprefix('Pôle ')}",
                        )
                    )
                if rnd.random() < 0.1:
                    continue  # no course this year: "Aucun cours attribué"
                for course in self.choose_courses(pole, age):
                    enrolments.append(Enrolment(student_id=student.pk, course=course, season=self.current))
                    history = course.continues_id
                    if history and age >= 8 and rnd.random() < 0.6:
                        enrolments.append(
                            Enrolment(
                                student_id=student.pk,
                                course_id=history,
                                season=self.past,
                                status=Enrolment.Status.COMPLETED,
                                created_at=_local(self.past.starts_on, 10) - datetime.timedelta(days=60),
                            )
                        )
            SchoolRecord.objects.bulk_create(records)
            Enrolment.objects.bulk_create(enrolments)
        return GeneratedSummary(
            families=len(families),
            guardians=len(guardians),
            students=len(students),
            enrolments=len(enrolments),
        )


def add_generated_families(
    count: int, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
) -> GeneratedSummary:
    """Add ``count`` generated families after the last generated one, in batches."""
    start = next_generated_number()
    generator = FamilyGenerator(seed=start)
    total = GeneratedSummary()
    done = 0
    for size in _batches(count, batch_size):
        batch = generator.generate(start + done, size)
        done += size
        total.families += batch.families
        total.guardians += batch.guardians
        total.students += batch.students
        total.enrolments += batch.enrolments
        if progress:
            progress(done)
    return total


def _batches(count: int, size: int) -> Iterable[int]:
    while count > 0:
        yield min(size, count)
        count -= size
