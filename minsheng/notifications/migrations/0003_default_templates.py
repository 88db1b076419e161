from django.db import migrations

from minsheng.notifications.defaults import templates_seed


def seed(apps, schema_editor):
    templates_seed(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_append_only_events")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
