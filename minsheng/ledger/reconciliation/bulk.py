"""Set-based writes for reconciliation: thousands of rows in one statement per chunk.

On PostgreSQL the rows travel as one JSON document read by ``json_to_recordset`` (the json module's C
encoder writes it; Django's bulk_create prepares every field of every row in Python, and bulk_update
builds a CASE per row and field). Elsewhere (SQLite) bulk_create and one executemany UPDATE.
"""

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _json_default(value: Any) -> Any:
    """What the json module cannot write itself (called only for those values)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _by_column(fields: Sequence[models.Field], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows keyed by column (the same as the attname unless a field names another column)."""
    renamed = {f.attname: f.column for f in fields if f.attname != f.column}
    if not renamed:
        return rows
    return [{renamed.get(name, name): value for name, value in row.items()} for row in rows]


def _record(fields: Sequence[models.Field]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]], *, key: str | None = None,
                returning: bool = True) -> dict[Any, int]:
    """Insert ``rows`` (dicts by field attname) and return the new ids by the value of ``key``
    (a unique column of the rows: the ids come back in no promised order). ``returning=False``:
    return nothing, so that the statement can be sent in a pipeline without waiting for it."""
    if not rows:
        return {}
    rows = _with_defaults(model, rows)
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        document = json.dumps(_by_column(fields, rows), default=_json_default)
        sql = (f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_to_recordset(%s::json) "
               f"AS v({_record(fields)})")
        with connection.cursor() as cursor:
            if not returning:
                cursor.execute(sql, [document])
                return {}
            cursor.execute(f"{sql} RETURNING id, {quote(model._meta.get_field(key).column) if key else 'id'}",
                           [document])
            return {found_key: pk for pk, found_key in cursor.fetchall()}
    objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
    return {getattr(obj, key or "pk"): obj.pk for obj in objects}


def _with_defaults(model: type[models.Model], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with every column the raw INSERT must name: fields left out get their default
    (``auto_now_add``: now; nullable: NULL), as ``Model.save`` would give them."""
    given = set(rows[0])
    extra: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given or f.name in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            extra[f.attname] = timezone.now()
        else:
            extra[f.attname] = f.get_default()  # a blank text field's default is ""
            if extra[f.attname] is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
    return [{**row, **extra} for row in rows] if extra else rows


def rows_update(model: type[models.Model], rows: list[dict[str, Any]], fields: Sequence[str]) -> None:
    """Write ``fields`` of each row (dicts with ``id`` and those attnames) in one statement."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        record = ", ".join(["id bigint", _record(columns)])
        assignments = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns)
        document = json.dumps(_by_column(columns, rows), default=_json_default)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM json_to_recordset(%s::json) AS v({record}) "
                           "WHERE t.id = v.id", [document])
        return
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    params = [[*(c.get_db_prep_save(row[c.attname], connection) for c in columns), row["id"]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)


def rows_matching(model: type[models.Model], field: str, values: list, columns: Sequence[str]) -> list[tuple]:
    """``model.objects.filter(<field>__in=values).values_list(*columns)`` for thousands of values.

    On PostgreSQL the values travel as one JSON array joined to the table (the ORM would prepare
    each value in Python and psycopg quote each again); elsewhere the ORM.
    """
    if not values:
        return []
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{field}__in": values}).order_by().values_list(*columns))
    quote = connection.ops.quote_name
    meta = model._meta
    selected = ", ".join(f"t.{quote(meta.get_field(name).column)}" for name in columns)
    key = meta.get_field(field)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {quote(meta.db_table)} AS t JOIN json_array_elements_text(%s::json) AS v(value) "
            f"ON t.{quote(key.column)} = v.value::{key.db_type(connection)}", [json.dumps(values)])
        return cursor.fetchall()


@contextlib.contextmanager
def no_cyclic_gc():
    """Python's cycle collector off while thousands of rows are built: a statement of 100,000 lines
    makes a few hundred thousand live objects, which every collection would walk again (a third of
    the import's time). What runs inside makes no reference cycles; reference counting frees it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def pipelined():
    """On PostgreSQL, send the statements inside without waiting for each answer (psycopg's pipeline
    mode): the database writes one chunk while Python prepares the next. The statements must not
    need their results; an error surfaces when the block ends, inside the same transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield
