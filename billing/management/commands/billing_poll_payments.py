from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from billing.online import poll_pending


class Command(BaseCommand):
    help = (
        "Règle les paiements en ligne restés « en cours » faute de notification du prestataire : interroge "
        "le prestataire quand il le permet (PayFiP) et abandonne (expiré) ceux restés sans réponse après le "
        "délai PAYMENTS_ONLINE_EXPIRE_AFTER_HOURS. À lancer par cron toutes les 10 minutes."
    )

    def handle(self, *args, **options):
        result = poll_pending()
        parts = {
            "asked": ngettext(
                "%(count)d transaction vérifiée auprès du prestataire",
                "%(count)d transactions vérifiées auprès du prestataire",
                result.asked,
            )
            % {"count": result.asked},
            "paid": ngettext("%(count)d payée", "%(count)d payées", result.paid) % {"count": result.paid},
            "failed": ngettext("%(count)d refusée", "%(count)d refusées", result.failed)
            % {"count": result.failed},
            "expired": ngettext("%(count)d expirée", "%(count)d expirées", result.expired)
            % {"count": result.expired},
            "waiting": ngettext("%(count)d encore en attente", "%(count)d encore en attente", result.waiting)
            % {"count": result.waiting},
        }
        self.stdout.write(
            gettext("Paiements en ligne : %(asked)s ; %(paid)s, %(failed)s, %(expired)s ; %(waiting)s.")
            % parts
        )
