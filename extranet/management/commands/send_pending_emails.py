from django.core.management.base import BaseCommand

from extranet.emails import deliver_due


class Command(BaseCommand):
    help = (
        "Sends the queued emails whose next attempt is due (those the mail server refused "
        "earlier). Run it every few minutes from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many emails per run.")

    def handle(self, *args, limit, **options):
        sent, failing = deliver_due(limit=limit)
        self.stdout.write(f"{sent} email(s) sent, {failing} still failing.")
