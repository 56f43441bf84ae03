"""The file checks, one bad input at a time (no database needed)."""

import hashlib

import pytest

from documents.tests.factories import (
    HTML_WITH_SCRIPT,
    SVG_WITH_SCRIPT,
    bomb_png_bytes,
    elf_bytes,
    encrypted_pdf_bytes,
    heic_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)
from documents.uploads import HEIC, JPEG, PDF, PNG, UploadRefused, check_upload, megabytes, sanitize_filename

ALL = [PDF, JPEG, PNG, HEIC]


def refusal(name, content, accepted=ALL, **kwargs) -> str:
    with pytest.raises(UploadRefused) as caught:
        check_upload(upload(name, content), accepted_types=accepted, type_name="RIB", **kwargs)
    return caught.value.message


def test_a_real_pdf_is_accepted_with_its_sniffed_type_size_and_fingerprint():
    content = pdf_bytes()
    checked = check_upload(upload("rib.pdf", content, "text/html"), accepted_types=ALL, type_name="RIB")
    assert checked.content_type == "application/pdf"
    assert checked.extension == ".pdf"
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == "rib.pdf"


def test_a_renamed_executable_with_a_pdf_name_is_refused_as_a_program():
    message = refusal("rib.pdf", elf_bytes())
    assert "est un programme" in message
    assert "Formats acceptés pour « RIB » : PDF, JPEG, PNG, HEIC" in message
    assert "son contenu n'est pas un PDF" in message


def test_an_html_page_with_a_script_is_refused():
    assert "une page web (HTML)" in refusal("rib.pdf", HTML_WITH_SCRIPT)


def test_an_svg_image_with_a_script_is_refused_even_with_an_image_name():
    assert "une image SVG" in refusal("photo.png", SVG_WITH_SCRIPT, accepted=[JPEG, PNG])


def test_a_png_declared_as_pdf_is_accepted_when_png_is_allowed_and_named_after_its_content():
    checked = check_upload(upload("scan.pdf", png_bytes()), accepted_types=ALL, type_name="RIB")
    assert checked.content_type == "image/png"
    assert checked.original_name == "scan.png"


def test_a_png_declared_as_pdf_is_refused_for_a_pdf_only_type():
    message = refusal("scan.pdf", png_bytes(), accepted=[PDF])
    assert message == (
        "Le fichier « scan.pdf » est un fichier PNG. Formats acceptés pour « RIB » : PDF. "
        "Son nom se termine par .pdf, mais son contenu n'est pas un PDF."
    )


def test_a_zero_byte_file_is_refused():
    assert (
        refusal("vide.pdf", b"")
        == "Le fichier « vide.pdf » est vide (0 octet) : choisissez un autre fichier."
    )


def test_a_file_over_the_limit_is_refused_with_both_sizes_in_megabytes(settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    message = refusal("gros.pdf", pdf_bytes() + b"%" * (1024 * 1024 + 200_000))
    assert "pèse 1,2 Mo, au-delà de la limite de 1 Mo" in message


def test_the_size_limit_is_checked_before_the_file_is_read(settings):
    class Untouchable:
        name = "enorme.pdf"
        size = 50 * 1024 * 1024

        def chunks(self):  # pragma: no cover - reading would be the bug
            raise AssertionError("the file was read")

    with pytest.raises(UploadRefused, match="au-delà de la limite de 10 Mo"):
        check_upload(Untouchable(), accepted_types=ALL, type_name="RIB")


def test_a_20000_by_20000_png_is_refused_from_its_header_without_being_decoded(monkeypatch):
    from PIL import ImageFile

    def no_decoding(*args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    message = refusal("bombe.png", bomb_png_bytes(), accepted=[PNG])
    assert "trop grande (20 000 × 20 000 pixels)" in message.replace("\xa0", " ")
    assert "40 millions de pixels" in message


def test_the_pixel_limit_follows_the_setting(settings):
    settings.DOCUMENT_MAX_PIXELS = 1000
    assert "trop grande" in refusal("photo.png", png_bytes(size=(50, 50)), accepted=[PNG])


def test_a_truncated_jpeg_is_refused():
    content = jpeg_bytes(size=(400, 300))
    assert "abîmée ou incomplète" in refusal("photo.jpg", content[: len(content) // 2], accepted=[JPEG])


def test_a_password_protected_pdf_is_refused():
    assert "protégé par un mot de passe" in refusal("rib.pdf", encrypted_pdf_bytes())


def test_a_broken_pdf_is_refused():
    content = pdf_bytes()
    assert "abîmé ou illisible" in refusal("rib.pdf", content[:60])


def test_a_heic_photo_from_a_phone_is_converted_to_jpeg():
    checked = check_upload(
        upload("IMG_1234.HEIC", heic_bytes(), "image/heic"), accepted_types=ALL, type_name="Photo"
    )
    assert checked.content_type == "image/jpeg"
    assert checked.original_name == "IMG_1234.jpg"
    assert checked.content.startswith(b"\xff\xd8")


def test_a_heic_photo_is_refused_when_the_type_does_not_accept_heic():
    assert "un fichier HEIC" in refusal("IMG_1234.HEIC", heic_bytes(), accepted=[PDF, JPEG, PNG])


def test_names_lose_their_folders_and_control_characters():
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("C:\\Users\\Léa\\rib\x00\x1b[31m.pdf") == "rib[31m.pdf"
    assert sanitize_filename("fac\u202etxt.pdf") == "factxt.pdf"
    assert sanitize_filename("\n\t") == "document"
    assert len(sanitize_filename("a" * 400 + ".pdf")) == 200


def test_the_stored_name_of_a_file_with_a_hostile_name_is_clean():
    checked = check_upload(
        upload("..\\..\\evil\x07\u202e.pdf", pdf_bytes()), accepted_types=ALL, type_name="RIB"
    )
    assert checked.original_name == "evil.pdf"


def test_sizes_are_written_with_a_french_decimal_comma():
    assert megabytes(10 * 1024 * 1024) == "10"
    assert megabytes(int(1.5 * 1024 * 1024)) == "1,5"
