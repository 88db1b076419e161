"""Filing a registered case (立案编号): give it the day's next number and store it with its legs and events.

The day's counter row stays locked from the moment a number is taken until the intake commits. That is
what keeps numbers gap-free (a failed intake rolls its number back with it), and it means intakes file
one after another: whatever happens between taking the number and the commit limits how many cases a
second the city can register. So the caller prepares everything first (validation, routing, deadlines,
the unsaved rows) and ``case_file`` only writes:

- on PostgreSQL, in one statement: data-modifying CTEs take the number and insert the case, its legs
  and its events (``INSERT … SELECT`` from ``VALUES``, every value cast to its column's type). One round
  trip instead of four keeps the counter locked for about a millisecond before the commit;
- elsewhere (SQLite, which lets one writer in at a time anyway), the counter update and one insert per
  table through the ORM.

Either way the objects passed in come back saved: primary keys set, ``appeal.number`` filled.

An API intake with an Idempotency-Key files the key's row in the same statement, with the receipt to
give a retry (``INSERT … ON CONFLICT DO NOTHING``). When a concurrent retry with the same key filed
first, ``KeyTaken`` is raised: the caller rolls this intake back, its number with it, and answers
with the stored receipt.
"""

import datetime as dt
import functools
import operator
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import connection, models
from psycopg.types.json import Jsonb

from .models import Appeal, AppealEvent, CaseCounter, DispatchLeg, IdempotencyKey


class KeyTaken(Exception):
    """The Idempotency-Key was filed by another intake first (this one must be rolled back)."""


def case_number(day: dt.date, sequence: int) -> str:
    """FS + date + the day's sequence, e.g. FS20261128000123."""
    return f"{number_prefix(day)}{sequence:06d}"


def number_prefix(day: dt.date) -> str:
    return f"{getattr(settings, 'MINSHENG_CASE_PREFIX', 'FS')}{day:%Y%m%d}"


def case_file(appeal: Appeal, *, day: dt.date, legs: Sequence[DispatchLeg] = (),
              events: Sequence[AppealEvent] = (), key: IdempotencyKey | None = None, render=None) -> None:
    """Number ``appeal`` for ``day`` and insert it, then its ``legs`` (lead first) and ``events``, and
    the Idempotency-Key row ``key`` with ``render(appeal)`` as its response (a dict; on PostgreSQL it is
    rendered before the case has them, and its "id" and "number", where present, are filled in).

    An event whose ``leg`` is one of ``legs`` is linked to that leg's row. Must run inside the
    intake's transaction; raises ``KeyTaken`` when ``key`` is already on file."""
    if connection.vendor == "postgresql":
        if key is not None:
            key.response = render(appeal)  # "id" and "number" are filled in by the statement
        filed = _file_in_one_statement(appeal, day=day, legs=legs, events=events, key=key)
        if not filed:  # the day's first case: create its counter (a racing intake may have just done so)
            _counter_create(day)
            filed = _file_in_one_statement(appeal, day=day, legs=legs, events=events, key=key)
        if not filed:
            raise RuntimeError(f"no case counter for {day}")
        return
    appeal.number = case_number(day, _counter_next(day))
    appeal.save(force_insert=True)
    for leg in legs:
        leg.appeal = appeal
    DispatchLeg.objects.bulk_create(legs)
    for event in events:
        event.appeal = appeal
        if event.leg is not None:
            event.leg = event.leg  # the leg now has its primary key: refresh leg_id
    AppealEvent.objects.bulk_create(events)
    if key is not None:
        key.appeal, key.response = appeal, render(appeal)
        if not _key_insert(key):
            raise KeyTaken(key.key)


def _key_insert(key: IdempotencyKey) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING``: False when the key is already on file."""
    quote = connection.ops.quote_name
    fields = _fields(IdempotencyKey, ())
    sql = (f"INSERT INTO {quote(IdempotencyKey._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(key, True), connection) for f in fields])
        row = cursor.fetchone()
    if row is None:
        return False
    key.pk = row[0]
    _mark_saved(key)
    return True


# --- the counter (ORM path) ---------------------------------------------------------------------------
def _counter_next(day: dt.date) -> int:
    """``UPDATE … RETURNING``: increments the day's counter and holds its row lock until the commit."""
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    sql = f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [day])
        row = cursor.fetchone()
        if row is None:
            _counter_create(day)
            cursor.execute(sql, [day])
            row = cursor.fetchone()
    return row[0]


def _counter_create(day: dt.date) -> None:
    CaseCounter.objects.bulk_create([CaseCounter(day=day, last=0)], ignore_conflicts=True)


# --- one statement (PostgreSQL) ------------------------------------------------------------------
# The rows go as JSON documents, one parameter per table, and PostgreSQL turns each document into a
# row of the table's own type (``jsonb_populate_record``): every value is read by its column's input
# function, so a string too long for its column is refused, never cut. The statement's text depends
# only on whether there are legs and events, so it is built once (and psycopg keeps its parse).
def _document(obj, fields, **extra) -> dict:
    document = dict(extra)
    for column, value_of in _readers(fields):
        document[column] = value_of(obj)
    return document


# Fields whose stored value is the attribute itself (a foreign key's attname is its id): read directly.
# Anything else — dates, JSON, auto_now, a custom field — goes through the field's own preparation.
PLAIN_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.FloatField, models.IntegerField,
                models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SmallIntegerField,
                models.BigIntegerField, models.ForeignKey)


@functools.cache
def _readers(fields: tuple) -> tuple:
    def prepared(field):
        def value_of(obj):
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
            if isinstance(value, Jsonb):
                return value.obj
            if isinstance(value, dt.date | dt.time):
                return value.isoformat()  # datetimes keep their offset and microseconds
            if isinstance(value, Decimal):
                return str(value)
            return value
        return value_of

    return tuple((f.column, operator.attrgetter(f.attname) if type(f) in PLAIN_FIELDS else prepared(f))
                 for f in fields)


