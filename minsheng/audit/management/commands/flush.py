"""Django's ``flush``, aware of append-only tables.

Append-only triggers refuse DELETE and TRUNCATE, so the stock flush fails — as it should on a
live database. Where ``MINSHENG_ALLOW_WIPE`` is set (the test settings; the demo's fresh start)
the triggers are lifted for the wipe and restored after it, so the guard is back the moment
the tables are empty.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from minsheng.audit.append_only import guarded_tables, guards_lift, guards_restore


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        tables = guarded_tables(connection)
        if tables and not getattr(settings, "MINSHENG_ALLOW_WIPE", False):
            raise CommandError(
                "This database has append-only tables (audit trail, events, ledger); "
                "flush is refused. Set MINSHENG_ALLOW_WIPE only for test and demo databases."
            )
        guards_lift(connection, tables)
        try:
            return super().handle(**options)
        finally:
            guards_restore(connection, tables)
