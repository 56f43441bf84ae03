"""Load a conservatory's families from a CSV export of the old software (``import_families``).

The file
--------
UTF-8, with or without the byte-order mark spreadsheets add. Cells are separated by ``;`` or
``,`` (whichever the header row uses more; a first line ``sep=;`` as Excel writes it is
understood). One header row, then one row per person. The rows of a household share its
``reference_famille``; they need not follow each other. Header names are compared without
case, accents or spaces ("Référence famille" reads as ``reference_famille``). A column this
module does not know is an error, so that a misspelt header never drops data silently.

The columns, and what goes in each, are listed once in ``extranet/shell/import_columns.py``
(``manage.py import_families --help`` prints them).

Household columns (``nom_famille``, ``mode_paiement``, ``echeances``) may be filled on one row
of the household or repeated; two different values are an error. A household needs at least
one guardian row, and has at most one ``payeur``. Columns that do not apply to a row's type
(a guardian's ``date_naissance``, a pupil's ``profession``…) are ignored, except ``payeur`` and
``identifiant`` on a pupil row, which are errors. An empty cell never erases a stored value.

Every row is checked before anything is written, with the portal's own rules (postal code,
phones normalised as the Famille form does, email). Any problem is reported as one French line
with the line number and the column, and nothing is written at all.

Matching, so that importing the same file again changes nothing
---------------------------------------------------------------
* Households by site and ``reference_famille`` (``Family.external_reference``).
* Guardians by ``identifiant`` on the site; else by name within the household; else by email and
  name among the site's guardians (a separated parent listed in two households, in the file or
  already in the database, is one guardian with two memberships). Names are compared without
  case, accents or hyphens.
* Pupils by household, name and birth date (or name alone for a stored pupil with no birth date).

New guardians get a login with an unusable password: their first login goes through
``send_credentials`` or "Mot de passe perdu". A generated identifier is ``prenom.nom`` in
lower-case ASCII, followed by 2, 3… when the site already has it. Nothing is ever deleted and no
password is ever changed. The payer is the guardian marked ``payeur``; when none is, a household
that already has a payer keeps it, and a new one gets its first guardian.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from extranet.base import identity
from extranet.base.audit import changed
from extranet.base.dates import short_date
from extranet.base.errors import DomainError
from extranet.base.forms import FrenchEmailField, MobileField, PhoneField, PostalCodeField
from extranet.base.models import Civility, PaymentMeans, Site, SocioProfessionalCategory, User
from extranet.shell.import_columns import COLUMNS, REQUIRED_COLUMNS
from families.models import BillingMode, Family, Guardian, Membership
from students.models import Student

GUARDIAN = "responsable"
PUPIL = "eleve"

# Headers the old software (or a secretary) may write differently.
HEADER_ALIASES = {
    "e_mail": "email",
    "courriel": "email",
    "date_de_naissance": "date_naissance",
    "lieu_de_naissance": "lieu_naissance",
    "categorie_socio_professionnelle": "categorie_socioprofessionnelle",
}

# Where a guardian's columns go (a pupil's are read in _read_person).
GUARDIAN_FIELDS = {
    "civilite": "civility",
    "nom": "last_name",
    "prenom": "first_name",
    "email": "email",
    "telephone_domicile": "phone_home",
    "telephone_portable": "mobile",
    "telephone_professionnel": "phone_work",
    "adresse": "address",
    "code_postal": "postal_code",
    "ville": "city",
    "profession": "profession",
    "categorie_socioprofessionnelle": "socio_professional_category",
}
GUARDIAN_COLUMN = {name: column for column, name in GUARDIAN_FIELDS.items()}
ADDRESS_FIELDS = ("address", "postal_code", "city")
PUPIL_CONTACT = ("address", "postal_code", "city", "phone_home", "mobile", "email")
NAME_FIELDS = ("last_name", "first_name")
# The login carries the names and the email too ("Mot de passe perdu" matches the email).
USER_FIELDS = ("first_name", "last_name", "email")

_YES = {"oui", "o", "yes", "y", "1", "x", "vrai"}
_NO = {"non", "n", "no", "0", "faux", ""}
_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_HOUSEHOLDS_PER_WRITE = 500


# --- Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, reported as one French line."""

    line: int | None
    column: str | None
    message: str
    value: str = ""

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        params = {"line": self.line, "column": self.column, "message": self.message, "value": value}
        if self.line is None:
            return self.message
        if self.column is None:
            return gettext("Ligne %(line)d : %(message)s") % params
        if value:
            return gettext("Ligne %(line)d, colonne %(column)s (« %(value)s ») : %(message)s") % params
        return gettext("Ligne %(line)d, colonne %(column)s : %(message)s") % params


class ImportFileError(DomainError):
    """The file cannot be imported; ``problems`` says why, line by line. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


# --- Comparing what people type ------------------------------------------------------------------


def _plain(text: str) -> str:
    """Without accents, case, hyphens or apostrophes: "Jean-Noël" and "JEAN NOEL" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\s'’\-.]+", " ", letters).strip().casefold()


def _name_key(last_name: str, first_name: str) -> tuple[str, str]:
    return _plain(last_name), _plain(first_name)


def _ascii_slug(text: str) -> str:
    for special, plain in (("œ", "oe"), ("Œ", "Oe"), ("æ", "ae"), ("Æ", "Ae"), ("ß", "ss")):
        text = text.replace(special, plain)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _same(name: str, stored, wanted) -> bool:
    if name in NAME_FIELDS:
        return _plain(stored or "") == _plain(wanted or "")
    if name == "email":
        return (stored or "").lower() == (wanted or "").lower()
    return stored == wanted


def _shown(value) -> str:
    if isinstance(value, datetime.date):
        return short_date(value)
    return str(value)


# --- Reference data ------------------------------------------------------------------------------


class References:
    """Civilities, payment means and socio-professional categories, found by code or label."""

    CIVILITY_ALIASES = {"mr": "m", "monsieur": "m", "melle": "mlle", "mme": "mme"}
    MEANS_ALIASES = {
        "prelevement": "direct_debit",
        "prelevement sepa": "direct_debit",
        "cheques vacances": "holiday_vouchers",
        "ancv": "holiday_vouchers",
        "pass culture": "pass_culture",
        "carte": "card",
        "carte bancaire": "card",
        "cb": "card",
    }
    RELATIONSHIPS = {
        "mere": Membership.Relationship.MOTHER,
        "pere": Membership.Relationship.FATHER,
        "tuteur": Membership.Relationship.TUTOR,
        "tutrice": Membership.Relationship.TUTOR,
        "tuteur tutrice": Membership.Relationship.TUTOR,
        "eleve majeur": Membership.Relationship.SELF,
        "autre": Membership.Relationship.OTHER,
    }

    def __init__(self):
        self.civilities = self._index(Civility.objects.order_by("order"), ("code", "label", "short_label"))
        self._alias(self.civilities, self.CIVILITY_ALIASES)
        self.payment_means = self._index(PaymentMeans.objects.order_by("order"), ("code", "label"))
        self._alias(self.payment_means, self.MEANS_ALIASES)
        self.categories = self._index(SocioProfessionalCategory.objects.order_by("order"), ("code", "label"))
        # The messages, once per file rather than once per row.
        self.unknown_civility = gettext("Civilité inconnue. Valeurs possibles : %(values)s.") % {
            "values": ", ".join(c.short_label for c in Civility.objects.order_by("order"))
        }
        self.unknown_means = gettext("Moyen de paiement inconnu. Valeurs possibles : %(values)s.") % {
            "values": ", ".join(m.code for m in PaymentMeans.objects.order_by("order"))
        }
        self.unknown_category = gettext(
            "Catégorie socio-professionnelle inconnue : indiquez le code INSEE (par exemple 34) ou son libellé."
        )
        self.unknown_relationship = gettext(
            "Lien inconnu. Valeurs possibles : mère, père, tuteur, élève majeur, autre."
        )

    @staticmethod
    def _index(queryset, attributes) -> dict:
        found = {}
        for row in queryset:
            for attribute in attributes:
                found.setdefault(_plain(getattr(row, attribute)), row)
        return found

    @staticmethod
    def _alias(found: dict, aliases: dict) -> None:
        by_code = {row.code: row for row in found.values()}
        for alias, code in aliases.items():
            if code in by_code:
                found.setdefault(alias, by_code[code])


# --- Reading the file ----------------------------------------------------------------------------


@dataclass
class PersonRow:
    """One row of the file, checked: a guardian or a pupil of a household."""

    line: int
    kind: str
    values: dict  # model field -> cleaned value, only what the row fills in
    identifier: str = ""
    is_payer: bool = False
    relationship: str = ""

    @property
    def last_name(self) -> str:
        return self.values["last_name"]

    @property
    def first_name(self) -> str:
        return self.values["first_name"]

    @cached_property
    def name_key(self) -> tuple[str, str]:
        return _name_key(self.last_name, self.first_name)


@dataclass
class Household:
    """The rows of one ``reference_famille``."""

    reference: str
    line: int
    values: dict = field(default_factory=dict)  # name, payment_means, billing_mode
    value_lines: dict = field(default_factory=dict)
    guardians: list[PersonRow] = field(default_factory=list)
    pupils: list[PersonRow] = field(default_factory=list)
    payer_line: int | None = None
    # Rows typed "responsable", or whose type could not be read, even if they have problems:
    # a household without any is reported, one whose guardian row is wrong is not reported twice.
    may_have_guardian: bool = False


@dataclass
class ImportFile:
    households: list[Household]
    rows: int


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileError(
            [
                Problem(
                    line,
                    None,
                    gettext(
                        "Le fichier n'est pas en UTF-8 (caractère illisible). Enregistrez-le au format "
                        "« CSV UTF-8 » depuis le tableur, puis recommencez."
                    ),
                )
            ]
        ) from None


def _header_name(cell: str) -> str:
    name = _plain(cell.replace("_", " ")).replace(" ", "_")
    return HEADER_ALIASES.get(name, name)


