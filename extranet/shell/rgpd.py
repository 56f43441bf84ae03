"""The RGPD right of access: what the portal holds about the requester and their household.

The requester gets their own data in full and, of the household, what the Famille page shows
them. The other guardians' own data (address, profession, situation, logins, the history of
their own record) is theirs to ask for: it is never in another guardian's export.

It lives in the shell because it reads every feature app.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone

from billing.models import Instalment, Invoice, Mandate
from documents.models import Document
from extranet.base.models import ChangeRecord
from families.models import Family, Guardian, Membership
from reenrolment.models import Reenrolment
from students.models import Enrolment, SchoolRecord, Student
from students.services import IDENTITY_FIELDS


def _date(value):
    return value.isoformat() if value else None


def _masked_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return compact[:4] + " **** " + compact[-4:] if len(compact) > 8 else "****"


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
    students = list(_students_of(family))
    return {
        "exported_at": timezone.localtime().isoformat(),
        "site": {"name": family.site.name, "contact_email": family.site.contact_email},
        "family": _family_section(family),
        "requester": _requester_section(requester) if requester is not None else None,
        "guardians": [_guardian_section(membership, requester) for membership in memberships],
        "students": [_student_section(student) for student in students],
        "documents": _documents_section(family),
        "reenrolments": _reenrolments_section(family),
        "invoices": _invoices_section(family),
        "sepa_mandates": _mandates_section(family),
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


def _students_of(family: Family):
    return (
        Student.objects.for_family(family)
        .select_related("civility")
        .prefetch_related(
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


def _student_section(student: Student) -> dict:
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
            "iban": _masked_iban(mandate.iban),
            "signed_on": _date(mandate.signed_on),
            "revoked_on": _date(mandate.revoked_on),
        }
        for mandate in Mandate.objects.filter(family=family).order_by("signed_on")
    ]


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
