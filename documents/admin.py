"""The secretariat's side: document types, and the queue of documents to check."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.forms import DeskDocumentForm, FamilyQuotientForm, RefusalForm
from documents.models import Document, DocumentStateChange, DocumentType
from documents.services import (
    DeskRecord,
    record_desk_document,
    refuse_document,
    validate_document,
)
from documents.uploads import JPEG, KINDS, PDF, PNG, UploadRefused, check_upload, kinds_label
from extranet.base.admin import LongListAdminMixin, ReadOnlyAdminMixin, SiteScopedAdminMixin, run_bulk_action
from extranet.base.errors import DomainError, show_domain_error
from extranet.base.exports import Column, export_csv_action
from extranet.base.scoping import scope_to_staff
from extranet.base.search import search_by_field
from families.models import Family
from students.models import Student


@dataclass(frozen=True)
class _PrivateLink:
    """Stands in for a FieldFile in the file widget: files have no public URL (no MEDIA_URL)."""

    name: str
    url: str

    def __str__(self) -> str:
        return self.name


class PrivateFileInput(forms.ClearableFileInput):
    """A file input whose "currently" link goes through the staff view, never to MEDIA_URL."""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def format_value(self, value):
        if self.is_initial(value) and getattr(value, "instance", None) is not None and value.instance.pk:
            return _PrivateLink(
                name=value.name.rsplit("/", 1)[-1],
                url=reverse("documents:staff_blank_form", args=[value.instance.pk]),
            )
        return None


class DocumentTypeForm(forms.ModelForm):
    accepted_types = forms.MultipleChoiceField(
        label=_("Types de fichier acceptés"),
        choices=[(content_type, kind.label) for content_type, kind in KINDS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Lus dans le contenu du fichier, jamais dans son nom. Les photos HEIC des téléphones sont "
            "converties en JPEG."
        ),
        error_messages={"required": _("Cochez au moins un type de fichier.")},
    )

    class Meta:
        model = DocumentType
        fields = [
            "name",
            "code",
            "scope",
            "requirement",
            "accepted_types",
            "validity",
            "help_text",
            "blank_form",
            "order",
            "is_active",
        ]
        widgets = {"blank_form": PrivateFileInput}

    def clean_blank_form(self):
        blank_form = self.cleaned_data.get("blank_form")
        if blank_form and hasattr(blank_form, "content_type"):  # a newly uploaded file
            try:
                check_upload(
                    blank_form, accepted_types=[PDF, JPEG, PNG], type_name=gettext("Formulaire vierge")
                )
            except UploadRefused as refusal:
                raise forms.ValidationError(refusal.message) from refusal
        return blank_form


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    form = DocumentTypeForm
    list_display = [
        "name",
        "scope",
        "requirement",
        "kinds",
        "validity",
        "has_blank_form",
        "order",
        "is_active",
    ]
    list_filter = ["scope", "requirement", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "code", "scope", "order", "is_active"]}),
        (_("Quand le demander"), {"fields": ["requirement", "validity"]}),
        (_("Fichiers"), {"fields": ["accepted_types", "blank_form"]}),
        (_("Pour les familles"), {"fields": ["help_text"]}),
    ]

    @admin.display(description=_("fichiers acceptés"))
    def kinds(self, obj: DocumentType) -> str:
        return kinds_label(obj.accepted_types)

    @admin.display(description=_("formulaire vierge"), boolean=True)
    def has_blank_form(self, obj: DocumentType) -> bool:
        return bool(obj.blank_form)


class StateFilter(admin.SimpleListFilter):
    """The queue: documents waiting for a check (Fourni) unless another state is chosen."""

    title = _("état")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (Document.State.SUBMITTED, _("Fourni (à vérifier)")),
            (Document.State.VALIDATED, _("Validé")),
            (Document.State.REFUSED, _("Refusé")),
            (Document.State.REPLACED, _("Remplacé")),
            ("all", _("Tous")),
        ]

    def value(self):
        value = super().value()
        return Document.State.SUBMITTED.value if value in (None, "") else value

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        return queryset.filter(state=value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class FamilyFilter(admin.SimpleListFilter):
    """One family's documents: reached from the family column (or ?family=<id>); search finds the rest."""

    title = _("famille")
    parameter_name = "family"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and value.isdigit():
            family = scope_to_staff(Family.objects.all(), request.user).filter(pk=value).first()
            if family is not None:
                return [(str(family.pk), str(family))]
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(family_id=value)
        return queryset


class DocumentStateChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DocumentStateChange
    extra = 0
    fields = ["at", "old_state", "new_state", "actor", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("historique des états")


export_documents = export_csv_action(
    [
        "family",
        "student",
        "document_type",
        "original_name",
        "uploaded_at",
        (_("taille (Mo)"), lambda document: document.size_mb),
        "state",
        Column("checked_by", format=lambda user: user.get_full_name()),
        "refusal_reason",
    ],
    filename="documents",
)


@admin.register(Document)
class DocumentAdmin(LongListAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    """Documents à vérifier: the Fourni ones, oldest first, with a preview and Valider / Refuser."""

    list_display = [
        "uploaded_at",
        "family_link",
        "student",
        "document_type",
        "original_name",
        "size_display",
        "state",
        "thumbnail",
    ]
    list_display_links = ["uploaded_at", "original_name"]
    list_filter = [StateFilter, ("family__site", admin.RelatedFieldListFilter), "document_type", FamilyFilter]
    list_select_related = ["family", "student", "document_type"]
    search_fields = [
        "family__name",
        "student__last_name",
        "student__first_name",
        "original_name",
        "family__guardians__last_name",
        "family__guardians__email",
    ]
    ordering = ["uploaded_at", "pk"]
    list_per_page = 50
    actions = ["validate_selected", "refuse_selected", export_documents]
    inlines = [DocumentStateChangeInline]
    change_form_template = "admin/documents/document/change_form.html"
    fieldsets = [
        (None, {"fields": ["family", "student", "document_type", "state", "refusal_reason"]}),
        (
            _("Fichier"),
            {
                "fields": [
                    "file_link",
                    "original_name",
                    "content_type",
                    "size_display",
                    "sha256",
                    "document_date",
                    "replaces",
                ]
            },
        ),
        (_("Suivi"), {"fields": ["uploaded_at", "uploaded_by", "checked_at", "checked_by"]}),
    ]
    readonly_fields = [
        "family",
        "student",
        "document_type",
        "state",
        "refusal_reason",
        "file_link",
        "original_name",
        "content_type",
        "size_display",
        "sha256",
        "document_date",
        "replaces",
        "uploaded_at",
        "uploaded_by",
        "checked_at",
        "checked_by",
    ]

    def get_search_results(self, request, queryset, search_term):
        # One indexed query per field, ids put together (extranet.base.search): no DISTINCT over
        # the joins to the guardians.
        return search_by_field(queryset, search_term, self.get_search_fields(request)), False

    def has_add_permission(self, request):
        # Documents are never typed in through a model form: the desk view below records them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("famille"), ordering="family__name")
    def family_link(self, obj: Document) -> str:
        url = reverse("admin:documents_document_changelist") + "?" + urlencode({"family": obj.family_id})
        return format_html(
            '<a href="{}" title="{}">{}</a>', url, gettext("Tous les documents de cette famille"), obj.family
        )

    @admin.display(description=_("taille (Mo)"), ordering="size")
    def size_display(self, obj: Document) -> str:
        return number_format(obj.size_mb, decimal_pos=2)

    @admin.display(description=_("fichier"))
    def file_link(self, obj: Document) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("documents:preview", args=[obj.pk]),
            gettext("Ouvrir le fichier"),
        )

    @admin.display(description=_("aperçu"))
    def thumbnail(self, obj: Document) -> str:
        url = reverse("documents:preview", args=[obj.pk])
        if obj.is_image:
            return format_html(
                '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" loading="lazy" '
                'class="tutti-thumbnail"></a>',
                url,
                url,
                gettext("Aperçu de %(name)s") % {"name": obj.original_name},
            )
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Ouvrir le PDF")
        )

    # Valider / Refuser on the change page.

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/valider/",
                self.admin_site.admin_view(self.validate_view),
                name="{}_{}_validate".format(*info),
            ),
            path(
                "<int:object_id>/refuser/",
                self.admin_site.admin_view(self.refuse_view),
                name="{}_{}_refuse".format(*info),
            ),
            path(
                "recu-au-secretariat/",
                self.admin_site.admin_view(self.desk_view),
                name="{}_{}_desk".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        desk_url = ""
        if self.has_desk_permission(request):
            desk_url = reverse("admin:documents_document_desk")
            family = request.GET.get("family", "")
            if family.isdigit():  # the queue shows one family: record for that family
                desk_url += "?" + urlencode({"family": family})
        return super().changelist_view(request, {**(extra_context or {}), "desk_url": desk_url})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
            can_check=obj is not None
            and obj.state == Document.State.SUBMITTED
            and self.has_change_permission(request, obj),
            preview_url=reverse("documents:preview", args=[obj.pk]) if obj is not None else "",
            quotient_form=FamilyQuotientForm(initial={"family_quotient": obj.family.family_quotient})
            if obj is not None and obj.document_type.requirement == DocumentType.Requirement.REDUCED_TARIFF
            else None,
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _next_in_queue(self, request, document: Document) -> str:
        """After a check, the next document waiting (oldest first), or the queue itself."""
        following = (
            self.get_queryset(request)
            .filter(state=Document.State.SUBMITTED)
            .exclude(pk=document.pk)
            .order_by("uploaded_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if following is not None:
            return reverse("admin:documents_document_change", args=[following])
        return reverse("admin:documents_document_changelist")

    def _checkable(self, request, object_id) -> Document:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            self.get_queryset(request).select_related("document_type", "family", "student"), pk=object_id
        )

    def validate_view(self, request, object_id):
        return require_POST(self._validate)(request, object_id)

    def _validate(self, request, object_id):
        document = self._checkable(request, object_id)
        quotient = FamilyQuotientForm(request.POST)
        if not quotient.is_valid():
            for message in quotient.errors.get("family_quotient", []):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))
        try:
            validate_document(
                document=document,
                actor=request.user,
                family_quotient=quotient.cleaned_data["family_quotient"],
            )
        except DomainError as error:
            show_domain_error(error, request=request)
            return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))
        self.message_user(
            request, gettext("« %(document)s » est validé.") % {"document": document}, messages.SUCCESS
        )
        return HttpResponseRedirect(self._next_in_queue(request, document))

    def refuse_view(self, request, object_id):
        document = self._checkable(request, object_id)
        form = RefusalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refuse_document(document=document, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                if error.field == "reason":
                    show_domain_error(error, form=form)
                else:
                    show_domain_error(error, request=request)
                    return HttpResponseRedirect(
                        reverse("admin:documents_document_change", args=[document.pk])
                    )
            else:
                self.message_user(
                    request,
                    gettext("« %(document)s » est refusé ; la famille a reçu le motif par e-mail.")
                    % {"document": document},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._next_in_queue(request, document))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Refuser « %(document)s »") % {"document": document},
            "document": document,
            "documents": [document],
            "form": form,
            "preview_url": reverse("documents:preview", args=[document.pk]),
            "action_url": request.path,
        }
        return TemplateResponse(
            request, "admin/documents/document/refuse.html", context, status=400 if form.errors else 200
        )

    # Enregistrer un document reçu au secrétariat (paper scanned at the desk, or a file sent by email).

    def has_desk_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def get_desk_family_queryset(self, request):
        """Families a document may be recorded for: FamilyAdmin's own queryset, scoped to the
        staff member's sites, which the autocomplete searches too."""
        return self.admin_site.get_model_admin(Family).get_queryset(request)

    def get_desk_student_queryset(self, request):
        """Pupils a document may be recorded for: StudentAdmin's own queryset (see above)."""
        return self.admin_site.get_model_admin(Student).get_queryset(request)

    def desk_view(self, request):
        if not self.has_desk_permission(request):
            raise PermissionDenied
        querysets = {
            "families": self.get_desk_family_queryset(request),
            "students": self.get_desk_student_queryset(request),
            "admin_site": self.admin_site,
        }
        if request.method == "POST":
            form = DeskDocumentForm(request.POST, request.FILES, **querysets)
            if form.is_valid() and form.cleaned_data["validate"] and not self.has_change_permission(request):
                form.add_error(
                    "validate",
                    gettext(
                        "Vous pouvez enregistrer ce document, pas le valider : décochez « Valider directement »."
                    ),
                )
            if form.is_valid():
                try:
                    record = record_desk_document(
                        family=form.cleaned_data["family"],
                        student=form.cleaned_data["student"],
                        document_type=form.cleaned_data["document_type"],
                        uploaded_file=form.cleaned_data["file"],
                        document_date=form.cleaned_data["document_date"],
                        validate=form.cleaned_data["validate"],
                        actor=request.user,
                    )
                except DomainError as error:
                    show_domain_error(error, form=form)
                else:
                    return self._desk_recorded(request, record)
        else:
            family = request.GET.get("family", "")
            form = DeskDocumentForm(initial={"family": family} if family.isdigit() else {}, **querysets)
        fieldsets = [
            (_("Pour qui"), {"fields": ["family", "student"]}),
            (_("Document reçu"), {"fields": ["document_type", "document_date", "file"]}),
            (_("Vérification"), {"fields": ["validate"]}),
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Enregistrer un document reçu au secrétariat"),
            "adminform": helpers.AdminForm(form, fieldsets, {}, model_admin=self),
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(
            request, "admin/documents/document/desk.html", context, status=400 if form.errors else 200
        )

    def _desk_recorded(self, request, record: DeskRecord):
        document = record.document
        self.log_addition(request, document, [{"added": {}}])
        values = {
            "type": document.document_type.name,
            "name": document.original_name,
            "owner": (
                gettext("%(student)s (famille %(family)s)")
                % {"student": document.student.full_name, "family": document.family}
                if document.student is not None
                else gettext("la famille %(family)s") % {"family": document.family}
            ),
        }
        if document.state == Document.State.VALIDATED:
            text = gettext("« %(type)s » (fichier « %(name)s ») est enregistré et validé pour %(owner)s.")
        else:
            text = gettext(
                "« %(type)s » (fichier « %(name)s ») est enregistré pour %(owner)s ; il attend sa "
                "vérification dans la file des documents."
            )
        self.message_user(request, text % values, messages.SUCCESS)
        if record.receipt_to:
            self.message_user(
                request,
                gettext("Accusé de réception envoyé à : %(emails)s.")
                % {"emails": ", ".join(record.receipt_to)},
                messages.INFO,
            )
        else:
            self.message_user(
                request,
                gettext(
                    "Aucun responsable de cette famille n'a d'adresse e-mail : personne n'a reçu d'accusé de "
                    "réception."
                ),
                messages.WARNING,
            )
        if self.has_view_or_change_permission(request, document):
            return HttpResponseRedirect(reverse("admin:documents_document_change", args=[document.pk]))
        return HttpResponseRedirect(reverse("admin:documents_document_desk"))

    # Bulk actions.

    @admin.action(description=_("Valider les documents sélectionnés"), permissions=["change"])
    def validate_selected(self, request, queryset):
        run_bulk_action(
            request,
            queryset.select_related("document_type", "family", "student").order_by("uploaded_at", "pk"),
            lambda document: validate_document(document=document, actor=request.user),
            done_message=lambda done: (
                ngettext("%(count)d document validé.", "%(count)d documents validés.", done) % {"count": done}
            ),
        )

    @admin.action(description=_("Refuser les documents sélectionnés…"), permissions=["change"])
    def refuse_selected(self, request, queryset):
        documents = list(
            queryset.select_related("document_type", "family", "student").order_by("uploaded_at", "pk")
        )
        form = RefusalForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            run_bulk_action(
                request,
                documents,
                lambda document: refuse_document(
                    document=document, actor=request.user, reason=form.cleaned_data["reason"]
                ),
                done_message=lambda done: (
                    ngettext(
                        "%(count)d document refusé ; la famille a reçu le motif par e-mail.",
                        "%(count)d documents refusés ; les familles ont reçu le motif par e-mail.",
                        done,
                    )
                    % {"count": done}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Refuser les documents sélectionnés"),
            "documents": documents,
            "form": form,
            "bulk": True,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/documents/document/refuse.html", context, status=400 if form.errors else 200
        )
