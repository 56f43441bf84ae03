"""Reads about documents: what a family or a pupil handed in and still has to hand in.

Requirement rules (``DocumentType.requirement``):

* ``always``: required;
* ``direct_debit``: required only when the family pays by direct debit;
* ``dance``: required only for the pupils the re-enrolment rules say dance (registered with
  ``register_requirement_condition``: an active dance enrolment, current or next season, or a
  dance choice for next season);
* ``reduced_tariff``: listed "À fournir" with a note (without it the highest tariff applies),
  but never blocks the dossier's completeness;
* ``optional``: may be handed in, never listed as missing.

A type is "handed in" when a document of it is Fourni or Validé (and, for a type with a
validity rule, bears a date that still counts). Every function here costs a fixed number of
queries, whatever the number of pupils and documents.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import BooleanField, Sum, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import validity
from documents.models import Document, DocumentType
from extranet.base.dates import long_date
from extranet.base.models import Season
from extranet.base.prepared import PreparedQuery
from extranet.base.sitewide import KeptRead
from extranet.base.todo import TodoItem
from students.models import Student
from students.selectors import family_pupil_query, get_student_or_404

HANDED_IN = (Document.State.SUBMITTED, Document.State.VALIDATED)
BLOCKING = (
    DocumentType.Requirement.ALWAYS,
    DocumentType.Requirement.DIRECT_DEBIT,
    DocumentType.Requirement.DANCE,
)


@dataclass
class DocumentRow:
    """One line of the "Documents fournis" table: a document, or a type still to hand in."""

    document_type: DocumentType
    document: Document | None = None
    blocking: bool = False
    note: str = ""
    uploadable: bool = False  # its type is among the overview's upload types (Importer, Remplacer)

    @property
    def state(self) -> str:
        return self.document.state if self.document else "missing"

    @property
    def state_label(self) -> str:
        return self.document.get_state_display() if self.document else _("À fournir")


@dataclass
class DocumentsOverview:
    """Everything the Documents fournis page shows for the family or one pupil."""

    rows: list[DocumentRow] = field(default_factory=list)
    replaced: list[Document] = field(default_factory=list)
    upload_types: list[DocumentType] = field(default_factory=list)
    missing: list[DocumentType] = field(default_factory=list)

    @property
    def quotient_state(self) -> str | None:
        """Where the QF attestation stands for billing: "validated" wins over a newer one waiting,
        then "submitted", "refused", "missing"; None when the page lists no QF attestation."""
        states = {
            row.state
            for row in self.rows
            if row.document_type.requirement == DocumentType.Requirement.REDUCED_TARIFF
        }
        for state in ("validated", "submitted", "refused", "missing"):
            if state in states:
                return state
        return None


def pays_by_direct_debit(family) -> bool:
    means = family.payment_means
    return bool(means and means.is_direct_debit)


# Which pupils a conditional requirement concerns is decided by the apps above documents (the
# dance certificate follows a pupil's enrolments and re-enrolment choices): they register a
# boolean expression on Student at start-up. A requirement nobody registered concerns no pupil.
_REQUIREMENT_CONDITIONS: dict[str, Callable[[], Any]] = {}


def register_requirement_condition(requirement: str, condition: Callable[[], Any]) -> None:
    """``condition()`` returns a boolean expression on Student: the pupils ``requirement`` concerns."""
    _REQUIREMENT_CONDITIONS[requirement] = condition


def dance_condition():
    """Pupils the ``dance`` requirement (medical certificate) concerns, as an expression on Student."""
    condition = _REQUIREMENT_CONDITIONS.get(DocumentType.Requirement.DANCE)
    return condition() if condition is not None else Value(False, output_field=BooleanField())


def students_with_dance(queryset):
    """``queryset`` of pupils annotated with ``dances`` (one query)."""
    return queryset.annotate(dances=dance_condition())


# The registered condition reads no value of the request (flags of the seasons, states): it can
# be compiled once, after start-up registered it.
_FAMILY_PUPIL_WITH_DANCE = family_pupil_query(students_with_dance)


def get_student_with_dance_or_404(request, student_id) -> Student:
    """``get_student_or_404`` with the pupil annotated with ``dances``."""
    return get_student_or_404(request, student_id, _FAMILY_PUPIL_WITH_DANCE)


def applies(document_type: DocumentType, *, family, dances: bool) -> bool:
    """The type concerns this family or pupil: it may be handed in (and listed when required)."""
    requirement = document_type.requirement
    if requirement == DocumentType.Requirement.DIRECT_DEBIT:
        return pays_by_direct_debit(family)
    if requirement == DocumentType.Requirement.DANCE:
        return dances
    return True


class _Context:
    """What every overview reads: the active types, today, and the coming season, which is only
    loaded when a type's validity rule asks for it (the dance certificate's 1 July)."""

    def __init__(self, types: list[DocumentType], today: datetime.date, seasons=None):
        self.types = types
        self.today = today
        self._seasons = seasons

    @cached_property
    def season(self) -> Season | None:
        return validity.coming_season(self._seasons)


# The same for every family, kept a few seconds (extranet/base/sitewide.py).
_ACTIVE_TYPES = KeptRead(PreparedQuery(lambda: DocumentType.objects.filter(is_active=True)))


def _context(today=None, seasons=None) -> _Context:
    return _Context(
        types=_ACTIVE_TYPES.list(),
        today=today or timezone.localdate(),
        seasons=seasons,
    )


def _earliest(document_type: DocumentType, ctx: _Context) -> datetime.date | None:
    if document_type.validity == DocumentType.Validity.FROM_JULY_1:
        return validity.earliest_date(document_type, today=ctx.today, season=ctx.season)
    return validity.earliest_date(document_type, today=ctx.today)


def _overview(
    *, family, student, dances: bool, documents: list[Document], ctx: _Context
) -> DocumentsOverview:
    scope = DocumentType.Scope.STUDENT if student is not None else DocumentType.Scope.FAMILY
    owned = [d for d in documents if d.student_id == (student.pk if student is not None else None)]
    overview = DocumentsOverview()
    overview.replaced = [d for d in owned if d.state == Document.State.REPLACED]
    visible = [d for d in owned if d.state != Document.State.REPLACED]
    shown_type_ids = set()
    for document_type in ctx.types:
        if document_type.scope != scope:
            continue
        of_type = [d for d in visible if d.document_type_id == document_type.pk]
        overview.rows.extend(DocumentRow(document_type=document_type, document=d) for d in of_type)
        shown_type_ids.add(document_type.pk)
        if not applies(document_type, family=family, dances=dances):
            continue
        overview.upload_types.append(document_type)
        if document_type.requirement == DocumentType.Requirement.OPTIONAL:
            continue
        earliest = _earliest(document_type, ctx)
        if any(d.state in HANDED_IN and validity.counts(d, earliest) for d in of_type):
            continue
        providable = earliest is None or earliest <= ctx.today
        blocking = document_type.requirement in BLOCKING and providable
        if blocking:
            overview.missing.append(document_type)
        if of_type and of_type[0].state == Document.State.REFUSED:
            continue  # the refused row already says what to do
        overview.rows.append(
            DocumentRow(
                document_type=document_type,
                blocking=blocking,
                note=_missing_note(document_type, earliest=earliest, providable=providable),
            )
        )
    # Documents of a type the secretariat has since retired stay visible.
    overview.rows.extend(
        DocumentRow(document_type=d.document_type, document=d)
        for d in visible
        if d.document_type_id not in shown_type_ids
    )
    for row in overview.rows:
        row.uploadable = row.document_type in overview.upload_types
    return overview


def _missing_note(document_type: DocumentType, *, earliest, providable: bool) -> str:
    if document_type.requirement == DocumentType.Requirement.REDUCED_TARIFF:
        return _("Facultatif : sans ce document, le tarif maximal est appliqué.")
    if earliest is not None and not providable:
        return _("À fournir à partir du %(date)s.") % {"date": long_date(earliest)}
    if earliest is not None:
        return _("Daté du %(date)s ou après.") % {"date": long_date(earliest)}
    return ""


def _family_documents(family_id):
    return Document.objects.for_family(family_id).order_by("-uploaded_at", "-pk")


_ALL_DOCUMENTS = PreparedQuery(_family_documents)
_FAMILY_OWN_DOCUMENTS = PreparedQuery(lambda family_id: _family_documents(family_id).filter(student=None))
_PUPIL_DOCUMENTS = PreparedQuery(
    lambda family_id, student_id: _family_documents(family_id).filter(student_id=student_id)
)
_NOT_GIVEN = object()


def _documents(family, ctx: _Context, *, student=_NOT_GIVEN) -> list[Document]:
    """The family's documents (only the family's own with ``student=None``, only a pupil's with
    ``student``), each with its type taken from ``ctx`` (a retired type, no longer among the
    active ones, is read in one more query)."""
    if student is _NOT_GIVEN:
        documents = _ALL_DOCUMENTS.list(family_id=family.pk)
    elif student is None:
        documents = _FAMILY_OWN_DOCUMENTS.list(family_id=family.pk)
    else:
        documents = _PUPIL_DOCUMENTS.list(family_id=family.pk, student_id=student.pk)
    types = {document_type.pk: document_type for document_type in ctx.types}
    retired = {d.document_type_id for d in documents} - types.keys()
    if retired:
        types.update((t.pk, t) for t in DocumentType.objects.filter(pk__in=retired))
    for document in documents:
        document.document_type = types[document.document_type_id]
    return documents


def family_overview(family, *, today=None) -> DocumentsOverview:
    """The family's own documents (RIB, mandate, QF attestation…)."""
    ctx = _context(today)
    return _overview(
        family=family, student=None, dances=False, documents=_documents(family, ctx, student=None), ctx=ctx
    )


