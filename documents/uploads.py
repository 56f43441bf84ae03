"""Checks an uploaded file before anything is stored: kind from the bytes, size, pixels, PDF health.

Nothing here trusts the file name or the browser's content type: the kind is read from the
first bytes with libmagic, then checked against the document type's allowlist, then the file
is opened by the library of its kind (Pillow, pillow-heif, pypdf). Images are measured from
their header before any decoding, so a decompression bomb is refused without being decoded.
Every refusal is an ``UploadRefused`` carrying a French message meant for the family.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

import magic
import pillow_heif
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin
from pillow_heif.as_plugin import HeifImageFile
from pypdf import PdfReader

from extranet.base.errors import DomainError

pillow_heif.register_heif_opener()

HEAD_BYTES = 8192
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: str
    extension: str


PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"

# The kinds Tutti knows how to check. A document type's allowlist is a subset of these.
KINDS: dict[str, FileKind] = {
    PDF: FileKind(PDF, "PDF", ".pdf"),
    JPEG: FileKind(JPEG, "JPEG", ".jpg"),
    PNG: FileKind(PNG, "PNG", ".png"),
    HEIC: FileKind(HEIC, "HEIC", ".heic"),
}
# What libmagic may answer for the same kinds.
ALIASES = {
    "image/heif": HEIC,
    "image/heic-sequence": HEIC,
    "image/heif-sequence": HEIC,
    "image/avif": "image/avif",
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
}
# How a refused kind is named to the family.
REFUSED_KIND_NAMES = {
    "text/html": gettext_lazy("une page web (HTML)"),
    "image/svg+xml": gettext_lazy("une image SVG"),
    "text/xml": gettext_lazy("un fichier XML"),
    "application/xml": gettext_lazy("un fichier XML"),
    "text/plain": gettext_lazy("un fichier texte"),
    "application/x-executable": gettext_lazy("un programme"),
    "application/x-sharedlib": gettext_lazy("un programme"),
    "application/x-pie-executable": gettext_lazy("un programme"),
    "application/x-dosexec": gettext_lazy("un programme"),
    "application/x-mach-binary": gettext_lazy("un programme"),
    "text/x-shellscript": gettext_lazy("un script"),
    "application/javascript": gettext_lazy("un script"),
    "text/javascript": gettext_lazy("un script"),
    "application/zip": gettext_lazy("une archive ZIP"),
    "application/x-rar": gettext_lazy("une archive"),
    "application/x-7z-compressed": gettext_lazy("une archive"),
    "application/gzip": gettext_lazy("une archive"),
    "application/msword": gettext_lazy("un document Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": gettext_lazy(
        "un document Word"
    ),
    "application/vnd.oasis.opendocument.text": gettext_lazy("un document texte LibreOffice"),
    "image/gif": gettext_lazy("une image GIF"),
    "image/webp": gettext_lazy("une image WebP"),
    "image/tiff": gettext_lazy("une image TIFF"),
    "image/bmp": gettext_lazy("une image BMP"),
    "image/avif": gettext_lazy("une image AVIF"),
    "application/octet-stream": gettext_lazy("un fichier de type inconnu"),
}


class UploadRefused(DomainError):
    """A file the family must not hand in; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, ready to be stored (HEIC already converted to JPEG)."""

    content: bytes
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def sanitize_filename(name: str | None) -> str:
    """The name the family gave, for display only: no folders, no control characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name or "document"


def with_extension(name: str, extension: str) -> str:
    """``name`` whose extension matches what the file really is (scan.pdf holding a PNG → scan.png)."""
    path = PurePosixPath(name)
    if path.suffix.lower() == extension or (extension == ".jpg" and path.suffix.lower() == ".jpeg"):
        return name
    stem = path.stem if path.suffix and len(path.suffix) <= 6 else name
    return f"{stem}{extension}"


def kinds_label(content_types) -> str:
    labels = [KINDS[content_type].label for content_type in content_types if content_type in KINDS]
    return ", ".join(labels)


