from django.db import migrations

from minsheng.audit.append_only import append_only
from minsheng.subsidies.reference import reference_load


def load(apps, schema_editor):
    reference_load(apps.get_model("subsidies", "Industry"), apps.get_model("subsidies", "FactDefinition"))


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        append_only("subsidies_grantevent"),
    ]
