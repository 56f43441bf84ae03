"""The RGPD right of access: what the portal holds about the requester and their household.

The requester gets their own data in full and, of the household, what the Famille page shows
them. The other guardians' own data (address, profession, situation, logins, the history of
their own record) is theirs to ask for: it is never in another guardian's export.

It lives in the shell because it reads every feature app. Every model that belongs to a family,
a guardian or a pupil has a section here or a reason not to in ``NOT_EXPORTED``
(``families/tests/test_export.py`` fails for a new one that has neither).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone

from billing.iban import mask_iban
from billing.models import Instalment, Invoice, Mandate, OnlineTransaction, Receipt, RefundRequest
from documents.models import Document
from extranet.base.models import ChangeRecord
from families.models import Family, Guardian, Membership
from reenrolment.models import Reenrolment
from students.models import Enrolment, SchoolRecord, Student
from students.schoolyear_models import AbsenceNotice, Attendance, Evaluation, FamilyCalendar
from students.services import IDENTITY_FIELDS

# Models holding rows of a family, guardian or pupil (a foreign key to Family, Guardian or
# Student) without a section of their own, and where their data are in the export instead.
# Every other such model has its section.
NOT_EXPORTED = {
    "families.Membership": "the guardian-household link: each guardian's relationship and payer flag",
    "billing.InvoiceLine": "the lines of an invoice, exported with their invoice",
    "students.StoredBulletin": "a published term's bulletin (PDF), whose evaluations are exported",
}


def _date(value):
    return value.isoformat() if value else None


def _as_stored(instance, *names: str) -> dict:
    return {name: getattr(instance, name) for name in names}


def _actor(user, requester: Guardian | None) -> str | None:
    if user is None:
        return None
    if not user.site_id:
        return "secrétariat"
    if requester is not None and user.pk == requester.user_id:
        return user.identifier
    return "autre responsable de la famille"


def family_data_export(family: Family, *, requester: Guardian | None = None) -> dict:
    """What the portal holds about ``requester`` and the household ``family`` (RGPD right of access).

    One section per kind of data, each read with a fixed number of queries whatever the size of
    the family. Without a requester (the secretariat answering a written request), every
    guardian is exported as the Famille page shows them, without their own details.
    """
    memberships = list(
        Membership.objects.filter(family=family)
        .select_related("guardian__civility", "guardian__socio_professional_category", "guardian__user")
        .order_by("pk")
    )
    if requester is not None:  # the requester as loaded with the household (no query more)
        requester = next((m.guardian for m in memberships if m.guardian_id == requester.pk), requester)
    today = timezone.localdate()
    students = list(_students_of(family, today=today))
    return {
        "exported_at": timezone.localtime().isoformat(),
        "site": {"name": family.site.name, "contact_email": family.site.contact_email},
        "family": _family_section(family),
        "requester": _requester_section(requester) if requester is not None else None,
        "guardians": [_guardian_section(membership, requester) for membership in memberships],
        "students": [_student_section(student, requester) for student in students],
        "documents": _documents_section(family),
        "reenrolments": _reenrolments_section(family),
        "invoices": _invoices_section(family),
        "sepa_mandates": _mandates_section(family),
        "desk_payments": _receipts_section(family),
        "online_payments": _online_payments_section(family),
        "refund_requests": _refund_requests_section(family),
        "calendar_feed": _calendar_feed_section(family, requester),
        "changes": _changes_section(
            family,
            requester=requester,
            student_ids=[student.pk for student in students],
        ),
    }


def _family_section(family: Family) -> dict:
    return {
        "name": family.name,
        "reference": family.external_reference,
        "address": family.address,
        "postal_code": family.postal_code,
        "city": family.city,
        "billing_mode": family.get_billing_mode_display(),
        "payment_means": str(family.payment_means or ""),
        "family_quotient": family.family_quotient,
        "created_at": _date(family.created_at),
    }


def _requester_section(guardian: Guardian) -> dict:
    """The requester's own record, in full."""
    return {
        "identifier": guardian.user.identifier if guardian.user else None,
        "civility": str(guardian.civility or ""),
        **_as_stored(guardian, "last_name", "first_name"),
        "family_situation": guardian.get_family_situation_display(),
        "profession": guardian.profession,
        "socio_professional_category": str(guardian.socio_professional_category or ""),
        **_as_stored(
            guardian, "address", "postal_code", "city", "phone_home", "phone_work", "email", "mobile"
        ),
        "last_login": _date(guardian.user.last_login) if guardian.user else None,
    }


def _guardian_section(membership: Membership, requester: Guardian | None) -> dict:
    """A guardian of the household as the Famille page shows them: name, email, one phone."""
    guardian = membership.guardian
    return {
        "relationship": membership.get_relationship_display(),
        "is_payer": membership.is_payer,
        "is_requester": requester is not None and membership.guardian_id == requester.pk,
        "civility": str(guardian.civility or ""),
        **_as_stored(guardian, "last_name", "first_name", "email"),
        "phone": guardian.mobile or guardian.phone_home,
    }