def student_overview(student, *, today=None) -> DocumentsOverview:
    """One pupil's documents (ID photo, medical certificate…). ``student.family`` must be loaded;
    whether the pupil dances is read from ``student.dances`` when it was loaded through
    ``students_with_dance``, else asked here."""
    ctx = _context(today)
    dances = getattr(student, "dances", None)
    if dances is None:
        dances = (
            students_with_dance(Student.objects.filter(pk=student.pk))
            .values_list("dances", flat=True)
            .first()
        )
    return _overview(
        family=student.family,
        student=student,
        dances=bool(dances),
        documents=_documents(student.family, ctx, student=student),
        ctx=ctx,
    )


def missing_required_types(*, family, student=None) -> list[DocumentType]:
    """Document types required for the family (or for ``student``) and not handed in yet.

    Contract shared with re-enrolment: a dossier is complete when this is empty for the
    family and for the pupil. Handed in means a Fourni or Validé document; reduced-tariff and
    optional types never appear here.
    """
    if student is None:
        return family_overview(family).missing
    return student_overview(student).missing


@dataclass(frozen=True)
class FamilyMissing:
    family: list[DocumentType]
    students: list[tuple[Student, list[DocumentType]]]


def family_missing(family, *, today=None, students=None, seasons=None) -> FamilyMissing:
    """Missing required documents of the family and of each pupil, in four queries.

    A caller that already holds the family's pupils (annotated by ``students_with_dance``) and
    the current and next seasons passes them: two queries then (types and documents).
    """
    ctx = _context(today, seasons)
    documents = _documents(family, ctx)
    if students is None:
        students = list(students_with_dance(Student.objects.for_family(family)).order_by("first_name", "pk"))
    family_part = _overview(family=family, student=None, dances=False, documents=documents, ctx=ctx).missing
    per_student = []
    for student in students:
        missing = _overview(
            family=family, student=student, dances=student.dances, documents=documents, ctx=ctx
        ).missing
        per_student.append((student, missing))
    return FamilyMissing(family=family_part, students=per_student)


def todo_items(family, *, students=None, seasons=None) -> list[TodoItem]:
    """Missing documents of the family and its pupils, for the Accueil tab (one item each).

    ``students`` and ``seasons`` as for ``family_missing``: the Accueil tab loads them once.
    """
    missing = family_missing(family, students=students, seasons=seasons)
    items = [
        TodoItem(
            text=_("Document à fournir : %(type)s") % {"type": document_type.name},
            url=f"{reverse('documents:family')}?type={document_type.pk}#importer",
        )
        for document_type in missing.family
    ]
    for student, types in missing.students:
        url = reverse("documents:student", args=[student.pk])
        items.extend(
            TodoItem(
                text=_("Document à fournir pour %(student)s : %(type)s")
                % {"student": student.full_name, "type": document_type.name},
                url=f"{url}?type={document_type.pk}#importer",
            )
            for document_type in types
        )
    return items


def family_quota_used(family) -> int:
    """Bytes the family's files take, replaced ones included (they are kept)."""
    return Document.objects.for_family(family).aggregate(total=Sum("size"))["total"] or 0