def megabytes(size: int) -> str:
    """Size in Mo with a French decimal comma: 10485760 → "10", 12582912 → "12,0"."""
    value = size / (1024 * 1024)
    if value == int(value):
        return number_format(int(value))
    return number_format(round(value, 1), decimal_pos=1)


def sniff(head: bytes) -> str:
    content_type = magic.from_buffer(head, mime=True)
    return ALIASES.get(content_type, content_type)


def read_upload(uploaded_file, *, max_bytes: int) -> bytes:
    """All the bytes of the upload, never more than ``max_bytes + 1``."""
    uploaded_file.seek(0)
    chunks, total = [], 0
    for chunk in uploaded_file.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            break
    uploaded_file.seek(0)
    return b"".join(chunks)


def check_upload(
    uploaded_file, *, accepted_types, type_name: str, max_bytes: int | None = None
) -> CheckedFile:
    """Check ``uploaded_file`` for a document type; return what to store or raise UploadRefused."""
    max_bytes = settings.DOCUMENT_MAX_BYTES if max_bytes is None else max_bytes
    name = sanitize_filename(getattr(uploaded_file, "name", ""))
    declared_size = getattr(uploaded_file, "size", None)
    if declared_size == 0:
        raise UploadRefused(
            _("Le fichier « %(name)s » est vide (0 octet) : choisissez un autre fichier.") % {"name": name}
        )
    if declared_size is not None and declared_size > max_bytes:
        raise _too_large(name, declared_size, max_bytes)
    data = read_upload(uploaded_file, max_bytes=max_bytes)
    if not data:
        raise UploadRefused(
            _("Le fichier « %(name)s » est vide (0 octet) : choisissez un autre fichier.") % {"name": name}
        )
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)

    content_type = sniff(data[:HEAD_BYTES])
    accepted = [ALIASES.get(t, t) for t in accepted_types if ALIASES.get(t, t) in KINDS]
    if content_type not in KINDS or content_type not in accepted:
        raise _wrong_kind(name, content_type, accepted, type_name)

    if content_type == PDF:
        _check_pdf(data, name)
    else:
        image = _check_image(data, name, content_type)
        if content_type == HEIC:
            data = _heic_to_jpeg(image, name)
            content_type = JPEG
    kind = KINDS[content_type]
    return CheckedFile(
        content=data,
        content_type=content_type,
        extension=kind.extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=with_extension(name, kind.extension),
    )


def _too_large(name: str, size: int, max_bytes: int) -> UploadRefused:
    return UploadRefused(
        _(
            "Le fichier « %(name)s » pèse %(size)s Mo, au-delà de la limite de %(limit)s Mo. "
            "Réduisez-le (photo moins lourde, scan en noir et blanc) puis importez-le de nouveau."
        )
        % {"name": name, "size": megabytes(size), "limit": megabytes(max_bytes)}
    )


def _wrong_kind(name: str, content_type: str, accepted: list[str], type_name: str) -> UploadRefused:
    if content_type in KINDS:
        what = _("un fichier %(kind)s") % {"kind": KINDS[content_type].label}
    else:
        what = str(REFUSED_KIND_NAMES.get(content_type, _("un fichier de type inconnu")))
    message = _("Le fichier « %(name)s » est %(what)s. Formats acceptés pour « %(type)s » : %(kinds)s.") % {
        "name": name,
        "what": what,
        "type": type_name,
        "kinds": kinds_label(accepted),
    }
    declared = KINDS.get(_kind_from_name(name))
    if declared is not None and declared.content_type != content_type:
        message += " " + _("Son nom se termine par %(ext)s, mais son contenu n'est pas un %(kind)s.") % {
            "ext": PurePosixPath(name).suffix,
            "kind": declared.label,
        }
    return UploadRefused(message)


def _kind_from_name(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".heic": HEIC, ".heif": HEIC}.get(
        suffix, ""
    )


