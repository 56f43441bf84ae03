from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentType
from documents.uploads import KINDS, megabytes


class DocumentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentType) -> str:
        return obj.name


class UploadForm(forms.Form):
    """Importer: the document type ("Nom du document"), the file, and the date when a rule needs it."""

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
