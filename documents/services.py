"""Writes about documents: hand one in (or record one received at the desk), validate it, refuse it.

Replacing: a new upload replaces the same owner's documents of that type that are still
Fourni (unchecked) or Refusé; they become Remplacé and stay in the history with their file.
A Validé document is never replaced by an upload: the new file is a new Fourni document
and, once the secretariat validates it, the older validated one becomes Remplacé. If the
new one is refused, the validated one stays in force.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from documents import selectors, validity
from documents.models import Document, DocumentStateChange, DocumentType
from documents.storage import delete_file, save_file
from documents.uploads import CheckedFile, UploadRefused, check_upload, megabytes
from extranet.base.audit import diff, record_changes, snapshot
from extranet.base.emails import send_email
from extranet.base.errors import DomainError
from families.models import Family, Guardian
from families.selectors import family_emails
from students.models import Student


class DocumentError(DomainError):
    """A refused operation on a document; ``field`` names the form field it belongs to."""


def _record(*, document: Document, old_state: str, actor, reason: str = "", at=None) -> None:
    DocumentStateChange.objects.create(
        document=document,
        old_state=old_state,
        new_state=document.state,
        actor=actor,
        at=at or timezone.now(),
        reason=reason,
    )


# Told after every change to a family's or a pupil's documents, inside the same transaction
# (re-enrolment recomputes "dossier complet"). The apps above documents register here at
# start-up; documents itself knows nothing of them.
_DOCUMENTS_CHANGED: list[Callable[..., None]] = []


def on_documents_changed(listener: Callable[..., None]) -> None:
    """Call ``listener(family=…, student=…, at=…)`` after each change; ``student`` is None for a
    family document (every pupil of the family may be concerned)."""
    if listener not in _DOCUMENTS_CHANGED:
        _DOCUMENTS_CHANGED.append(listener)


def _documents_changed(*, family: Family, student: Student | None, at=None) -> None:
    for listener in _DOCUMENTS_CHANGED:
        listener(family=family, student=student, at=at)


def _documents_url(document: Document) -> str:
    if document.student_id:
        return settings.SITE_URL + reverse("documents:student", args=[document.student_id])
    return settings.SITE_URL + reverse("documents:family")


def _check_type(*, family: Family, student: Student | None, document_type: DocumentType) -> None:
    wrong_type = DocumentError(
        _("Ce type de document ne peut pas être fourni ici. Choisissez-en un dans la liste."),
        field="document_type",
    )
    if not document_type.is_active:
        raise wrong_type
    # Families only ever see the types of the page's scope; the secretariat picks the pupil itself.
    if document_type.scope == DocumentType.Scope.STUDENT and student is None:
        raise DocumentError(
            _("« %(type)s » se fournit pour un élève : choisissez l'élève concerné.")
            % {"type": document_type.name},
            field="document_type",
        )
    if document_type.scope == DocumentType.Scope.FAMILY and student is not None:
        raise DocumentError(
            _("« %(type)s » se fournit pour la famille, pas pour un élève : laissez l'élève vide.")
            % {"type": document_type.name},
            field="document_type",
        )
    dances = False
    if document_type.requirement == DocumentType.Requirement.DANCE and student is not None:
        dances = bool(
            selectors.students_with_dance(Student.objects.filter(pk=student.pk))
            .values_list("dances", flat=True)
            .first()
        )
    if not selectors.applies(document_type, family=family, dances=dances):
        if document_type.requirement == DocumentType.Requirement.DIRECT_DEBIT:
            raise DocumentError(
                _("« %(type)s » n'est demandé qu'aux familles qui paient par prélèvement.")
                % {"type": document_type.name},
                field="document_type",
            )
        if document_type.requirement == DocumentType.Requirement.DANCE:
            raise DocumentError(
                _("« %(type)s » n'est demandé que pour les élèves inscrits en danse.")
                % {"type": document_type.name},
                field="document_type",
            )
        raise wrong_type


def upload_document(
    *,
    family: Family,
    document_type: DocumentType,
    uploaded_file,
    actor,
    guardian: Guardian | None = None,
    student: Student | None = None,
    document_date: datetime.date | None = None,
    today: datetime.date | None = None,
    send_receipt: bool = True,
) -> Document:
    """Check and store a file handed in by a family, for itself or one of its pupils.

    The file is written only once every check has passed, inside the transaction, and
    removed again if the transaction fails: a refusal stores nothing and loses nothing.
    ``send_receipt=False`` leaves the acknowledgement to the caller (see ``record_desk_document``).
    """
    if student is not None and student.family_id != family.pk:
        raise DocumentError(_("Cet élève n'appartient pas à votre famille."))
    checked, document_date = _checked_upload(
        family=family,
        student=student,
        document_type=document_type,
        uploaded_file=uploaded_file,
        document_date=document_date,
        today=today or timezone.localdate(),
    )
    stored_name = ""
    try:
        with transaction.atomic():
            locked = Family.objects.select_for_update().get(pk=family.pk)
            _check_quota(locked, adding=checked.size)
            previous = list(
                Document.objects.select_for_update()
                .filter(
                    family=locked,
                    student=student,
                    document_type=document_type,
                    state__in=[Document.State.SUBMITTED, Document.State.REFUSED],
                )
                .order_by("-uploaded_at", "-pk")
            )
            stored_name = save_file(checked.content, extension=checked.extension)
            now = timezone.now()
            document = Document.objects.create(
                family=locked,
                student=student,
                document_type=document_type,
                state=Document.State.SUBMITTED,
                file=stored_name,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_at=now,
                uploaded_by=actor,
                document_date=document_date,
                replaces=previous[0] if previous else None,
            )
            _record(document=document, old_state="", actor=actor, at=now)
            _replace(previous, by=document, actor=actor, at=now)
            if send_receipt:
                _send_receipt(document=document, guardian=guardian, actor=actor)
            _documents_changed(family=locked, student=student, at=now)
    except BaseException:
        if stored_name:
            delete_file(stored_name)
        raise
    return document


def _checked_upload(
    *,
    family: Family,
    student: Student | None,
    document_type: DocumentType,
    uploaded_file,
    document_date: datetime.date | None,
    today: datetime.date,
) -> tuple[CheckedFile, datetime.date | None]:
    """Every check that needs no lock: the type for this owner, the document's date, the bytes."""
    _check_type(family=family, student=student, document_type=document_type)
    if document_type.validity != DocumentType.Validity.NONE:
        error = validity.date_error(
            document_type, document_date, today=today, season=validity.coming_season()
        )
        if error:
            raise DocumentError(error, field="document_date")
    else:
        document_date = None
    try:
        checked = check_upload(
            uploaded_file, accepted_types=document_type.accepted_types, type_name=document_type.name
        )
    except UploadRefused as refusal:
        raise DocumentError(refusal.message, field="file") from refusal
    return checked, document_date


