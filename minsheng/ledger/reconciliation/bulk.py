"""Set-based writes for reconciliation: thousands of rows in one statement per chunk.

On PostgreSQL the rows travel as one JSON document read by ``json_to_recordset`` (the json module's C
encoder writes it; Django's bulk_create prepares every field of every row in Python, and bulk_update
builds a CASE per row and field). Elsewhere (SQLite) bulk_create and one executemany UPDATE.
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _record(fields: Sequence[models.Field]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]], *, key: str | None = None) -> dict[Any, int]:
    """Insert ``rows`` (dicts by field attname) and return the new ids by the value of ``key``
    (a unique column of the rows: the ids come back in no promised order)."""
    if not rows:
        return {}
    rows = _with_defaults(model, rows)
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        document = json.dumps([{f.column: _json_value(row[f.attname]) for f in fields} for row in rows])
        returning = quote(model._meta.get_field(key).column) if key else "id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_to_recordset(%s::json) "
                f"AS v({_record(fields)}) RETURNING id, {returning}", [document])
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
        document = json.dumps([{"id": row["id"], **{c.column: _json_value(row[c.attname]) for c in columns}}
                               for row in rows])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM json_to_recordset(%s::json) AS v({record}) "
                           "WHERE t.id = v.id", [document])
        return
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    params = [[*(c.get_db_prep_save(row[c.attname], connection) for c in columns), row["id"]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)
