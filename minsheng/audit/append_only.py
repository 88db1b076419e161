"""Make a table append-only in the database itself: UPDATE and DELETE raise, on SQLite and PostgreSQL.

Use in a migration, after the table is created::

    operations = [append_only("appeals_appealevent")]

Application code never needs to update such rows; a correction is a new row. (Dropping the
table, as a test database teardown does, is still possible: triggers guard rows, not the schema.)
"""

from django.db import migrations

MESSAGE = "append-only table: rows cannot be changed or deleted"


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;""",
    ]


def _postgresql_sql(table: str) -> list[str]:
    return [
        """CREATE OR REPLACE FUNCTION minsheng_refuse_change() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION USING
                 MESSAGE = TG_TABLE_NAME || ': append-only table: rows cannot be changed or deleted',
                 ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql;""",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION minsheng_refuse_change();""",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION minsheng_refuse_change();""",
    ]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        ]
    return []


def guarded_tables(connection) -> list[str]:
    """The tables that carry append-only triggers now."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%no_update'")
            return [name.removesuffix("_no_update") for (name,) in cursor.fetchall() if name.endswith("_no_update")]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%append_only'")
            return [name.removesuffix("_append_only") for (name,) in cursor.fetchall() if name.endswith("_append_only")]
    return []


def guards_lift(connection, tables: list[str]) -> None:
    """Drop the triggers (only for wiping a whole test or demo database; see the flush command)."""
    with connection.cursor() as cursor:
        for table in tables:
            for sql in _drop_sql(connection.vendor, table):
                cursor.execute(sql)


def guards_restore(connection, tables: list[str]) -> None:
    statements = {"sqlite": _sqlite_sql, "postgresql": _postgresql_sql}[connection.vendor]
    with connection.cursor() as cursor:
        for table in tables:
            for sql in statements(table):
                cursor.execute(sql)


def append_only(table: str) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"sqlite": _sqlite_sql, "postgresql": _postgresql_sql}.get(vendor)
        if statements is None:
            raise RuntimeError(f"append-only triggers are not written for {vendor}")
        for sql in statements(table):
            schema_editor.execute(sql)

    def backwards(apps, schema_editor):
        for sql in _drop_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards, elidable=False)