def _records(text: str) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    """The header cells, the header's line number and each later record with its first line."""
    lines = text.splitlines(keepends=True)
    skipped = 0
    delimiter = None
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]
        lines = lines[1:]
        skipped = 1
    if not "".join(lines).strip():
        raise ImportFileError(
            [Problem(None, None, gettext("Le fichier est vide : aucune ligne à importer."))]
        )
    if delimiter is None:
        first = lines[0]
        delimiter = max((";", ",", "\t"), key=lambda candidate: (first.count(candidate), candidate == ";"))
    reader = csv.reader(lines, delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    read_until = 0
    try:
        for cells in reader:
            records.append((read_until + 1 + skipped, cells))
            read_until = reader.line_num
    except csv.Error as error:
        raise ImportFileError(
            [
                Problem(
                    read_until + 1 + skipped,
                    None,
                    gettext("Ligne illisible (%(error)s) : vérifiez les guillemets.") % {"error": error},
                )
            ]
        ) from None
    header_line, header = records[0]
    return header, header_line, records[1:]


def _check_header(header: list[str], line: int) -> list[str]:
    problems = []
    names = [_header_name(cell) for cell in header]
    seen: set[str] = set()
    for cell, name in zip(header, names, strict=True):
        if not name:
            continue
        if name not in COLUMNS:
            problems.append(
                Problem(
                    line,
                    cell.strip(),
                    gettext("Colonne inconnue. Colonnes reconnues : %(columns)s.")
                    % {"columns": ", ".join(COLUMNS)},
                )
            )
        elif name in seen:
            problems.append(Problem(line, name, gettext("Cette colonne figure deux fois dans l'en-tête.")))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(Problem(line, name, gettext("Colonne obligatoire absente de l'en-tête.")))
    if problems:
        raise ImportFileError(problems)
    return names


class _RowReader:
    """Reads and checks the cells of one row; each problem is added to ``problems``."""

    phone = PhoneField()
    mobile = MobileField()
    postal_code = PostalCodeField()
    email = FrenchEmailField(max_length=254)
    identifier_validators = User._meta.get_field("identifier").validators

    def __init__(self, line: int, cells: dict[str, str], references: References, problems: list[Problem]):
        self.line = line
        self.cells = cells
        self.references = references
        self.problems = problems

    def add(self, column: str, message: str, *, value: str | None = None) -> None:
        shown = self.cells.get(column, "") if value is None else value
        self.problems.append(Problem(self.line, column, message, shown))

    def raw(self, column: str) -> str:
        return self.cells.get(column, "")

    def text(self, column: str, max_length: int, *, required: bool = False) -> str:
        value = re.sub(r"\s+", " ", self.raw(column))
        if not value:
            if required:
                self.add(column, gettext("Cette cellule est obligatoire."))
            return ""
        if len(value) > max_length:
            self.add(
                column,
                gettext("Trop long : %(max)d caractères au plus (ici %(length)d).")
                % {"max": max_length, "length": len(value)},
            )
            return ""
        return value

    def form_field(self, column: str, form_field: forms.Field) -> str:
        value = self.raw(column)
        if not value:
            return ""
        try:
            return form_field.clean(value)
        except ValidationError as error:
            self.add(column, str(error.messages[0]))
            return ""

    def birth_date(self, column: str) -> datetime.date | None:
        value = self.raw(column)
        if not value:
            return None
        match = _DATE_FR.match(value)
        parts = (match.group(3), match.group(2), match.group(1)) if match else None
        if not match and (iso := _DATE_ISO.match(value)):
            parts = iso.groups()
        if parts is None:
            self.add(column, gettext("Date illisible : écrivez JJ/MM/AAAA, par exemple 14/03/2015."))
            return None
        try:
            day = datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            self.add(column, gettext("Cette date n'existe pas."))
            return None
        if day > timezone.localdate():
            self.add(column, gettext("La date de naissance est dans le futur."))
            return None
        if day.year < 1900:
            self.add(column, gettext("La date de naissance est antérieure à 1900."))
            return None
        return day

    def lookup(self, column: str, found: dict, message: str):
        value = self.raw(column)
        if not value:
            return None
        key = _plain(value)
        if key not in found:
            self.add(column, message)
            return None
        return found[key]

    def yes_no(self, column: str) -> bool:
        value = _plain(self.raw(column))
        if value in _YES:
            return True
        if value not in _NO:
            self.add(column, gettext("Écrivez oui ou non."))
        return False

    def identifier(self, column: str) -> str:
        value = self.text(column, 150)
        for validator in self.identifier_validators if value else ():
            try:
                validator(value)
            except ValidationError as error:
                self.add(column, str(error.messages[0]))
                return ""
        return value


def _read_person(reader: _RowReader, kind: str) -> PersonRow:
    references = reader.references
    values = {
        "last_name": reader.text("nom", 150, required=True),
        "first_name": reader.text("prenom", 150, required=True),
        "civility": reader.lookup(
            "civilite",
            references.civilities,
            references.unknown_civility,
        ),
        "email": reader.form_field("email", reader.email),
        "phone_home": reader.form_field("telephone_domicile", reader.phone),
        "address": reader.text("adresse", 255),
        "postal_code": reader.form_field("code_postal", reader.postal_code),
        "city": reader.text("ville", 100),
    }
    row = PersonRow(line=reader.line, kind=kind, values=values)
    if kind == GUARDIAN:
        values["mobile"] = reader.form_field("telephone_portable", reader.mobile)
        values["phone_work"] = reader.form_field("telephone_professionnel", reader.phone)
        values["profession"] = reader.text("profession", 150)
        values["socio_professional_category"] = reader.lookup(
            "categorie_socioprofessionnelle",
            references.categories,
            references.unknown_category,
        )
        row.relationship = (
            reader.lookup(
                "lien",
                references.RELATIONSHIPS,
                references.unknown_relationship,
            )
            or ""
        )
        row.is_payer = reader.yes_no("payeur")
        row.identifier = reader.identifier("identifiant")
    else:
        values["mobile"] = reader.form_field("telephone_portable", reader.phone)
        values["birth_place"] = reader.text("lieu_naissance", 150)
        values["birth_date"] = reader.birth_date("date_naissance")
        if values["birth_date"] is None and not reader.raw("date_naissance"):
            reader.add("date_naissance", gettext("La date de naissance d'un élève est obligatoire."))
        if reader.yes_no("payeur"):
            reader.add("payeur", gettext("Seul un responsable peut être payeur."))
        if reader.raw("identifiant"):
            reader.add(
                "identifiant",
                gettext("Un élève n'a pas d'identifiant de connexion : laissez cette cellule vide."),
            )
    row.values = {name: value for name, value in values.items() if value not in ("", None)}
    return row


def _read_household_values(reader: _RowReader, household: Household) -> None:
    references = reader.references
    found = {
        "name": (reader.text("nom_famille", 150), "nom_famille"),
        "payment_means": (
            reader.lookup(
                "mode_paiement",
                references.payment_means,
                references.unknown_means,
            ),
            "mode_paiement",
        ),
    }
    instalments = reader.raw("echeances")
    billing_mode = None
    if instalments:
        billing_mode = int(instalments) if instalments in {"1", "3", "8"} else None
        if billing_mode is None:
            reader.add("echeances", gettext("Écrivez 1, 3 ou 8 (nombre d'échéances)."))
    found["billing_mode"] = (billing_mode, "echeances")
    for name, (value, column) in found.items():
        if value in ("", None):
            continue
        if name in household.values and household.values[name] != value:
            reader.add(
                column,
                gettext("La famille « %(reference)s » a déjà « %(other)s » ligne %(line)d.")
                % {
                    "reference": household.reference,
                    "other": _shown(household.values[name]),
                    "line": household.value_lines[name],
                },
            )
            continue
        household.values.setdefault(name, value)
        household.value_lines.setdefault(name, reader.line)


def _check_duplicates(household: Household, problems: list[Problem]) -> None:
    """The same guardian (same name) or pupil (same name and birth date) twice in a household."""
    guardian_lines: dict[tuple, int] = {}
    for row in household.guardians:
        if row.name_key in guardian_lines:
            problems.append(
                Problem(
                    row.line,
                    "nom",
                    gettext("Cette personne figure déjà ligne %(line)d dans la famille « %(reference)s ».")
                    % {"line": guardian_lines[row.name_key], "reference": household.reference},
                    f"{row.first_name} {row.last_name}",
                )
            )
        guardian_lines.setdefault(row.name_key, row.line)
    pupil_lines: dict[tuple, int] = {}
    for row in household.pupils:
        key = (*row.name_key, row.values.get("birth_date"))
        if key in pupil_lines:
            problems.append(
                Problem(
                    row.line,
                    "nom",
                    gettext("Cet élève figure déjà ligne %(line)d dans la famille « %(reference)s ».")
                    % {"line": pupil_lines[key], "reference": household.reference},
                    f"{row.first_name} {row.last_name}",
                )
            )
        pupil_lines.setdefault(key, row.line)


def read_import_file(data: bytes) -> ImportFile:
    """Decode and check the whole file. Raises ImportFileError listing every problem."""
    text = _decode(data)
    header, header_line, records = _records(text)
    names = _check_header(header, header_line)
    references = References()
    problems: list[Problem] = []
    households: dict[str, Household] = {}
    rows = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
            problems.append(
                Problem(
                    line,
                    None,
                    gettext("La ligne compte %(cells)d cellules, l'en-tête %(columns)d colonnes.")
                    % {"cells": len(cells), "columns": len(names)},
                )
            )
            continue
        by_column = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name}
        reader = _RowReader(line, by_column, references, problems)
        reference = reader.text("reference_famille", 50, required=True)
        kind = _plain(by_column.get("type", ""))
        if kind in {"responsable", "responsable legal"}:
            kind = GUARDIAN
        elif kind == "eleve":
            kind = PUPIL
        else:
            reader.add("type", gettext("Écrivez responsable ou eleve."))
            kind = ""
        if not reference:
            continue
        household = households.get(reference)
        if household is None:
            household = households[reference] = Household(reference=reference, line=line)
        _read_household_values(reader, household)
        if kind != PUPIL:
            household.may_have_guardian = True
        if not kind:
            continue
        person = _read_person(reader, kind)
        if "last_name" not in person.values or "first_name" not in person.values:
            continue
        if kind == GUARDIAN:
            if person.is_payer:
                if household.payer_line is not None:
                    reader.add(
                        "payeur",
                        gettext(
                            "La famille « %(reference)s » a déjà un payeur ligne %(line)d : un seul par famille."
                        )
                        % {"reference": reference, "line": household.payer_line},
                    )
                else:
                    household.payer_line = line
            household.guardians.append(person)
        else:
            household.pupils.append(person)
    if not rows and not problems:
        problems.append(
            Problem(None, None, gettext("Le fichier ne contient que l'en-tête : aucune famille à importer."))
        )
    for household in households.values():
        _check_duplicates(household, problems)
        if not household.may_have_guardian:
            problems.append(
                Problem(
                    household.line,
                    "type",
                    gettext(
                        "La famille « %(reference)s » n'a aucun responsable : ajoutez au moins une ligne de type responsable."
                    )
                    % {"reference": household.reference},
                )
            )
    if problems:
        problems.sort(key=lambda problem: problem.line or 0)
        raise ImportFileError(problems)
    return ImportFile(households=list(households.values()), rows=rows)