def _check_quota(family: Family, *, adding: int) -> None:
    quota = settings.DOCUMENT_FAMILY_QUOTA_BYTES
    if selectors.family_quota_used(family) + adding > quota:
        raise DocumentError(
            _(
                "Votre famille a atteint la place réservée à ses documents (%(quota)s Mo). "
                "Contactez le secrétariat pour retirer d'anciens fichiers."
            )
            % {"quota": megabytes(quota)},
            field="file",
        )


def _replace(previous: list[Document], *, by: Document, actor, at) -> None:
    """The owner's unchecked or refused documents of the type give way to the new one (history kept)."""
    for old in previous:
        old_state = old.state
        old.state = Document.State.REPLACED
        old.save(update_fields=["state"])
        _record(
            document=old,
            old_state=old_state,
            actor=actor,
            at=at,
            reason=_("Remplacé par « %(name)s ».") % {"name": by.original_name},
        )


def _send_receipt(*, document: Document, guardian: Guardian | None, actor) -> None:
    address = (guardian.email if guardian is not None else "") or getattr(actor, "email", "")
    send_email("document_received", to=[address], context=_email_context(document))


def _email_context(document: Document, **extra) -> dict:
    """What every email about a document shows: its type, owner, when it was handed in, where to see it."""
    local = timezone.localtime(document.uploaded_at)
    return {
        "document": document,
        "type_name": document.document_type.name,
        "student": document.student,
        "family": document.family,
        "date": date_format(local, "d/m/Y"),
        "time": date_format(local, "H:i"),
        "size": megabytes(document.size),
        "url": _documents_url(document),
        **extra,
    }


@dataclass(frozen=True)
class DeskRecord:
    """A document the secretariat recorded, and who was told by email (empty: nobody could be)."""

    document: Document
    receipt_to: list[str]


def record_desk_document(
    *,
    family: Family,
    document_type: DocumentType,
    uploaded_file,
    actor,
    student: Student | None = None,
    document_date: datetime.date | None = None,
    validate: bool = False,
    today: datetime.date | None = None,
) -> DeskRecord:
    """Record a document a family handed in at the desk (paper scanned, or a file sent by email).

    It goes through ``upload_document`` (same checks, quota, replacing, history and completeness)
    with the staff member as actor; the family's guardians, not the staff member, get the
    acknowledgement. With ``validate`` (the secretariat has the original in hand) it is validated
    in the same transaction, so its history shows Fourni then Validé and a failure keeps neither.
    """
    document = None
    try:
        with transaction.atomic():
            document = upload_document(
                family=family,
                student=student,
                document_type=document_type,
                uploaded_file=uploaded_file,
                document_date=document_date,
                actor=actor,
                today=today,
                send_receipt=False,
            )
            if validate:
                document = validate_document(document=document, actor=actor)
            recipients = family_emails(document.family_id)
            _send_desk_receipt(document=document, recipients=recipients)
    except BaseException:
        if document is not None:  # upload_document cleans up after itself, not after us
            delete_file(document.file.name)
        raise
    return DeskRecord(document=document, receipt_to=recipients)


