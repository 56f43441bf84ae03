from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReenrolmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reenrolment"
    verbose_name = _("Réinscriptions")

    def ready(self):
        # Re-enrolment stands above documents: it tells documents which pupils need a medical
        # certificate, and asks to be told when documents change (dossier complet). These
        # imports go down the layers; they wait for ready() only because models load first.
        from documents import selectors as document_selectors
        from documents import services as document_services
        from documents.models import DocumentType
        from reenrolment import selectors, services

        document_selectors.register_requirement_condition(
            DocumentType.Requirement.DANCE, selectors.dance_condition
        )
        document_services.on_documents_changed(services.documents_changed)
