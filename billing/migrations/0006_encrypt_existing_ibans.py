"""Mandates recorded before paying existed kept their IBAN in clear in ``billing_mandate.iban``:
encrypt each one into its MandateDetails and leave only the masked IBAN in that column.

A mandate already recorded was signed on paper: it is in force unless revoked.
"""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from billing import crypto
    from billing.iban import compact, mask_iban

    Mandate = apps.get_model("billing", "Mandate")
    MandateDetails = apps.get_model("billing", "MandateDetails")
    for mandate in Mandate.objects.filter(details__isnull=True).iterator():
        iban = compact(mandate.iban)
        if "•" in iban:
            continue
        MandateDetails.objects.create(
            mandate=mandate,
            state="active" if mandate.revoked_on is None else "revoked",
            iban_encrypted=crypto.encrypt(iban),
            iban_fingerprint=crypto.fingerprint(iban),
        )
        mandate.iban = mask_iban(iban).replace(" ", "")
        mandate.save(update_fields=["iban"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_payments")]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