def _students_of(family: Family, *, today):
    return (
        Student.objects.for_family(family)
        .select_related("civility")
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("lesson__course").order_by(
                    "lesson__date", "lesson__starts_at", "pk"
                ),
            ),
            Prefetch(
                "absence_notices",
                queryset=AbsenceNotice.objects.select_related("reported_by").order_by("starts_on", "pk"),
            ),
            # Only what families see on the Suivi tab: a term's evaluations once it is published.
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(term__published_on__lte=today)
                .select_related("term__season", "course", "teacher__user")
                .order_by("term__season__starts_on", "term__number", "course__name", "pk"),
            ),
            Prefetch(
                "school_records", queryset=SchoolRecord.objects.select_related("season", "school_level")
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related(
                    "season", "course__discipline", "course__cycle", "course__pole"
                ).order_by("season__starts_on", "pk"),
            ),
            "repertoire__season",
            "repertoire__discipline",
        )
        .order_by("pk")
    )


def _student_section(student: Student, requester: Guardian | None) -> dict:
    return {
        "civility": str(student.civility or ""),
        **_as_stored(student, "last_name", "first_name"),
        "birth_date": _date(student.birth_date),
        # The Identité tab's other fields, as stored.
        **_as_stored(student, *(name for name in IDENTITY_FIELDS if name not in {"civility", "birth_date"})),
        "schooling": [
            {
                "season": record.season.label,
                "school": record.school_name,
                "level": str(record.school_level or ""),
            }
            for record in student.school_records.all()
        ],
        "enrolments": [
            {
                "season": enrolment.season.label,
                "discipline": enrolment.course.discipline.name,
                "course": enrolment.course.name,
                "cycle": enrolment.course.cycle.name if enrolment.course.cycle else "",
                "pole": enrolment.course.pole.name,
                "teacher": enrolment.course.teacher_name,
                "timetable": enrolment.course.timetable,
                "status": enrolment.get_status_display(),
            }
            for enrolment in student.enrolments.all()
        ],
        "repertoire": [
            {
                "season": entry.season.label,
                "work": entry.work,
                "composer": entry.composer,
                "discipline": entry.discipline.name if entry.discipline else "",
            }
            for entry in student.repertoire.all()
        ],
        # Every mark of the roll (present too: it is data held about the pupil).
        "attendance": [
            {
                "date": _date(mark.lesson.date),
                "course": mark.lesson.course.name,
                "status": mark.get_status_display(),
                "note": mark.note,
                "guardians_notified_at": _date(mark.guardians_notified_at),
            }
            for mark in student.attendances.all()
        ],
        "absences_reported": [
            {
                "from": _date(notice.starts_on),
                "to": _date(notice.ends_on),
                "reason": notice.reason,
                "reported_at": _date(notice.created_at),
                "reported_by": _actor(notice.reported_by, requester),
            }
            for notice in student.absence_notices.all()
        ],
        "evaluations": [
            {
                "season": evaluation.term.season.label,
                "term": evaluation.term.label,
                "course": evaluation.course.name,
                "teacher": evaluation.teacher.full_name if evaluation.teacher else "",
                "appreciation": evaluation.appreciation,
                "level": evaluation.get_level_display() if evaluation.level else "",
                "skills": evaluation.skills,
                "published_on": _date(evaluation.term.published_on),
            }
            for evaluation in student.evaluations.all()
        ],
    }


def _documents_section(family: Family) -> list[dict]:
    documents = (
        Document.objects.for_family(family)
        .select_related("document_type", "student")
        .order_by("uploaded_at", "pk")
    )
    return [
        {
            "type": document.document_type.name,
            "student": document.student.full_name if document.student else None,
            "file_name": document.original_name,
            "content_type": document.content_type,
            "size_bytes": document.size,
            "state": document.get_state_display(),
            "uploaded_at": _date(document.uploaded_at),
            "checked_at": _date(document.checked_at),
            "refusal_reason": document.refusal_reason,
        }
        for document in documents
    ]


def _reenrolments_section(family: Family) -> list[dict]:
    reenrolments = (
        Reenrolment.objects.filter(student__family=family)
        .select_related("student", "window__season")
        .prefetch_related("choices__course")
        .order_by("pk")
    )
    return [
        {
            "student": dossier.student.full_name,
            "season": dossier.window.season.label,
            "state": dossier.get_state_display(),
            "administrative": dossier.administrative,
            "information": dossier.information,
            "house_rules_version": dossier.house_rules_version,
            "house_rules_accepted_at": _date(dossier.house_rules_accepted_at),
            "submitted_at": _date(dossier.submitted_at),
            "complete_at": _date(dossier.complete_at),
            "decided_at": _date(dossier.decided_at),
            "refusal_reason": dossier.refusal_reason,
            "courses": [
                {
                    "course": choice.course.name,
                    "kind": choice.get_kind_display(),
                    "state": choice.get_state_display(),
                    "waitlist_position": choice.waitlist_position,
                }
                for choice in dossier.choices.all()
            ],
        }
        for dossier in reenrolments
    ]