def _check_pdf(data: bytes, name: str) -> None:
    unreadable = UploadRefused(
        _(
            "Le PDF « %(name)s » est abîmé ou illisible. Enregistrez-le de nouveau (ou scannez le document) "
            "puis importez-le."
        )
        % {"name": name}
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf raises many kinds of errors on a broken file
        raise unreadable from error
    if encrypted:
        raise UploadRefused(
            _(
                "Le PDF « %(name)s » est protégé par un mot de passe ou chiffré : le secrétariat ne pourrait pas "
                "l'ouvrir. Enregistrez-le sans protection (ou imprimez-le en PDF) puis importez-le de nouveau."
            )
            % {"name": name}
        )
    try:
        if len(reader.pages) < 1:
            raise unreadable
        reader.pages[0].mediabox  # noqa: B018 - reading the first page proves the page tree holds
    except UploadRefused:
        raise
    except Exception as error:
        raise unreadable from error


def _unreadable_image(name: str) -> UploadRefused:
    return UploadRefused(
        _(
            "L'image « %(name)s » est abîmée ou incomplète. Prenez une nouvelle photo ou exportez-la de nouveau."
        )
        % {"name": name}
    )


def _measure(data: bytes, name: str, content_type: str) -> tuple[int, int]:
    """Width and height read from the header only: the plugin class parses it without decoding.

    (``Image.open`` would run Pillow's own bomb check first and refuse without the size.)
    """
    plugin = {JPEG: JpegImagePlugin.JpegImageFile, PNG: PngImagePlugin.PngImageFile, HEIC: HeifImageFile}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = plugin[content_type](io.BytesIO(data))
            size = image.size
            image.close()
    except Exception as error:
        raise _unreadable_image(name) from error
    return size


def _open_image(data: bytes, name: str, content_type: str) -> Image.Image:
    width, height = _measure(data, name, content_type)
    if width * height > settings.DOCUMENT_MAX_PIXELS:
        raise _too_many_pixels(name, (width, height))
    formats = {JPEG: ["JPEG"], PNG: ["PNG"], HEIC: ["HEIF"]}[content_type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=formats)
        except Image.DecompressionBombError as error:
            raise _too_many_pixels(name, (width, height)) from error
        except Exception as error:
            raise _unreadable_image(name) from error


def _check_image(data: bytes, name: str, content_type: str) -> Image.Image:
    """Measure from the header, verify the structure, then decode (which catches truncation)."""
    unreadable = _unreadable_image(name)
    image = _open_image(data, name, content_type)
    try:
        image.verify()
    except Exception as error:
        raise unreadable from error
    image = _open_image(data, name, content_type)
    # WeasyPrint switches this process-wide flag on when it is imported (invoice and bulletin
    # PDFs): an upload must still be refused when its image is cut off.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Exception as error:
        raise unreadable from error
    return image


def _too_many_pixels(name: str, size: tuple[int, int]) -> UploadRefused:
    return UploadRefused(
        _(
            "L'image « %(name)s » est trop grande (%(width)s × %(height)s pixels) : la limite est de "
            "%(limit)s millions de pixels. Réduisez-la puis importez-la de nouveau."
        )
        % {
            "name": name,
            "width": number_format(size[0], force_grouping=True),
            "height": number_format(size[1], force_grouping=True),
            "limit": number_format(settings.DOCUMENT_MAX_PIXELS // 1_000_000),
        }
    )


def _heic_to_jpeg(image: Image.Image, name: str) -> bytes:
    """Phones' HEIC photos become JPEG, which every browser and the secretariat can open."""
    output = io.BytesIO()
    try:
        image.convert("RGB").save(output, format="JPEG", quality=90)
    except Exception as error:
        raise UploadRefused(
            _("La photo « %(name)s » n'a pas pu être convertie : envoyez-la en JPEG ou en PNG.")
            % {"name": name}
        ) from error
    return output.getvalue()