# --- Planning: what to create and what to change -------------------------------------------------


@dataclass
class ImportSummary:
    families_created: int = 0
    families_updated: int = 0
    families_unchanged: int = 0
    guardians_created: int = 0
    guardians_updated: int = 0
    guardians_unchanged: int = 0
    students_created: int = 0
    students_updated: int = 0
    students_unchanged: int = 0


@dataclass(eq=False)
class _Person:
    """A guardian as the import sees them: a stored guardian, or one to create."""

    guardian: Guardian | None
    identifier: str
    values: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)  # field -> the line its value comes from
    rows: int = 0
    changed: list[str] = field(default_factory=list)
    user: User | None = None
    first_household: int = 0

    @property
    def name_key(self) -> tuple[str, str]:
        if self.guardian is not None:
            return _name_key(self.guardian.last_name, self.guardian.first_name)
        return _name_key(self.values["last_name"], self.values["first_name"])

    @property
    def full_name(self) -> str:
        if self.guardian is not None:
            return self.guardian.full_name
        return f"{self.values['first_name']} {self.values['last_name'].upper()}"


@dataclass(eq=False)
class _PlannedFamily:
    household: Household
    family: Family
    is_new: bool
    changed: list[str] = field(default_factory=list)
    members: list[tuple[_Person, PersonRow]] = field(default_factory=list)
    new_memberships: list[tuple[_Person, Membership]] = field(default_factory=list)
    new_students: list[Student] = field(default_factory=list)
    changed_students: list[tuple[Student, list[str]]] = field(default_factory=list)
    # Stored memberships whose payer flag goes off, and those otherwise changed: written apart,
    # so that the family never has two payers, even between two statements.
    memberships_unset: dict[int, Membership] = field(default_factory=dict)
    memberships_changed: dict[int, Membership] = field(default_factory=dict)

    @property
    def is_updated(self) -> bool:
        return bool(
            self.changed or self.new_memberships or self.memberships_unset or self.memberships_changed
        )


