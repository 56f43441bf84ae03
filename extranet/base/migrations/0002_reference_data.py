from django.db import migrations

from extranet.base.reference import load_reference


def load(apps, schema_editor):
    load_reference(apps, "extranet.SchoolLevel", "school_levels.json")
    load_reference(apps, "extranet.SocioProfessionalCategory", "socio_professional_categories.json")
    load_reference(apps, "extranet.Civility", "civilities.json")
    load_reference(apps, "extranet.PaymentMeans", "payment_means.json")


class Migration(migrations.Migration):
    dependencies = [("extranet", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
