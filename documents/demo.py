"""Demo documents for the Malakoff demo family (guardian ``famille.demo``), called by seed_demo.

Gives the family a validated RIB, a refused direct-debit mandate (with its reason) and a
submitted ID photo for one pupil, with real small files. Running it again changes nothing.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from documents.models import Document, DocumentStateChange, DocumentType
from documents.storage import save_file
from documents.uploads import JPEG, PDF, PNG, check_upload
from extranet.base.models import User
from families.models import Family, Guardian
from students.models import Student

DEMO_IDENTIFIER = "famille.demo"


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (Helvetica, Latin-1), small and valid."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 14 Tf 60 780 Td 18 TL " + " ".join(f"({escape(line)}) '" for line in lines) + " ET"
    stream_bytes = stream.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream_bytes)).encode() + b" >>\nstream\n" + stream_bytes + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        output += f"{offset:010d} 00000 n \n".encode()
    output += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(output)


def id_photo_png() -> bytes:
    """A drawn ID-photo placeholder (a silhouette on a light background)."""
    image = Image.new("RGB", (350, 450), (225, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((115, 70, 235, 200), fill=(120, 130, 150))
    draw.ellipse((55, 220, 295, 520), fill=(120, 130, 150))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


class _Upload(io.BytesIO):
    """Just enough of an UploadedFile for ``check_upload``."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)

    def chunks(self):
        yield self.getvalue()


def _add(*, family, student, code, name, content, state, reason="", checker=None) -> Document | None:
    document_type = DocumentType.objects.filter(code=code).first()
    if (
        document_type is None
        or Document.objects.filter(family=family, student=student, document_type=document_type).exists()
    ):
        return None
    checked = check_upload(
        _Upload(name, content), accepted_types=[PDF, JPEG, PNG], type_name=document_type.name
    )
    now = timezone.now()
    document = Document.objects.create(
        family=family,
        student=student,
        document_type=document_type,
        state=Document.State.SUBMITTED,
        file=save_file(checked.content, extension=checked.extension),
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    DocumentStateChange.objects.create(document=document, new_state=Document.State.SUBMITTED, at=now)
    if state != Document.State.SUBMITTED:
        document.state = state
        document.refusal_reason = reason
        document.checked_at = now
        document.checked_by = checker
        document.save(update_fields=["state", "refusal_reason", "checked_at", "checked_by"])
        DocumentStateChange.objects.create(
            document=document,
            old_state=Document.State.SUBMITTED,
            new_state=state,
            actor=checker,
            at=now,
            reason=reason,
        )
    return document


def seed_documents() -> int:
    """Create the demo family's documents once; returns how many were created."""
    guardian = Guardian.objects.filter(user__identifier=DEMO_IDENTIFIER).first()
    if guardian is None:
        return 0
    family = Family.objects.filter(memberships__guardian=guardian).order_by("pk").first()
    if family is None:
        return 0
    checker = User.objects.filter(site__isnull=True, is_staff=True).order_by("pk").first()
    student = Student.objects.for_family(family).order_by("pk").first()
    created = []
    with transaction.atomic():
        created.append(
            _add(
                family=family,
                student=None,
                code="rib",
                name="RIB compte joint.pdf",
                content=text_pdf(
                    [
                        "Releve d'identite bancaire (demonstration)",
                        f"Titulaire : {family.name}",
                        "IBAN : FR76 3000 6000 0112 3456 7890 189",
                        "BIC : AGRIFRPP",
                    ]
                ),
                state=Document.State.VALIDATED,
                checker=checker,
            )
        )
        created.append(
            _add(
                family=family,
                student=None,
                code="mandat-prelevement",
                name="mandat.pdf",
                content=text_pdf(["Mandat de prelevement SEPA (demonstration)", "Signature : (absente)"]),
                state=Document.State.REFUSED,
                reason="Le mandat n'est pas signé. Imprimez-le, signez-le, puis importez-le de nouveau.",
                checker=checker,
            )
        )
        if student is not None:
            created.append(
                _add(
                    family=family,
                    student=student,
                    code="photo-identite",
                    name=f"photo {student.first_name}.png",
                    content=id_photo_png(),
                    state=Document.State.SUBMITTED,
                )
            )
    return sum(1 for document in created if document is not None)
