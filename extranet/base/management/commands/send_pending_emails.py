from django.core.management.base import BaseCommand
from django.utils.translation import gettext, ngettext

from extranet.base.emails import deliver_due


class Command(BaseCommand):
    help = (
        "Envoie les e-mails en file d'attente dont le prochain essai est dû (ceux que le serveur de "
        "messagerie a refusés plus tôt). À lancer toutes les quelques minutes par cron ou un timer systemd."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help=gettext("Au plus ce nombre d'e-mails par passage.")
        )

    def handle(self, *args, limit, **options):
        sent, failing = deliver_due(limit=limit)
        self.stdout.write(
            gettext("E-mails en attente : %(sent)s, %(failing)s.")
            % {
                "sent": ngettext("%(count)d envoyé", "%(count)d envoyés", sent) % {"count": sent},
                "failing": ngettext("%(count)d toujours en échec", "%(count)d toujours en échec", failing)
                % {"count": failing},
            }
        )
