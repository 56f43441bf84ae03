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
        from billing import mandates, selectors
        from documents import services as document_services
        from reenrolment import services as reenrolment_services

        document_services.on_documents_changed(mandates.documents_changed)
        # The "validée" email of a re-enrolment gives the estimate of the coming season's fees.
        reenrolment_services.register_validated_email_context(
            lambda dossier: {"fees_estimate": selectors.estimate_for(dossier.student.family)}
        )