def _change(instance: models.Model, values: dict) -> list[str]:
    """Set each value that differs from the stored one; the names of the fields changed."""
    stored, wanted = {}, {}
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            stored[name] = getattr(instance, model_field.attname)
            wanted[name] = value.pk if value is not None else None
        else:
            stored[name], wanted[name] = getattr(instance, name), value
    names = changed(stored, wanted, same=_same)
    for name in names:
        setattr(instance, name, values[name])
    return names


def _email_key(email: str, last_name: str, first_name: str) -> tuple[str, str, str] | None:
    return (email.lower(), *_name_key(last_name, first_name)) if email else None


class _Planner:
    """Reads what the site already has, once, and works out every write in memory."""

    def __init__(self, site: Site):
        self.site = site
        self.problems: list[Problem] = []
        self.summary = ImportSummary()
        guardians = Guardian.objects.filter(site=site).select_related("user").order_by("pk")
        self.guardians = {guardian.pk: guardian for guardian in guardians}
        self.guardian_by_identifier: dict[str, Guardian] = {}
        self.guardian_by_email: dict[tuple, Guardian] = {}
        for guardian in self.guardians.values():
            if guardian.user_id:
                self.guardian_by_identifier[guardian.user.identifier.lower()] = guardian
            key = _email_key(guardian.email, guardian.last_name, guardian.first_name)
            if key:
                self.guardian_by_email.setdefault(key, guardian)
        self.taken = {
            identifier.lower()
            for identifier in User.objects.filter(site=site).values_list("identifier", flat=True)
        }
        self.logins_without_guardian = self.taken - set(self.guardian_by_identifier)
        self.families = {
            family.external_reference: family
            for family in Family.objects.filter(site=site).exclude(external_reference="")
        }
        self.memberships: dict[int, list[Membership]] = {}
        for membership in Membership.objects.filter(family__site=site).order_by("pk"):
            self.memberships.setdefault(membership.family_id, []).append(membership)
        self.students: dict[int, list[Student]] = {}
        for student in Student.objects.filter(family__site=site).order_by("pk"):
            self.students.setdefault(student.family_id, []).append(student)
        # The import's own people, found by each of their keys.
        self.persons: list[_Person] = []
        self.persons_by_identifier: dict[str, _Person] = {}
        self.persons_by_guardian: dict[int, _Person] = {}
        self.persons_by_email: dict[tuple, _Person] = {}
        self.planned: list[_PlannedFamily] = []

    def problem(self, row: PersonRow, column: str, message: str, value: str = "") -> None:
        self.problems.append(Problem(row.line, column, message, value))

    # Guardians

    def _person_for(self, guardian: Guardian) -> _Person:
        person = self.persons_by_guardian.get(guardian.pk)
        if person is None:
            identifier = guardian.user.identifier if guardian.user_id else ""
            person = _Person(guardian=guardian, identifier=identifier)
            self.persons_by_guardian[guardian.pk] = person
            if identifier:
                self.persons_by_identifier[identifier.lower()] = person
            key = _email_key(guardian.email, guardian.last_name, guardian.first_name)
            if key:
                self.persons_by_email.setdefault(key, person)
        return person

    def _known(self, row: PersonRow, family: Family | None) -> _Person | None:
        """The guardian this row describes, found by name in its household, else by email and name."""
        if family is not None:
            for membership in self.memberships.get(family.pk, []):
                guardian = self.guardians.get(membership.guardian_id)
                if guardian and _name_key(guardian.last_name, guardian.first_name) == row.name_key:
                    return self._person_for(guardian)
        key = _email_key(row.values.get("email", ""), row.last_name, row.first_name)
        if key is None:
            return None
        if key in self.persons_by_email:
            return self.persons_by_email[key]
        if key in self.guardian_by_email:
            return self._person_for(self.guardian_by_email[key])
        return None

    def _resolve(self, row: PersonRow, family: Family | None) -> _Person | None:
        if not row.identifier:
            return self._known(row, family) or _Person(guardian=None, identifier="")
        wanted = row.identifier.lower()
        person = self.persons_by_identifier.get(wanted)
        if person is None and wanted in self.guardian_by_identifier:
            person = self._person_for(self.guardian_by_identifier[wanted])
        if person is not None:
            member = (
                family is not None
                and person.guardian is not None
                and any(m.guardian_id == person.guardian.pk for m in self.memberships.get(family.pk, []))
            )
            # A typo in the identifier must not rename another household's guardian.
            if person.name_key != row.name_key and not member:
                self.problem(
                    row,
                    "identifiant",
                    gettext("Cet identifiant est déjà celui de %(name)s : vérifiez-le.")
                    % {"name": person.full_name},
                    row.identifier,
                )
                return None
            return person
        if wanted in self.logins_without_guardian:
            self.problem(
                row,
                "identifiant",
                gettext(
                    "Cet identifiant est déjà pris sur ce site par un compte qui n'est pas un responsable."
                ),
                row.identifier,
            )
            return None
        person = self._known(row, family)
        if person is None:
            person = _Person(guardian=None, identifier=row.identifier)
        elif person.identifier:
            self.problem(
                row,
                "identifiant",
                gettext(
                    "%(name)s a déjà l'identifiant « %(identifier)s » : indiquez celui-ci ou laissez la "
                    "cellule vide."
                )
                % {"name": person.full_name, "identifier": person.identifier},
                row.identifier,
            )
            return None
        person.identifier = row.identifier
        self.persons_by_identifier[wanted] = person
        return person

    def _merge(self, person: _Person, row: PersonRow) -> None:
        """Add a row's values to the person; a value another row gave differently is an error,
        except the address: each row's address is its household's, the person keeps the first."""
        for name, value in row.values.items():
            if name in ADDRESS_FIELDS:
                person.values.setdefault(name, value)
                continue
            if name in person.values and not _same(name, person.values[name], value):
                self.problem(
                    row,
                    GUARDIAN_COLUMN[name],
                    gettext("La même personne a « %(other)s » ligne %(line)d.")
                    % {"other": _shown(person.values[name]), "line": person.lines[name]},
                    _shown(value),
                )
                continue
            person.values.setdefault(name, value)
            person.lines.setdefault(name, row.line)
        if person.rows == 0:
            person.first_household = len(self.planned)  # the index this household will have
            self.persons.append(person)
        person.rows += 1
        key = _email_key(row.values.get("email", ""), row.last_name, row.first_name)
        if key:
            self.persons_by_email.setdefault(key, person)

    def _next_identifier(self, person: _Person) -> str:
        first = _ascii_slug(person.values.get("first_name", ""))
        last = _ascii_slug(person.values.get("last_name", ""))
        base = ".".join(part for part in (first, last) if part)[:140] or "responsable"
        candidate, number = base, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{base}{number}"
        self.taken.add(candidate)
        return candidate

    # Households

    def plan(self, import_file: ImportFile, progress: Callable[[int], None] | None = None) -> ImportSummary:
        # Identifiers written in the file are reserved before any is generated.
        self.taken.update(
            row.identifier.lower()
            for household in import_file.households
            for row in household.guardians
            if row.identifier
        )
        for done, household in enumerate(import_file.households, start=1):
            self._plan_household(household)
            if progress and (done % 100 == 0 or done == len(import_file.households)):
                progress(done)
        if self.problems:
            self.problems.sort(key=lambda problem: problem.line or 0)
            raise ImportFileError(self.problems)
        self._plan_guardians()
        return self.summary

    def _plan_household(self, household: Household) -> None:
        family = self.families.get(household.reference)
        problems_before = len(self.problems)
        members: list[tuple[_Person, PersonRow]] = []
        for row in household.guardians:
            person = self._resolve(row, family)
            if person is None:
                continue
            twin = next((other_row for other, other_row in members if other is person), None)
            if twin is not None:  # two names, one identifier or one email
                self.problem(
                    row,
                    "identifiant" if row.identifier else "nom",
                    gettext("Cette personne figure déjà ligne %(line)d dans la famille « %(reference)s ».")
                    % {"line": twin.line, "reference": household.reference},
                    row.identifier or f"{row.first_name} {row.last_name}",
                )
                continue
            self._merge(person, row)
            members.append((person, row))
        if len(self.problems) > problems_before or not members:
            return
        planned = self._plan_family(household, family, members)
        self._plan_memberships(planned)
        self._plan_students(planned)
        self.planned.append(planned)
        if planned.is_new:
            self.summary.families_created += 1
        elif planned.is_updated:
            self.summary.families_updated += 1
        else:
            self.summary.families_unchanged += 1

    def _plan_family(
        self, household: Household, family: Family | None, members: list[tuple[_Person, PersonRow]]
    ) -> _PlannedFamily:
        payer_row = next((row for _person, row in members if row.is_payer), None)
        main_row = payer_row or members[0][1]
        address_row = next(
            (
                row
                for row in [main_row, *(row for _person, row in members)]
                if any(name in row.values for name in ADDRESS_FIELDS)
            ),
            main_row,
        )
        values = dict(household.values)
        values.update(
            {name: address_row.values[name] for name in ADDRESS_FIELDS if name in address_row.values}
        )
        if family is None:
            values.setdefault("name", main_row.last_name.upper())
            values.setdefault("billing_mode", BillingMode.ONCE)
            family = Family(site=self.site, external_reference=household.reference, **values)
            return _PlannedFamily(household=household, family=family, is_new=True, members=members)
        planned = _PlannedFamily(household=household, family=family, is_new=False, members=members)
        planned.changed = _change(family, values)
        return planned

    def _plan_memberships(self, planned: _PlannedFamily) -> None:
        existing = (
            {} if planned.is_new else {m.guardian_id: m for m in self.memberships.get(planned.family.pk, [])}
        )
        payer_person = next((person for person, row in planned.members if row.is_payer), None)
        if payer_person is None and not any(m.is_payer for m in existing.values()):
            payer_person = planned.members[0][0]
        for person, row in planned.members:
            membership = existing.get(person.guardian.pk) if person.guardian else None
            if membership is None:
                membership = Membership(
                    relationship=row.relationship or Membership.Relationship.OTHER,
                    is_payer=person is payer_person,
                )
                planned.new_memberships.append((person, membership))
            elif row.relationship and membership.relationship != row.relationship:
                membership.relationship = row.relationship
                planned.memberships_changed[membership.pk] = membership
        if payer_person is None:
            return  # nobody marked payeur: the household keeps its payer
        for membership in existing.values():
            wanted = payer_person.guardian is not None and membership.guardian_id == payer_person.guardian.pk
            if membership.is_payer != wanted:
                membership.is_payer = wanted
                target = planned.memberships_changed if wanted else planned.memberships_unset
                planned.memberships_changed.pop(membership.pk, None)
                target[membership.pk] = membership

    def _plan_students(self, planned: _PlannedFamily) -> None:
        stored = [] if planned.is_new else self.students.get(planned.family.pk, [])
        dated = {
            (*_name_key(s.last_name, s.first_name), s.birth_date): s
            for s in stored
            if s.birth_date is not None
        }
        undated: dict[tuple[str, str], list[Student]] = {}
        for student in stored:
            if student.birth_date is None:
                undated.setdefault(_name_key(student.last_name, student.first_name), []).append(student)
        for row in planned.household.pupils:
            key = (*row.name_key, row.values.get("birth_date"))
            values = dict(row.values)
            if any(name in values for name in PUPIL_CONTACT):
                values["use_guardian_contact"] = False
            student = dated.get(key)
            if student is None and undated.get(row.name_key):
                student = undated[row.name_key].pop(0)
            if student is None:
                planned.new_students.append(Student(**values))
                self.summary.students_created += 1
                continue
            changed = _change(student, values)
            if changed:
                planned.changed_students.append((student, changed))
                self.summary.students_updated += 1
            else:
                self.summary.students_unchanged += 1

    def _plan_guardians(self) -> None:
        for person in self.persons:
            if person.guardian is None:
                self.summary.guardians_created += 1
                if not person.identifier:
                    person.identifier = self._next_identifier(person)
                continue
            person.changed = _change(person.guardian, person.values)
            if not person.guardian.user_id:
                person.identifier = person.identifier or self._next_identifier(person)
                person.changed.append("user")
            if person.changed:
                self.summary.guardians_updated += 1
            else:
                self.summary.guardians_unchanged += 1

    # Writing

    def write(self, progress: Callable[[int], None] | None = None) -> None:
        """Insert and update in bulk, a slice of households at a time, in an order the
        constraints accept. A guardian is written with the first household they belong to."""
        now = timezone.now()
        persons = iter(self.persons)  # in the order of their first household
        person = next(persons, None)
        for start in range(0, len(self.planned), _HOUSEHOLDS_PER_WRITE):
            chunk = self.planned[start : start + _HOUSEHOLDS_PER_WRITE]
            guardians = []
            while person is not None and person.first_household < start + len(chunk):
                guardians.append(person)
                person = next(persons, None)
            self._write_guardians(guardians, now=now)
            self._write_families(chunk, now=now)
            if progress:
                progress(start + len(chunk))

    def _write_guardians(self, persons: list[_Person], *, now) -> None:
        logins = [person for person in persons if person.guardian is None or not person.guardian.user_id]
        for person in logins:
            if person.guardian is not None:
                names = {name: getattr(person.guardian, name) for name in USER_FIELDS}
            else:
                names = {name: person.values.get(name, "") for name in USER_FIELDS}
            person.user = User(
                site=self.site,
                identifier=person.identifier,
                **names,
                # Unusable: the first login goes through send_credentials or "Mot de passe perdu".
                password=make_password(None),
                date_joined=now,
            )
        User.objects.bulk_create([person.user for person in logins])
        new_guardians = []
        for person in persons:
            if person.guardian is None:
                person.guardian = Guardian(site=self.site, user=person.user, **person.values)
                new_guardians.append(person.guardian)
            elif person.user is not None:
                person.guardian.user = person.user
        Guardian.objects.bulk_create(new_guardians)
        changed = [person for person in persons if person.changed]
        self._bulk_update(Guardian, [(person.guardian, person.changed) for person in changed], now=now)
        users = []
        for person in changed:
            if person.user is None and set(person.changed) & set(USER_FIELDS):
                user = person.guardian.user
                for name in USER_FIELDS:
                    setattr(user, name, getattr(person.guardian, name))
                users.append(user)
        if users:
            User.objects.bulk_update(users, list(USER_FIELDS))

    def _write_families(self, chunk: list[_PlannedFamily], *, now) -> None:
        Family.objects.bulk_create([planned.family for planned in chunk if planned.is_new])
        self._bulk_update(Family, [(p.family, p.changed) for p in chunk if p.changed], now=now)
        # One payer per family at every moment: clear the old payers, then add and set the new ones.
        unset = [membership for planned in chunk for membership in planned.memberships_unset.values()]
        if unset:
            Membership.objects.bulk_update(unset, ["is_payer", "relationship"])
        new_memberships = []
        for planned in chunk:
            for person, membership in planned.new_memberships:
                membership.family = planned.family
                membership.guardian = person.guardian
                new_memberships.append(membership)
        Membership.objects.bulk_create(new_memberships)
        changed = [membership for planned in chunk for membership in planned.memberships_changed.values()]
        if changed:
            Membership.objects.bulk_update(changed, ["is_payer", "relationship"])
        new_students = []
        for planned in chunk:
            for student in planned.new_students:
                student.family = planned.family
                new_students.append(student)
        Student.objects.bulk_create(new_students)
        self._bulk_update(
            Student, [change for planned in chunk for change in planned.changed_students], now=now
        )

    @staticmethod
    def _bulk_update(model, changes: list[tuple[models.Model, list[str]]], *, now) -> None:
        """Save the changed fields, with the modification date and a new version (a form opened
        before the import is then refused as stale instead of overwriting the imported values)."""
        if not changes:
            return
        names = {name for _instance, changed in changes for name in changed}
        for instance, _changed in changes:
            instance.updated_at = now
            instance.version = F("version") + 1
        fields = sorted(names | {"updated_at", "version"})
        model.objects.bulk_update([instance for instance, _changed in changes], fields)


def import_families(
    *,
    site: Site,
    import_file: ImportFile,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Create or update the households of a checked file on ``site``, all or nothing.

    Raises ImportFileError when the file contradicts what the site holds (an identifier taken by
    someone else…); nothing is written then. With ``dry_run`` nothing is written either: the
    summary says what would be.
    """
    if dry_run:
        return _Planner(site).plan(import_file, progress=progress)
    with transaction.atomic():
        planner = _Planner(site)
        summary = planner.plan(import_file)
        planner.write(progress)
        # Bulk updates send no post_save: no login keeps a cached copy of its old household.
        identity.forget_everyone()
    return summary
