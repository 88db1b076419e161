from django.db import migrations

from minsheng.audit.append_only import append_only


class Migration(migrations.Migration):
    """Transfers are the record: the database refuses to change or delete one."""

    dependencies = [("ledger", "0001_initial")]

    operations = [append_only("ledger_transfer")]
