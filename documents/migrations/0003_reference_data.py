from django.db import migrations

from extranet.base.reference import load_reference


def load(apps, schema_editor):
    load_reference(apps, "documents.DocumentType", "document_types.json")


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
