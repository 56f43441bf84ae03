"""Documents and the files families hand in, good and bad, built in memory."""

from __future__ import annotations

import datetime
import hashlib
import io
import struct
import zlib

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from documents.demo import text_pdf
from documents.models import Document, DocumentStateChange, DocumentType
from documents.storage import save_file
from extranet.tests.factories import SeasonFactory
from families.tests.factories import FamilyFactory

# ----------------------------------------------------------------------------- files


def pdf_bytes(text: str = "Attestation de quotient familial") -> bytes:
    return text_pdf([text])


def png_bytes(size=(60, 40), color="navy") -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return output.getvalue()


def jpeg_bytes(size=(80, 60)) -> bytes:
    output = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(output, format="JPEG", quality=85)
    return output.getvalue()


def heic_bytes(size=(64, 48)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, "teal").save(output, format="HEIF")
    return output.getvalue()


def encrypted_pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png_bytes(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels, with a tiny compressed IDAT.

    Decoding it would need hundreds of megabytes; a safe check refuses it from the header.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def elf_bytes() -> bytes:
    """The start of a Linux x86-64 executable."""
    header = (
        b"\x7fELF\x02\x01\x01\x00"
        + b"\x00" * 8
        + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    )
    return header + b"\x90" * 512


HTML_WITH_SCRIPT = b"<!DOCTYPE html><html><head><title>RIB</title></head><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """A file as the browser sends it: name and content type chosen by the sender, never trusted."""
    return SimpleUploadedFile(name, content, content_type=content_type)


# ----------------------------------------------------------------------------- data


def document_type(code: str) -> DocumentType:
    """Reference document types: quotient-familial, mandat-prelevement, rib, modalite-paiement,
    photo-identite, certificat-medical-danse, formulaire-reinscription."""
    return DocumentType.objects.get(code=code)


def seasons_for_today(today: datetime.date | None = None):
    """Current and next seasons such that the next one started on the last 1 July before today.

    With them the dance certificate can be dated today whatever the real date is.
    """
    today = today or timezone.localdate()
    start = today.year if (today.month, today.day) >= (7, 1) else today.year - 1
    from extranet.base.models import Season

    Season.objects.update(is_current=False, is_next=False)
    current = SeasonFactory(start_year=start - 1)
    following = SeasonFactory(start_year=start)
    Season.objects.filter(pk=current.pk).update(is_current=True, is_next=False)
    Season.objects.filter(pk=following.pk).update(is_current=False, is_next=True)
    current.refresh_from_db()
    following.refresh_from_db()
    return current, following


class DocumentFactory(factory.django.DjangoModelFactory):
    """A handed-in document with a real small PDF stored under MEDIA_ROOT."""

    class Meta:
        model = Document
        skip_postgeneration_save = True

    class Params:
        content = factory.LazyFunction(pdf_bytes)

    family = factory.SubFactory(FamilyFactory)
    student = None
    document_type = factory.LazyFunction(lambda: document_type("quotient-familial"))
    state = Document.State.SUBMITTED
    file = factory.LazyAttribute(lambda o: save_file(o.content, extension=".pdf"))
    original_name = "attestation.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    uploaded_at = factory.LazyFunction(timezone.now)
    refusal_reason = factory.LazyAttribute(
        lambda o: "Document illisible." if o.state == Document.State.REFUSED else ""
    )

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            DocumentStateChange.objects.create(document=obj, new_state=obj.state, at=obj.uploaded_at)


def image_document(**kwargs) -> Document:
    content = kwargs.pop("content", png_bytes())
    return DocumentFactory(
        content=content,
        file=save_file(content, extension=".png"),
        content_type="image/png",
        original_name=kwargs.pop("original_name", "photo.png"),
        document_type=kwargs.pop("document_type", document_type("photo-identite")),
        **kwargs,
    )
