"""Upload benchmark: time to check and store a 5 MB PDF and a 12-megapixel photo.

Run: ``.venv/bin/python bench/upload.py`` (or ``make bench``). It uses the test settings, a
temporary SQLite database and a temporary MEDIA_ROOT, and prints timings; it asserts nothing.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="tutti-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

ROUNDS = 5


def make_pdf(target_bytes: int) -> bytes:
    """A scan-like PDF: pages holding noisy JPEG images, about ``target_bytes`` long."""
    pages = []
    total = 0
    while total < target_bytes:
        noise = os.urandom(600 * 800 * 3)
        page = Image.frombytes("RGB", (600, 800), noise)
        buffer = io.BytesIO()
        page.save(buffer, format="JPEG", quality=85)
        total += buffer.tell()
        pages.append(page)
    output = io.BytesIO()
    pages[0].save(output, format="PDF", save_all=True, append_images=pages[1:], quality=85)
    return output.getvalue()


def make_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel phone-like JPEG: gradients with sensor-like noise."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    photo = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    output = io.BytesIO()
    photo.save(output, format="JPEG", quality=90)
    return output.getvalue()


def timed(function, rounds: int = ROUNDS) -> tuple[float, float]:
    durations = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations), max(durations)


def main() -> None:
    settings.MEDIA_ROOT = str(WORKDIR / "media")
    call_command("migrate", verbosity=0)
    from documents.models import DocumentType
    from documents.services import upload_document
    from documents.uploads import check_upload
    from families.tests.factories import FamilyFactory, guardian_of
    from students.tests.factories import StudentFactory

    family = FamilyFactory()
    guardian = guardian_of(family)
    student = StudentFactory(family=family)
    attestation = DocumentType.objects.get(code="quotient-familial")
    photo_type = DocumentType.objects.get(code="photo-identite")

    pdf = make_pdf(5 * 1024 * 1024)
    photo = make_photo()
    with Image.open(io.BytesIO(photo)) as image:
        megapixels = image.width * image.height / 1_000_000
    cases = [
        (f"PDF {len(pdf) / 1048576:.1f} Mo", "scan.pdf", pdf, attestation, None),
        (
            f"photo {megapixels:.0f} Mpx JPEG {len(photo) / 1048576:.1f} Mo",
            "IMG_0001.jpg",
            photo,
            photo_type,
            student,
        ),
    ]
    print(f"Tutti upload benchmark ({ROUNDS} rounds, median / max, MEDIA_ROOT {settings.MEDIA_ROOT})")
    for label, name, content, document_type, owner in cases:
        check_ms = timed(
            lambda: check_upload(
                SimpleUploadedFile(name, content),  # noqa: B023
                accepted_types=document_type.accepted_types,  # noqa: B023
                type_name=document_type.name,  # noqa: B023
            )
        )
        store_ms = timed(
            lambda: upload_document(
                family=family,
                student=owner,  # noqa: B023
                document_type=document_type,  # noqa: B023
                uploaded_file=SimpleUploadedFile(name, content),  # noqa: B023
                actor=guardian.user,
                guardian=guardian,
            )
        )
        print(f"  {label:<32} check {check_ms[0]:7.1f} ms / {check_ms[1]:7.1f} ms")
        print(f"  {'':<32} check + store {store_ms[0]:7.1f} ms / {store_ms[1]:7.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
