from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from billing.online import poll_pending


class Command(BaseCommand):
    help = (
        "Règle les paiements en ligne restés « en cours » faute de notification du prestataire : interroge "
        "le prestataire quand il le permet (PayFiP) et abandonne (expiré) ceux restés sans réponse après le "
        "délai PAYMENTS_ONLINE_EXPIRE_AFTER_HOURS. À lancer par cron toutes les 10 minutes."
    )

    def handle(self, *args, **options):
        result = poll_pending()
        self.stdout.write(
            gettext(
                "Paiements en ligne : %(asked)d prestataire(s) interrogé(s), %(paid)d payé(s), %(failed)d refusé(s), "
                "%(expired)d expiré(s), %(waiting)d encore en attente."
            )
            % vars(result)
        )