def _send_desk_receipt(*, document: Document, recipients: list[str]) -> None:
    validated = document.state == Document.State.VALIDATED
    send_email("document_recorded", to=recipients, context=_email_context(document, validated=validated))


def _lock_for_check(document: Document) -> Document:
    Family.objects.select_for_update().filter(pk=document.family_id).first()
    locked = (
        Document.objects.select_for_update(of=("self",))
        .select_related("document_type", "family__site", "student")
        .filter(pk=document.pk)
        .first()
    )
    if locked is None:
        raise DocumentError(_("Ce document n'existe plus."))
    if locked.state != Document.State.SUBMITTED:
        raise DocumentError(
            _(
                "« %(document)s » est dans l'état « %(state)s » : seul un document « Fourni » peut être "
                "validé ou refusé."
            )
            % {"document": locked, "state": locked.get_state_display()}
        )
    return locked


def validate_document(*, document: Document, actor, family_quotient: int | None = None) -> Document:
    """The secretariat accepts a handed-in document; an older validated one of its type is replaced.

    For a QF attestation, ``family_quotient`` is the QF the secretariat read on it: it becomes the
    family's QF (recorded with who and when), which billing reads once the attestation is validated.
    """
    if family_quotient is not None and not 0 <= family_quotient <= 99999:
        raise DocumentError(
            _("Le quotient familial s'écrit en euros, entre 0 et 99 999, par exemple 850."),
            field="family_quotient",
        )
    with transaction.atomic():
        locked = _lock_for_check(document)
        if family_quotient is not None:
            _set_family_quotient(locked, family_quotient, actor=actor)
        now = timezone.now()
        locked.state = Document.State.VALIDATED
        locked.checked_at = now
        locked.checked_by = actor
        locked.refusal_reason = ""
        locked.save(update_fields=["state", "checked_at", "checked_by", "refusal_reason"])
        _record(document=locked, old_state=Document.State.SUBMITTED, actor=actor, at=now)
        older = (
            Document.objects.select_for_update()
            .filter(
                family_id=locked.family_id,
                student_id=locked.student_id,
                document_type_id=locked.document_type_id,
                state=Document.State.VALIDATED,
            )
            .exclude(pk=locked.pk)
        )
        for old in older:
            old.state = Document.State.REPLACED
            old.save(update_fields=["state"])
            _record(
                document=old,
                old_state=Document.State.VALIDATED,
                actor=actor,
                at=now,
                reason=_("Remplacé par « %(name)s », validé le %(date)s.")
                % {"name": locked.original_name, "date": date_format(timezone.localtime(now), "d/m/Y")},
            )
        _documents_changed(family=locked.family, student=locked.student)
    return locked


def _set_family_quotient(document: Document, family_quotient: int, *, actor) -> None:
    if document.document_type.requirement != DocumentType.Requirement.REDUCED_TARIFF:
        raise DocumentError(
            _("Un quotient familial ne se saisit qu'en validant une attestation de quotient familial."),
            field="family_quotient",
        )
    family = document.family
    before = snapshot(family, ["family_quotient"])
    family.family_quotient = family_quotient
    family.save(update_fields=["family_quotient", "updated_at"])
    record_changes(actor=actor, instance=family, changes=diff(family, before))


def refuse_document(*, document: Document, actor, reason: str) -> Document:
    """The secretariat refuses a handed-in document; the family's guardians get the reason by email."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(
            _("Indiquez le motif du refus : la famille le recevra par e-mail."), field="reason"
        )
    with transaction.atomic():
        locked = _lock_for_check(document)
        now = timezone.now()
        locked.state = Document.State.REFUSED
        locked.checked_at = now
        locked.checked_by = actor
        locked.refusal_reason = reason
        locked.save(update_fields=["state", "checked_at", "checked_by", "refusal_reason"])
        _record(document=locked, old_state=Document.State.SUBMITTED, actor=actor, at=now, reason=reason)
        recipients = family_emails(locked.family_id)
        send_email(
            "document_refused",
            to=recipients,
            context=_email_context(
                locked,
                reason=reason,
                uploaded_date=date_format(timezone.localtime(locked.uploaded_at), "d/m/Y"),
                site=locked.family.site,
            ),
        )
        _documents_changed(family=locked.family, student=locked.student)
    return locked
