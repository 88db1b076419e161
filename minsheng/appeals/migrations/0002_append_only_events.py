from django.db import migrations

from minsheng.audit.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [append_only("appeals_appealevent")]
