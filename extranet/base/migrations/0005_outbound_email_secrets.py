"""Outbox rows keep how to make their secrets at send time; links already stored are taken out.

Password links written into stored bodies before this migration become a placeholder, and the
row records the login (read from the link's uid) so that "Renvoyer" mails a fresh, working link.
"""

import re

from django.db import migrations, models
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

# An absolute or relative link to the password page: /mot-de-passe-perdu/<uidb64>/<token>/
STORED_LINK = re.compile(r"(?:https?://[^\s\"'<>]*?)?/mot-de-passe-perdu/([0-9A-Za-z_\-]+)/([0-9A-Za-z]+-[0-9A-Za-z]+)/")
PLACEHOLDER = "[[link : masqué, créé à l’envoi]]"


def _user_id(uidb64: str):
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None


def take_links_out(apps, schema_editor):
    OutboundEmail = apps.get_model("extranet", "OutboundEmail")
    for email in OutboundEmail.objects.filter(name__in=["password_reset", "welcome"]).iterator():
        found = STORED_LINK.search(email.body_text) or STORED_LINK.search(email.body_html)
        if found is None:
            continue
        email.body_text = STORED_LINK.sub(PLACEHOLDER, email.body_text)
        email.body_html = STORED_LINK.sub(PLACEHOLDER, email.body_html)
        email.subject = STORED_LINK.sub(PLACEHOLDER, email.subject)
        email.secrets = {"link": {"kind": "password_link", "user": _user_id(found.group(1))}}
        email.save(update_fields=["body_text", "body_html", "subject", "secrets"])


class Migration(migrations.Migration):
    dependencies = [
        ("extranet", "0004_site_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="secrets",
            field=models.JSONField(blank=True, default=dict, verbose_name="secrets créés à l'envoi"),
        ),
        migrations.RunPython(take_links_out, migrations.RunPython.noop),
    ]
