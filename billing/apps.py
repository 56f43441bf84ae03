from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = _("Facturation")

    def ready(self):
        # Billing stands above documents: it asks to be told when documents change, so that a
        # validated signed mandate activates the SEPA mandate awaiting it. The import goes down
        # the layers; it waits for ready() only because models load first.
        from billing import mandates
        from documents import services as document_services

        document_services.on_documents_changed(mandates.documents_changed)