@functools.cache
def _fields(model, skip: tuple[str, ...]) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip)


CASE_SKIP, LEG_SKIP, EVENT_SKIP = ("number",), ("appeal_id",), ("appeal_id", "leg_id")
KEY_SKIP = ("appeal_id", "response")


@functools.cache
def _statement(with_legs: bool, with_events: bool, with_key: bool) -> str:
    q = connection.ops.quote_name

    def columns(fields, prefix=""):
        return ", ".join(f"{prefix}{q(f.column)}" for f in fields)

    counter, case, leg, event, key = (q(m._meta.db_table)
                                      for m in (CaseCounter, Appeal, DispatchLeg, AppealEvent, IdempotencyKey))
    case_fields, leg_fields = _fields(Appeal, CASE_SKIP), _fields(DispatchLeg, LEG_SKIP)
    event_fields = _fields(AppealEvent, EVENT_SKIP)
    sql = [
        f"WITH numbered AS (UPDATE {counter} SET last = last + 1 WHERE day = %s RETURNING last)",
        f", new_case AS (INSERT INTO {case} (number, {columns(case_fields)}) "
        f"SELECT %s || lpad(numbered.last::text, 6, '0'), {columns(case_fields, 'r.')} "
        f"FROM numbered, jsonb_populate_record(NULL::{case}, %s) AS r RETURNING id, number)",
    ]
    if with_legs:
        sql.append(f", new_legs AS (INSERT INTO {leg} (appeal_id, {columns(leg_fields)}) "
                   f"SELECT new_case.id, {columns(leg_fields, 'r.')} FROM new_case, "
                   f"jsonb_array_elements(%s) WITH ORDINALITY AS d(doc, ord), "
                   f"jsonb_populate_record(NULL::{leg}, d.doc) AS r ORDER BY d.ord RETURNING id, unit_id)")
    if with_events:
        # An event on a leg carries the leg's unit (one leg per unit in a new case) and gets that leg's id.
        leg_id = "(SELECT new_legs.id FROM new_legs WHERE new_legs.unit_id = (d.doc->>'leg_unit')::bigint)" \
            if with_legs else "NULL"
        sql.append(f", new_events AS (INSERT INTO {event} (appeal_id, leg_id, {columns(event_fields)}) "
                   f"SELECT new_case.id, {leg_id}, {columns(event_fields, 'r.')} FROM new_case, "
                   f"jsonb_array_elements(%s) WITH ORDINALITY AS d(doc, ord), "
                   f"jsonb_populate_record(NULL::{event}, d.doc) AS r ORDER BY d.ord RETURNING id)")
    if with_key:
        key_fields = _fields(IdempotencyKey, KEY_SKIP)
        sql.append(f", new_key AS (INSERT INTO {key} (appeal_id, response, {columns(key_fields)}) "
                   f"SELECT new_case.id, jsonb_set(jsonb_set(r.response, '{{id}}', to_jsonb(new_case.id), false), "
                   f"'{{number}}', to_jsonb(new_case.number), false), {columns(key_fields, 'r.')} "
                   f"FROM new_case, jsonb_populate_record(NULL::{key}, %s) AS r "
                   f"ON CONFLICT DO NOTHING RETURNING id)")
    sql.append("SELECT 'case', id, number, NULL FROM new_case")
    if with_legs:
        sql.append("UNION ALL SELECT 'leg', id, NULL, unit_id FROM new_legs")
    if with_key:
        sql.append("UNION ALL SELECT 'key', id, NULL, NULL FROM new_key")
    return " ".join(sql)


def _file_in_one_statement(appeal: Appeal, *, day: dt.date, legs: Sequence[DispatchLeg],
                           events: Sequence[AppealEvent], key: IdempotencyKey | None) -> bool:
    """False when the day has no counter row yet (nothing was written)."""
    params = [day, number_prefix(day), Jsonb(_document(appeal, _fields(Appeal, CASE_SKIP)))]
    if legs:
        params.append(Jsonb([_document(leg, _fields(DispatchLeg, LEG_SKIP)) for leg in legs]))
    if events:
        params.append(Jsonb([_document(event, _fields(AppealEvent, EVENT_SKIP),
                                       leg_unit=event.leg.unit_id if event.leg is not None else None)
                             for event in events]))
    if key is not None:
        params.append(Jsonb(_document(key, _fields(IdempotencyKey, KEY_SKIP), response=key.response)))
    with connection.cursor() as cursor:
        cursor.execute(_statement(bool(legs), bool(events), key is not None), params)
        rows = cursor.fetchall()
    if not rows:
        return False
    leg_ids = {unit_id: pk for what, pk, _number, unit_id in rows if what == "leg"}
    appeal.pk, appeal.number = next((pk, number) for what, pk, number, _unit in rows if what == "case")
    _mark_saved(appeal)
    for leg in legs:
        leg.appeal = appeal
        leg.pk = leg_ids[leg.unit_id]
        _mark_saved(leg)
    for event in events:
        event.appeal = appeal
        if event.leg is not None:
            event.leg = event.leg
    if key is not None:
        key_id = next((pk for what, pk, _number, _unit in rows if what == "key"), None)
        if key_id is None:
            raise KeyTaken(key.key)
        key.pk, key.appeal = key_id, appeal
        filled = {"id": appeal.pk, "number": appeal.number}
        key.response = {name: filled.get(name, value) for name, value in key.response.items()}
        _mark_saved(key)
    return True


def _mark_saved(obj) -> None:
    obj._state.adding = False
    obj._state.db = connection.alias
