from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from documents.models import Document, DocumentType
from documents.uploads import KINDS, megabytes
from extranet.base.fieldhtml import BootstrapBoundField


class DocumentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentType) -> str:
        return obj.name


class UploadForm(forms.Form):
    """Importer: the document type ("Nom du document"), the file, and the date when a rule needs it."""

    bound_field_class = BootstrapBoundField

    document_type = DocumentTypeChoiceField(
        label=_("Nom du document"),
        queryset=DocumentType.objects.none(),
        empty_label=_("Choisissez le document…"),
        error_messages={
            "required": _("Choisissez le document que vous importez."),
            "invalid_choice": _(
                "Ce type de document n'existe pas ou ne peut pas être fourni ici. Choisissez-en un dans la liste."
            ),
        },
    )
    file = forms.FileField(
        label=_("Fichier"),
        error_messages={
            "required": _("Choisissez le fichier à importer."),
            "empty": _("Le fichier est vide (0 octet) : choisissez un autre fichier."),
            "invalid": _("Aucun fichier n'a été reçu : choisissez de nouveau le fichier."),
        },
    )
    document_date = forms.DateField(
        label=_("Date écrite sur le document"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Seulement pour un document daté, comme le certificat médical."),
        error_messages={"invalid": _("Écrivez une date valide, par exemple 02/09/2026.")},
    )

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = list(types)
        self.fields["document_type"].queryset = DocumentType.objects.filter(pk__in=[t.pk for t in self.types])
        self.fields["document_type"].choices = [("", self.fields["document_type"].empty_label)] + [
            (t.pk, t.name) for t in self.types
        ]
        self.fields["file"].help_text = _("Formats : %(kinds)s. %(size)s Mo au plus.") % {
            "kinds": ", ".join(kind.label for kind in KINDS.values()),
            "size": megabytes(settings.DOCUMENT_MAX_BYTES),
        }
        self.fields["file"].widget.attrs["accept"] = (
            ".pdf,.jpg,.jpeg,.png,.heic,.heif,application/pdf,image/*"
        )
        dated = [t for t in self.types if t.validity != DocumentType.Validity.NONE]
        if dated:
            self.fields["document_date"].help_text = _("Seulement pour : %(types)s.") % {
                "types": ", ".join(t.name for t in dated)
            }
        else:
            del self.fields["document_date"]

    def clean(self):
        cleaned = super().clean()
        document_type = cleaned.get("document_type")
        needs_date = document_type is not None and document_type.validity != DocumentType.Validity.NONE
        if needs_date and not cleaned.get("document_date") and "document_date" not in self.errors:
            self.add_error(
                "document_date",
                _("Indiquez la date écrite sur le document « %(type)s ».") % {"type": document_type.name},
            )
        return cleaned


class RefusalForm(forms.Form):
    """The secretariat's reason, sent to the family."""

    reason = forms.CharField(
        label=_("Motif du refus"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Envoyé à la famille par e-mail : dites ce qui ne va pas et ce qu'il faut fournir."),
        error_messages={"required": _("Indiquez le motif du refus : la famille le recevra par e-mail.")},
    )


class DeskDocumentForm(forms.Form):
    """The secretariat records a document a family handed in at the desk (scanned paper, or e-mailed).

    The form checks what it can see (a pupil of the chosen family); everything else (scope,
    requirement, date rule, file, quota) is checked by ``record_desk_document`` and comes back
    as a ``DocumentError`` on its field.
    """

    family = forms.ModelChoiceField(
        label=_("Famille"),
        queryset=None,
        help_text=_(
            "Tapez le nom de la famille, sa référence, ou le nom, l'identifiant ou l'e-mail d'un responsable."
        ),
        error_messages={
            "required": _("Choisissez la famille qui a remis le document."),
            "invalid_choice": _("Cette famille n'existe pas. Choisissez-la dans la liste."),
        },
    )
    student = forms.ModelChoiceField(
        label=_("Élève"),
        queryset=None,
        required=False,
        help_text=_(
            "Seulement pour un document d'élève (photo d'identité, certificat médical…) ; laissez vide pour "
            "un document de la famille. Tapez le nom de l'élève ou de sa famille."
        ),
        error_messages={"invalid_choice": _("Cet élève n'existe pas. Choisissez-le dans la liste.")},
    )
    document_type = DocumentTypeChoiceField(
        label=_("Type de document"),
        queryset=DocumentType.objects.none(),
        empty_label=_("Choisissez le document…"),
        error_messages={
            "required": _("Choisissez le type du document reçu."),
            "invalid_choice": _(
                "Ce type de document n'existe pas ou n'est plus demandé. Choisissez-en un dans la liste."
            ),
        },
    )
    document_date = forms.DateField(
        label=_("Date du document"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Écrivez une date valide, par exemple 02/09/2026.")},
    )
    file = forms.FileField(
        label=_("Fichier"),
        error_messages={
            "required": _("Choisissez le fichier (le scan du document ou la pièce jointe reçue)."),
            "empty": _("Le fichier est vide (0 octet) : choisissez un autre fichier."),
            "invalid": _("Aucun fichier n'a été reçu : choisissez de nouveau le fichier."),
        },
    )
    validate = forms.BooleanField(
        label=_("Valider directement"),
        required=False,
        help_text=_(
            "Cochez si vous avez l'original en main : le document est enregistré puis validé en votre nom, "
            "sans passer par la file des documents à vérifier."
        ),
    )

    def __init__(self, *args, families, students, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (("family", families), ("student", students)):
            field = self.fields[name]
            # The admin's autocomplete searches FamilyAdmin / StudentAdmin through Document's foreign keys.
            field.widget = AutocompleteSelect(Document._meta.get_field(name), admin_site)
            field.widget.is_required = field.required
            field.queryset = queryset  # also hands the choices to the new widget
        types = list(DocumentType.objects.filter(is_active=True))
        type_field = self.fields["document_type"]
        type_field.queryset = DocumentType.objects.filter(is_active=True)
        type_field.choices = [
            ("", type_field.empty_label),
            (
                _("Documents de la famille"),
                [(t.pk, t.name) for t in types if t.scope == DocumentType.Scope.FAMILY],
            ),
            (
                _("Documents d'un élève (choisissez l'élève)"),
                [(t.pk, t.name) for t in types if t.scope == DocumentType.Scope.STUDENT],
            ),
        ]
        dated = [t.name for t in types if t.validity != DocumentType.Validity.NONE]
        self.fields["document_date"].help_text = (
            _("La date écrite sur le document, seulement pour : %(types)s.") % {"types": ", ".join(dated)}
            if dated
            else _("Aucun type de document actif n'a de règle de date.")
        )
        self.fields["file"].help_text = _("Formats : %(kinds)s. %(size)s Mo au plus.") % {
            "kinds": ", ".join(kind.label for kind in KINDS.values()),
            "size": megabytes(settings.DOCUMENT_MAX_BYTES),
        }

    def clean(self):
        cleaned = super().clean()
        family, student = cleaned.get("family"), cleaned.get("student")
        if family is not None and student is not None and student.family_id != family.pk:
            self.add_error(
                "student",
                _(
                    "%(student)s n'est pas un élève de la famille %(family)s. Choisissez un élève de cette "
                    "famille, ou laissez le champ vide pour un document de la famille."
                )
                % {"student": student, "family": family},
            )
        return cleaned


class FamilyQuotientForm(forms.Form):
    """The QF the secretariat reads on a QF attestation while validating it."""

    family_quotient = forms.IntegerField(
        label=_("Quotient familial lu sur l'attestation (€)"),
        required=False,
        min_value=0,
        max_value=99999,
        help_text=_("Il devient le QF de la famille pour ses tarifs. Vide : le QF enregistré ne change pas."),
        error_messages={
            "invalid": _("Le quotient familial s'écrit en euros, entre 0 et 99 999, par exemple 850."),
            "min_value": _("Le quotient familial s'écrit en euros, entre 0 et 99 999, par exemple 850."),
            "max_value": _("Le quotient familial s'écrit en euros, entre 0 et 99 999, par exemple 850."),
        },
    )
