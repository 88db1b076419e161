from django.db import migrations

from minsheng.notifications.defaults import templates_seed


def seed(apps, schema_editor):
    """The templates added since 0004 (the livelihood-project notice to a lead unit); an administrator's
    edits are kept."""
    templates_seed(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_funds_notice_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
