from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from extranet.base.emails import queue_due
from extranet.base.models import OutboundEmail


class Command(BaseCommand):
    help = (
        "Remet dans la file d'envoi les e-mails en attente dont le prochain essai est dû (ceux que le "
        "serveur de messagerie a refusés plus tôt, ou dont la tâche s'est perdue). Le worker "
        "(manage.py db_worker) les envoie ; avec TASKS_BACKEND=immediate, ils partent pendant la "
        "commande, qui attend la fin de chaque envoi. À lancer toutes les quelques minutes par un "
        "timer systemd."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help=gettext("Au plus ce nombre d'e-mails par passage.")
        )

    def handle(self, *args, limit, **options):
        now = timezone.now()
        due = queue_due(now=now, limit=limit)
        sent = queued = failing = 0
        for state, next_attempt_at in OutboundEmail.objects.filter(pk__in=due).values_list(
            "state", "next_attempt_at"
        ):
            if state == OutboundEmail.State.SENT:
                sent += 1
            elif state == OutboundEmail.State.PENDING and next_attempt_at <= now:
                queued += 1  # untouched yet: the worker has it
            else:
                failing += 1  # refused again during this run (immediate backend)
        summary = gettext("E-mails en attente : %(sent)s, %(failing)s.") % {
            "sent": ngettext("%(count)d envoyé", "%(count)d envoyés", sent) % {"count": sent},
            "failing": ngettext("%(count)d toujours en échec", "%(count)d toujours en échec", failing)
            % {"count": failing},
        }
        if queued:
            summary += " " + ngettext(
                "%(count)d confié au worker.", "%(count)d confiés au worker.", queued
            ) % {"count": queued}
        self.stdout.write(summary)
