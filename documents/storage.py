"""Where document files live and how they leave: always after a permission check.

Files are written with ``default_storage`` under generated names, so the storage backend is
a deployment choice:

* Local disk (the default, ``FileSystemStorage`` under ``MEDIA_ROOT``). There is no
  ``MEDIA_URL`` and no URL pattern serves ``MEDIA_ROOT``: a file leaves only through
  ``file_response``, called by a view that has already checked the family or the staff
  permission. With ``DOCUMENT_SERVE_MODE = "nginx"`` the view answers with an
  ``X-Accel-Redirect`` to ``DOCUMENT_ACCEL_PREFIX + name`` (an ``internal`` nginx location
  aliased to ``MEDIA_ROOT``); with ``"apache"`` it answers with ``X-Sendfile`` (mod_xsendfile)
  and the file's path. Otherwise Django streams the file.
* S3-compatible storage through django-storages: set ``STORAGES["default"]`` to
  ``storages.backends.s3.S3Storage`` with a private bucket (``AWS_DEFAULT_ACL = "private"``,
  ``AWS_QUERYSTRING_AUTH = True``) and a short ``AWS_QUERYSTRING_EXPIRE`` (e.g. 60 seconds).
  A storage without local paths gets a redirect to ``storage.url(name)``: the signed,
  short-lived URL the storage produces, issued only after the same check.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def new_document_name(extension: str, *, folder: str = "documents") -> str:
    """A generated storage name: the family's file name never reaches the disk."""
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def save_file(content: bytes, *, extension: str, folder: str = "documents") -> str:
    return default_storage.save(new_document_name(extension, folder=folder), ContentFile(content))


def delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def local_path(name: str) -> str | None:
    """The file's path on this machine, or None for a remote storage (S3…)."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None


def content_disposition(filename: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace("\\", "_").replace('"', "_").strip()
    ascii_name = ascii_name or "document"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _private_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(*, name: str, content_type: str, filename: str, inline: bool = True) -> HttpResponse:
    """Hand out one stored file. Call only after checking who asks."""
    inline = inline and content_type in INLINE_TYPES
    path = local_path(name)
    if path is None:
        return _private_headers(HttpResponseRedirect(default_storage.url(name)))
    mode = settings.DOCUMENT_SERVE_MODE
    if mode == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.DOCUMENT_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
    elif mode == "apache":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = path
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    return _private_headers(response)
