"""Cash and card at the desk: the two means of the secretariat's desk that families did not pick online."""

from django.db import migrations

DESK_MEANS = [
    ("cash", "Espèces (au secrétariat)", 10),
    ("card_desk", "Carte bancaire au secrétariat", 11),
]


def add_desk_means(apps, schema_editor):
    PaymentMeans = apps.get_model("extranet", "PaymentMeans")
    for code, label, order in DESK_MEANS:
        PaymentMeans.objects.get_or_create(code=code, defaults={"label": label, "order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_tariffs_sequences_receipts_and_frozen_invoices"),
        ("extranet", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(add_desk_means, migrations.RunPython.noop)]