def _invoices_section(family: Family) -> list[dict]:
    invoices = (
        Invoice.objects.for_family(family)
        .select_related("season")
        .prefetch_related(
            "lines",
            Prefetch(
                "instalments",
                queryset=Instalment.objects.prefetch_related("payments__means").order_by("rank"),
            ),
        )
        .order_by("issued_at", "pk")
    )
    return [
        {
            "number": invoice.number,
            "kind": invoice.get_kind_display(),
            "season": invoice.season.label,
            "issued_at": _date(invoice.issued_at),
            "total": str(invoice.total),
            "instalments_count": invoice.billing_mode,
            "payment_means": invoice.payment_means_label,
            "payer": invoice.payer_name,
            "lines": [
                {"label": line.label, "quantity": line.quantity, "amount": str(line.amount)}
                for line in invoice.lines.all()
            ],
            "instalments": [
                {
                    "rank": instalment.rank,
                    "due_on": _date(instalment.due_on),
                    "amount": str(instalment.amount),
                    "payments": [
                        {
                            "received_on": _date(payment.received_on),
                            "amount": str(payment.amount),
                            "means": str(payment.means),
                        }
                        for payment in instalment.payments.all()
                    ],
                }
                for instalment in invoice.instalments.all()
            ],
        }
        for invoice in invoices
    ]


def _mandates_section(family: Family) -> list[dict]:
    return [
        {
            "reference": mandate.reference,
            "holder": mandate.holder_name,
            "iban": mask_iban(mandate.iban),
            "signed_on": _date(mandate.signed_on),
            "revoked_on": _date(mandate.revoked_on),
        }
        for mandate in Mandate.objects.filter(family=family).order_by("signed_on")
    ]


def _receipts_section(family: Family) -> list[dict]:
    receipts = Receipt.objects.filter(family=family).select_related("means").order_by("received_on", "pk")
    return [
        {
            "received_on": _date(receipt.received_on),
            "amount": str(receipt.amount),
            "means": str(receipt.means),
            "reference": receipt.reference,
            "payer": receipt.payer_name,
            "payer_email": receipt.payer_email,
        }
        for receipt in receipts
    ]


def _online_payments_section(family: Family) -> list[dict]:
    transactions = OnlineTransaction.objects.for_family(family).order_by("created_at", "pk")
    return [
        {
            "reference": transaction.reference,
            "amount": str(transaction.amount),
            "state": transaction.get_state_display(),
            "started_at": _date(transaction.created_at),
            "settled_at": _date(transaction.settled_at),
        }
        for transaction in transactions
    ]


def _refund_requests_section(family: Family) -> list[dict]:
    requests = (
        RefundRequest.objects.filter(family=family)
        .select_related("invoice", "credit_note")
        .order_by("requested_at", "pk")
    )
    return [
        {
            "invoice": request.invoice.number,
            "amount": str(request.amount),
            "reason": request.reason,
            "state": request.get_state_display(),
            "requested_at": _date(request.requested_at),
            "credit_note": request.credit_note.number if request.credit_note else None,
        }
        for request in requests
    ]


def _calendar_feed_section(family: Family, requester: Guardian | None) -> dict:
    """Whether the family's lessons feed has an address, and since when; never the address.

    The secret token in the address lets anyone who has it read the family's lessons without
    logging in, like a password. The export is a file that gets saved, forwarded or handed to
    the secretariat: a live credential has no place in it, and it is not data *about* anyone.
    A guardian sees the address on the Planning page and can renew it there.
    """
    calendar = FamilyCalendar.objects.filter(family=family).select_related("renewed_by").first()
    if calendar is None:
        return {"exists": False, "created_or_renewed_at": None, "by": None}
    return {
        "exists": True,
        "created_or_renewed_at": _date(calendar.renewed_at),
        "by": _actor(calendar.renewed_by, requester),
    }


def _changes_section(family: Family, *, requester: Guardian | None, student_ids: list[int]) -> list[dict]:
    """The history of the household, the pupils and the requester's own record (never of
    another guardian's record)."""
    own_record = [requester.pk] if requester is not None else []
    content_types = ContentType.objects.get_for_models(Family, Guardian, Student)
    targets = (
        Q(content_type=content_types[Family], object_id=family.pk)
        | Q(content_type=content_types[Guardian], object_id__in=own_record)
        | Q(content_type=content_types[Student], object_id__in=student_ids)
    )
    changes = (
        ChangeRecord.objects.filter(targets).select_related("actor", "content_type").order_by("at", "pk")
    )
    return [
        {
            "at": _date(change.at),
            "object": change.content_type.model,
            "field": change.field_label,
            "before": change.old_value,
            "after": change.new_value,
            "by": _actor(change.actor, requester),
        }
        for change in changes
    ]
