"""Télécharger mes données: the family's whole file as JSON, and nothing of other families."""

import datetime
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import OnlineTransaction, Receipt, RefundRequest
from billing.tests.factories import (
    InstalmentFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    MandateFactory,
    PaymentFactory,
)
from documents.tests.factories import DocumentFactory
from extranet.base.models import PaymentMeans
from extranet.shell.rgpd import NOT_EXPORTED
from extranet.tests.portal import logged_in_family, seasons
from families.models import Family, Guardian
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ReenrolmentFactory, WindowFactory
from students.models import Student
from students.schoolyear_models import Attendance
from students.schoolyear_services import renew_calendar, report_absence
from students.tests.factories import (
    CourseFactory,
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)
from students.tests.schoolyear_factories import (
    AbsenceNoticeFactory,
    AttendanceFactory,
    EvaluationFactory,
    LessonFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def download(client):
    response = client.get(reverse("family_data_export"))
    assert response.status_code == 200
    return response, json.loads(response.content.decode("utf-8"))


def test_the_download_is_a_json_attachment_not_cached(client):
    logged_in_family(client)

    response, _data = download(client)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tutti-famille-')
    assert "no-store" in response["Cache-Control"]


def test_it_holds_the_family_guardians_pupils_and_their_school_life(client):
    current, coming = seasons()
    family, guardian = logged_in_family(client)
    guardian_of(family, first_name="Paul")
    student = StudentFactory(family=family, first_name="Léa")
    SchoolRecordFactory(student=student, season=coming, school_name="Collège Paul Bert")
    EnrolmentFactory(student=student)
    RepertoireEntryFactory(student=student, work="Sonatine")

    _response, data = download(client)

    assert data["family"]["name"] == family.name
    assert data["family"]["billing_mode"] == "En 1 fois – paiement en octobre"
    assert {g["first_name"] for g in data["guardians"]} == {"Claire", "Paul"}
    assert data["requester"]["identifier"] == guardian.user.identifier
    assert "password" not in json.dumps(data)
    (pupil,) = data["students"]
    assert pupil["first_name"] == "Léa"
    assert pupil["schooling"] == [{"season": "2026/2027", "school": "Collège Paul Bert", "level": ""}]
    assert pupil["enrolments"][0]["season"] == "2025/2026"
    assert pupil["repertoire"][0]["work"] == "Sonatine"


def test_it_holds_documents_dossiers_invoices_and_the_change_history(client):
    seasons()
    family, guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    DocumentFactory(family=family, original_name="qf.pdf")
    ReenrolmentFactory(
        student=student, window=WindowFactory(site=family.site), information="Continuer le piano"
    )
    invoice = InvoiceFactory(family=family, number="F2025-00042")
    PaymentFactory(instalment=InstalmentFactory(invoice=invoice, rank=1))
    MandateFactory(family=family)
    client.post(
        reverse("family:detail"),
        {
            "guardian-version": 1,
            "guardian-civility": guardian.civility_id,
            "guardian-last_name": guardian.last_name,
            "guardian-first_name": "Claire",
            "guardian-address": guardian.address,
            "guardian-postal_code": "92240",
            "guardian-city": "Vanves",
            "guardian-email": guardian.email,
            "guardian-mobile": guardian.mobile,
            "family-version": 1,
            "family-billing_mode": 1,
            "family-payment_means": family.payment_means_id,
        },
    )

    _response, data = download(client)

    assert data["documents"][0]["file_name"] == "qf.pdf"
    assert "file" not in data["documents"][0]
    assert data["reenrolments"][0]["information"] == "Continuer le piano"
    assert data["invoices"][0]["number"] == "F2025-00042"
    assert data["invoices"][0]["instalments"][0]["payments"][0]["amount"] == "150.00"
    # The one IBAN mask of the portal (billing.iban.mask_iban), as on Facturation.
    assert data["sepa_mandates"][0]["iban"] == "FR76 •••• •••• •••• •••• •••• 189"
    assert {"field": "Ville", "before": "Malakoff", "after": "Vanves"}.items() <= data["changes"][0].items()


def test_nothing_of_another_family_is_included(client):
    seasons()
    logged_in_family(client)
    other = FamilyFactory(name="VOISIN")
    guardian_of(other, first_name="Voisine")
    StudentFactory(family=other, first_name="Enfant du voisin")
    DocumentFactory(family=other, original_name="voisin.pdf")
    InvoiceFactory(family=other, number="F2025-09999")

    response, _data = download(client)

    content = response.content.decode()
    for secret in ("VOISIN", "Voisine", "Enfant du voisin", "voisin.pdf", "F2025-09999"):
        assert secret not in content


def school_year_of(student, *, course_name="Piano cycle 1"):
    """A lesson with a mark, a published and an unpublished term's evaluation for ``student``."""
    course = CourseFactory(pole__site=student.family.site, name=course_name)
    EnrolmentFactory(student=student, course=course)
    lesson = LessonFactory(course=course, scheduled_on=datetime.date(2025, 11, 5))
    AttendanceFactory(lesson=lesson, student=student, status=Attendance.Status.ABSENT, note="Pas prévenu")
    today = timezone.localdate()
    published = TermFactory(site=student.family.site, number=1, published_on=today)
    EvaluationFactory(term=published, course=course, student=student, appreciation="Belle sonorité.")
    hidden = TermFactory(site=student.family.site, number=2, published_on=today + datetime.timedelta(days=3))
    EvaluationFactory(term=hidden, course=course, student=student, appreciation="Pas encore publié.")
    return course


def test_it_holds_each_pupils_absences_reported_absences_and_published_evaluations(client):
    seasons()
    family, guardian = logged_in_family(client)
    student = StudentFactory(family=family, first_name="Léa")
    school_year_of(student)
    coming = timezone.localdate() + datetime.timedelta(days=7)
    report_absence(
        family=family,
        actor=guardian.user,
        student_id=student.pk,
        starts_on=coming,
        ends_on=coming,
        reason="Sortie scolaire",
    )

    response, data = download(client)

    (pupil,) = data["students"]
    assert pupil["attendance"] == [
        {
            "date": "2025-11-05",
            "course": "Piano cycle 1",
            "status": "absent",
            "note": "Pas prévenu",
            "guardians_notified_at": None,
        }
    ]
    (notice,) = pupil["absences_reported"]
    assert notice["from"] == notice["to"] == coming.isoformat()
    assert notice["reason"] == "Sortie scolaire"
    assert notice["reported_by"] == guardian.user.identifier
    (evaluation,) = pupil["evaluations"]
    assert evaluation["term"] == "1er trimestre"
    assert evaluation["season"] == "2025/2026"
    assert evaluation["course"] == "Piano cycle 1"
    assert evaluation["appreciation"] == "Belle sonorité."
    assert evaluation["level"] == "satisfaisant"
    assert "Pas encore publié" not in response.content.decode()


def test_the_calendar_feed_is_described_without_its_secret_address(client):
    seasons()
    family, guardian = logged_in_family(client)

    _response, before = download(client)
    calendar = renew_calendar(family=family, actor=guardian.user)
    response, after = download(client)

    assert before["calendar_feed"] == {"exists": False, "created_or_renewed_at": None, "by": None}
    assert after["calendar_feed"]["exists"] is True
    assert after["calendar_feed"]["created_or_renewed_at"] == calendar.renewed_at.isoformat()
    assert after["calendar_feed"]["by"] == guardian.user.identifier
    assert calendar.token not in response.content.decode()


def test_it_holds_desk_payments_online_payments_and_refund_requests(client):
    seasons()
    family, _guardian = logged_in_family(client)
    populate_billing_extras(family)

    _response, data = download(client)

    assert data["desk_payments"][0]["amount"] == "80.00"
    assert data["desk_payments"][0]["reference"] == "Chèque n° 42"
    assert data["online_payments"][0]["reference"] == "TX-RGPD-1"
    assert data["online_payments"][0]["state"] == "en cours"
    assert data["refund_requests"][0]["reason"] == "Cours arrêté en janvier"
    assert data["refund_requests"][0]["credit_note"] is None


def populate_billing_extras(family):
    cheque = PaymentMeans.objects.get(code="cheque")
    Receipt.objects.create(
        site=family.site,
        family=family,
        means=cheque,
        amount=Decimal("80.00"),
        received_on=datetime.date(2025, 10, 3),
        reference="Chèque n° 42",
        payer_name="Claire MARTIN",
    )
    OnlineTransaction.objects.create(
        site=family.site, family=family, backend="dummy", reference="TX-RGPD-1", amount=Decimal("150.00")
    )
    invoice = InvoiceFactory(family=family)
    RefundRequest.objects.create(
        family=family, invoice=invoice, amount=Decimal("30.00"), reason="Cours arrêté en janvier"
    )
    return invoice


# Where the rows of each model owned by a family, guardian or pupil appear in the export.
SECTIONS = {
    "families.Guardian": lambda data: data["guardians"],
    "students.Student": lambda data: data["students"],
    "students.SchoolRecord": lambda data: data["students"][0]["schooling"],
    "students.Enrolment": lambda data: data["students"][0]["enrolments"],
    "students.RepertoireEntry": lambda data: data["students"][0]["repertoire"],
    "students.Attendance": lambda data: data["students"][0]["attendance"],
    "students.AbsenceNotice": lambda data: data["students"][0]["absences_reported"],
    "students.Evaluation": lambda data: data["students"][0]["evaluations"],
    "students.FamilyCalendar": lambda data: data["calendar_feed"]["exists"],
    "documents.Document": lambda data: data["documents"],
    "reenrolment.Reenrolment": lambda data: data["reenrolments"],
    "billing.Invoice": lambda data: data["invoices"],
    "billing.Mandate": lambda data: data["sepa_mandates"],
    "billing.Receipt": lambda data: data["desk_payments"],
    "billing.OnlineTransaction": lambda data: data["online_payments"],
    "billing.RefundRequest": lambda data: data["refund_requests"],
}


def family_owned_models() -> set[str]:
    """Every model with a foreign key (or one-to-one, or many-to-many) to Family, Guardian or Student."""
    owners = {Family, Guardian, Student}
    return {
        model._meta.concrete_model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model in owners
    }


def test_every_model_owned_by_a_family_is_in_the_export_or_exempted_with_a_reason(client):
    forgotten = family_owned_models() - set(SECTIONS) - set(NOT_EXPORTED)
    assert not forgotten, (
        f"{sorted(forgotten)} hold a family's, guardian's or pupil's data: give them a section in "
        "extranet.shell.rgpd.family_data_export (and in SECTIONS here), or a reason in rgpd.NOT_EXPORTED."
    )
    assert set(NOT_EXPORTED) <= family_owned_models(), "an exemption names a model that no longer exists"
    assert all(reason.strip() for reason in NOT_EXPORTED.values())

    seasons()
    family, guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    SchoolRecordFactory(student=student)
    RepertoireEntryFactory(student=student)
    school_year_of(student)
    AbsenceNoticeFactory(student=student)
    renew_calendar(family=family, actor=guardian.user)
    DocumentFactory(family=family, student=student)
    ReenrolmentFactory(student=student, window=WindowFactory(site=family.site))
    invoice = populate_billing_extras(family)
    InvoiceLineFactory(invoice=invoice, student=student)
    MandateFactory(family=family)

    _response, data = download(client)

    empty = sorted(label for label, section in SECTIONS.items() if not section(data))
    assert not empty, f"the export leaves out the rows of {empty}"


def test_the_school_year_costs_the_same_queries_for_one_pupil_or_four(client):
    seasons()
    family, _guardian = logged_in_family(client)
    school_year_of(StudentFactory(family=family))
    download(client)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            download(client)
        return len(captured)

    with_one = queries()
    for index in range(3):
        student = StudentFactory(family=family)
        school_year_of(student, course_name=f"Cours {index}")
        AbsenceNoticeFactory(student=student)

    assert queries() == with_one
