"""Documents fournis: the family's and each pupil's table, Importer, Consulter; the staff preview."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from documents import selectors
from documents.forms import UploadForm
from documents.models import Document, DocumentType
from documents.services import upload_document
from documents.storage import file_response
from documents.uploads import sniff
from extranet.base.errors import DomainError, show_domain_error
from extranet.base.portal import family_required, scoped_or_404
from extranet.base.scoping import scope_to_staff


def staff_required(permission: str):
    """Secretariat views: anonymous → admin login; a family or staff without ``permission`` → 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (request.user.is_active and request.user.is_staff and request.user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _initial_type(request, types) -> dict:
    wanted = request.GET.get("type", "")
    return {"document_type": wanted} if wanted.isdigit() and int(wanted) in {t.pk for t in types} else {}


def _documents_page(request, *, student, overview, template, context):
    form = UploadForm(types=overview.upload_types, initial=_initial_type(request, overview.upload_types))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, types=overview.upload_types)
        if form.is_valid():
            try:
                document = upload_document(
                    family=request.family,
                    student=student,
                    document_type=form.cleaned_data["document_type"],
                    uploaded_file=form.cleaned_data["file"],
                    document_date=form.cleaned_data.get("document_date"),
                    actor=request.user,
                    guardian=request.guardian,
                )
            except DomainError as error:
                show_domain_error(error, form=form)
            else:
                local = timezone.localtime(document.uploaded_at)
                messages.success(
                    request,
                    _(
                        "Document reçu le %(date)s à %(time)s : « %(type)s », fichier « %(name)s ». "
                        "Un accusé de réception vous a été envoyé par e-mail. Le secrétariat va le vérifier."
                    )
                    % {
                        "date": date_format(local, "d/m/Y"),
                        "time": date_format(local, "H:i"),
                        "type": document.document_type.name,
                        "name": document.original_name,
                    },
                )
                return redirect(request.path)
    return render(
        request,
        template,
        {**context, "overview": overview, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@never_cache
@family_required
def family_documents(request):
    overview = selectors.family_overview(request.family)
    return _documents_page(
        request,
        student=None,
        overview=overview,
        template="documents/family.html",
        context={"family": request.family, "family_tab": "documents"},
    )


@never_cache
@family_required
def student_documents(request, student_id):
    student = selectors.get_student_with_dance_or_404(request, student_id)
    student.family = request.family  # loaded with its site and payment means by the middleware
    overview = selectors.student_overview(student)
    return _documents_page(
        request,
        student=student,
        overview=overview,
        template="documents/student.html",
        context={"student": student, "student_tab": "documents"},
    )


@require_GET
@family_required
def consult(request, document_id):
    """Consulter: one of the family's own files; any other id answers 404."""
    document = scoped_or_404(Document.objects.for_family(request.family), pk=document_id)
    return file_response(
        name=document.file.name, content_type=document.content_type, filename=document.original_name
    )


@require_GET
@family_required
def blank_form(request, type_id):
    """The blank form of a document type (mandate, pedagogical form), to fill in and hand in."""
    document_type = scoped_or_404(
        DocumentType.objects.filter(is_active=True).exclude(blank_form=""), pk=type_id
    )
    return _blank_form_response(document_type)


def _blank_form_response(document_type: DocumentType):
    name = document_type.blank_form.name
    try:
        with document_type.blank_form.storage.open(name, "rb") as handle:
            content_type = sniff(handle.read(8192))
    except FileNotFoundError as missing:
        raise Http404 from missing
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, "")
    if not extension:
        content_type = "application/octet-stream"
    filename = _("Formulaire vierge - %(type)s%(ext)s") % {"type": document_type.name, "ext": extension}
    return file_response(name=name, content_type=content_type, filename=filename, inline=False)


@require_GET
@xframe_options_sameorigin
@staff_required("documents.view_document")
def preview(request, document_id):
    """The secretariat's view of a file (the admin embeds it next to Valider / Refuser)."""
    # Staff of another site get the same 404 as for an id that does not exist.
    document = scope_to_staff(Document.objects.all(), request.user).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return file_response(
        name=document.file.name, content_type=document.content_type, filename=document.original_name
    )


@require_GET
@staff_required("documents.view_documenttype")
def staff_blank_form(request, type_id):
    document_type = scoped_or_404(DocumentType.objects.exclude(blank_form=""), pk=type_id)
    return _blank_form_response(document_type)
