"""Facts about enterprises and their history: an import checks every row, then records in one
transaction the values in force (EnterpriseFact, which the rules read) and, for every value that is
new or changed, a revision (EnterpriseFactRevision, append-only) in one batch (FactBatch: which
import, source and actor). Set-based: a handful of statements whatever the number of rows."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.identifiers import uscc_problem
from minsheng.org.choices import Role
from minsheng.org.scope import restrict

from .. import cells, rules
from ..choices import FactRecordingKind
from ..models import Enterprise, EnterpriseFact, EnterpriseFactRevision, FactBatch, FactDefinition
from ..selectors import ENTERPRISE_SCOPE
from .enterprises import ImportResult, _enterprise_ids, _refuse_if, _require_columns, _row_error, chunks

FACT_COLUMNS = ("uscc", "fact", "period", "value")
Key = tuple[int, int, str]  # (enterprise id, fact definition id, period)


def _current_period(kind: str, today: date | None = None) -> str:
    today = today or timezone.localdate()
    return {"year": f"{today.year}", "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "month": f"{today.year}-{today.month:02d}"}[kind]


def _period_problem(definition: FactDefinition, period: str, today: date) -> str | None:
    kind = rules.period_kind_of(period)
    if kind != definition.period_kind:
        return _("“%(fact)s” is reported by %(kind)s: the period must look like %(example)s, not “%(period)s”.") % {
            "fact": definition.name, "kind": definition.get_period_kind_display(),
            "example": rules.PERIOD_EXAMPLES[definition.period_kind], "period": period}
    if period > _current_period(kind, today):
        return _("the period %(period)s has not begun yet.") % {"period": period}
    return None


def _value_problem(value: Decimal | None) -> str | None:
    if value is None:
        return _("the value is not a number.")
    if value < 0:
        return _("the value cannot be negative.")
    if value.as_tuple().exponent < -2 or abs(value) >= Decimal("1e16"):
        return _("the value has more than two decimals or is too large.")
    return None


def fact_problem(*, definition: FactDefinition | None, period: str, value: Decimal | None,
                 today: date | None = None) -> str | None:
    if definition is None:
        return _("unknown fact.")
    return _period_problem(definition, period, today or timezone.localdate()) or _value_problem(value)


@dataclass(frozen=True, slots=True)
class _Wanted:
    value: Decimal
    source: str
    row: int


@dataclass(frozen=True, slots=True)
class _InForce:
    id: int
    value: Decimal
    source: str
    revision: int


def facts_import(*, rows: Iterable[dict], source: str = "", actor=None, file_name: str = "") -> ImportResult:
    """Record facts from rows (uscc, fact, period, value[, source]); a later value for the same enterprise,
    fact and period becomes its next revision, and the rules read it from then on.

    All-or-nothing: every row is checked (credit code known, fact known, period of the fact's kind and
    not in the future, value a non-negative number with at most two decimals, each fact once per
    enterprise and period in the file) before anything is written, and every bad row is named.
    ``file_name``: the uploaded file's, kept on the batch. Two imports racing to create the same new
    fact: the second is a Conflict (import it again)."""
    try:
        return _facts_import(rows=list(rows), source=(source or "").strip()[:60], actor=actor,
                             file_name=(file_name or "")[:200])
    except IntegrityError as exc:
        raise Conflict(_("Another import recorded some of these facts at the same moment: import the file again."
                         )) from exc


def _require_officer_of(actor, enterprise_ids: set[int]) -> None:
    """Facts are recorded by a funds officer whose own grant covers each enterprise (or by the system)."""
    if actor is None:
        return
    reachable = set(restrict(Enterprise.objects.filter(pk__in=enterprise_ids), user=actor, action="write",
                             rules=ENTERPRISE_SCOPE, only_roles=[Role.FUNDS_OFFICER]).values_list("pk", flat=True))
    outside = sorted(Enterprise.objects.filter(pk__in=enterprise_ids - reachable).values_list("uscc", flat=True))
    if outside:
        raise PermissionDenied(_("These enterprises lie outside your area: %(codes)s.")
                               % {"codes": ", ".join(outside[:20])})


@transaction.atomic
def _facts_import(*, rows: list[dict], source: str, actor, file_name: str) -> ImportResult:
    _require_columns(rows, FACT_COLUMNS, optional=["source"])
    wanted = _checked(rows, source)
    _require_officer_of(actor, {key[0] for key in wanted})
    now = timezone.now()
    in_force = _in_force(wanted)
    new: list[tuple[Key, _Wanted]] = []
    changed: list[tuple[Key, _Wanted, _InForce]] = []
    for key, fact in wanted.items():
        current = in_force.get(key)
        if current is None:
            new.append((key, fact))
        elif current.value != fact.value or current.source != fact.source:
            changed.append((key, fact, current))
    batch = FactBatch.objects.create(
        kind=FactRecordingKind.FILE if file_name else FactRecordingKind.ROWS, source=source, file_name=file_name,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None, recorded_at=now, rows=len(rows),
        created=len(new), changed=len(changed), unchanged=len(wanted) - len(new) - len(changed))
    _insert(EnterpriseFact, ["enterprise_id", "definition_id", "period", "value", "source", "revision"],
            [(*key, fact.value, fact.source, 1) for key, fact in new], constants={"imported_at": now})
    _update(EnterpriseFact, ["value", "source", "revision"],
            [(current.id, fact.value, fact.source, current.revision + 1) for _key, fact, current in changed],
            constants={"imported_at": now})
    _insert(EnterpriseFactRevision, ["enterprise_id", "definition_id", "period", "number", "value", "source"],
            [(*key, 1, fact.value, fact.source) for key, fact in new]
            + [(*key, current.revision + 1, fact.value, fact.source) for key, fact, current in changed],
            constants={"batch_id": batch.pk, "recorded_at": now})
    if actor is not None:
        audit_record(actor=actor, action="subsidies.facts_import", obj=batch,
                     summary={"created": batch.created, "updated": batch.changed, "unchanged": batch.unchanged,
                              "source": source, "file": file_name})
    return ImportResult(created=batch.created, updated=batch.changed, unchanged=batch.unchanged, rows=len(rows),
                        batch=batch.pk)


def _checked(rows: list[dict], source: str) -> dict[Key, _Wanted]:
    """Every row checked; the facts wanted by key, or a ValidationError naming each bad row."""
    errors: list[str] = []
    definitions = {d.name: d for d in FactDefinition.objects.all()}
    enterprises = _enterprise_ids(cells.text(r.get("uscc")).upper() for r in rows)
    today = timezone.localdate()
    period_problems: dict[tuple[int, str], str | None] = {}
    wanted: dict[Key, _Wanted] = {}
    for number, row in enumerate(rows, 2):
        uscc = cells.text(row.get("uscc")).upper()
        if uscc not in enterprises:
            _row_error(errors, number, uscc_problem(uscc) or _("no enterprise with credit code %(uscc)s.")
                       % {"uscc": uscc})
            continue
        definition = definitions.get(cells.text(row.get("fact")))
        if definition is None:
            _row_error(errors, number, _("unknown fact “%(fact)s”.") % {"fact": cells.text(row.get("fact"))})
            continue
        period = cells.period_text(row.get("period"), kind=definition.period_kind)
        if period is None:
            _row_error(errors, number, _("the period is a date cell (%(cell)s): write the period as text, like "
                                         "%(example)s.") % {"cell": cells.text(row.get("period")),
                                                            "example": rules.PERIOD_EXAMPLES[definition.period_kind]})
            continue
        if (definition.pk, period) not in period_problems:
            period_problems[definition.pk, period] = _period_problem(definition, period, today)
        value = cells.parse_amount(row.get("value"))
        if problem := period_problems[definition.pk, period] or _value_problem(value):
            _row_error(errors, number, problem)
            continue
        key = (enterprises[uscc], definition.pk, period)
        if (first := wanted.get(key)) is not None:
            _row_error(errors, number, _("%(fact)s of %(uscc)s for %(period)s is on row %(first)s too: a file gives "
                                         "each fact once per enterprise and period.")
                       % {"fact": definition.name, "uscc": uscc, "period": period, "first": first.row})
            continue
        wanted[key] = _Wanted(value, (cells.text(row.get("source")) or source)[:60], number)
    _refuse_if(errors)
    return wanted


def _in_force(wanted: dict[Key, _Wanted]) -> dict[Key, _InForce]:
    """The values in force for the keys wanted, locked until the import commits (a concurrent import of the
    same facts waits, then numbers its revisions after these)."""
    enterprise_ids = sorted({key[0] for key in wanted})
    definitions = {key[1] for key in wanted}
    periods = {key[2] for key in wanted}
    found: dict[Key, _InForce] = {}
    for chunk in chunks(enterprise_ids):
        rows = (EnterpriseFact.objects.select_for_update()
                .filter(enterprise_id__any_of=chunk, definition_id__in=definitions, period__in=periods)
                .values_list("id", "enterprise_id", "definition_id", "period", "value", "source", "revision"))
        for pk, enterprise_id, definition_id, period, value, source, revision in rows:
            key = (enterprise_id, definition_id, period)
            if key in wanted:
                found[key] = _InForce(pk, value, source, revision)
    return found


# --- set-based writes (as services.core does for grants: one JSON document on PostgreSQL, executemany elsewhere)

def _json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=str)  # Decimal as its exact text


def _insert(model, columns: list[str], rows: list[tuple], *, constants: dict) -> None:
    """INSERT ``rows`` (values of ``columns``) into ``model``'s table, with ``constants`` in every row."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in [*columns, *constants]]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    constant_values = [model._meta.get_field(n).get_db_prep_save(v, connection) for n, v in constants.items()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            record = ", ".join(f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}"
                               for f in fields[:len(columns)])
            keys = [f.column for f in fields[:len(columns)]]
            selected = ", ".join([*(connection.ops.quote_name(k) for k in keys), *(["%s"] * len(constants))])
            for chunk in chunks(rows, 50_000):
                document = _json([dict(zip(keys, row, strict=True)) for row in chunk])
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT {selected} "
                               f"FROM json_to_recordset(%s::json) AS v({record})", [*constant_values, document])
            return
        placeholders = ", ".join(["%s"] * len(fields))
        prepared = _prepared(model, columns)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})",
                           [[*prepared(row), *constant_values] for row in rows])


def _update(model, columns: list[str], rows: list[tuple], *, constants: dict) -> None:
    """UPDATE ``columns`` of the rows whose id is the first value of each of ``rows``; ``constants`` in every row."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in columns]
    quoted = [connection.ops.quote_name(f.column) for f in fields]
    constant_names = [connection.ops.quote_name(model._meta.get_field(n).column) for n in constants]
    constant_values = [model._meta.get_field(n).get_db_prep_save(v, connection) for n, v in constants.items()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            record = ", ".join(["id bigint", *(f"{q} {f.db_type(connection)}" for q, f in zip(quoted, fields,
                                                                                            strict=True))])
            assignments = ", ".join([*(f"{q} = v.{q}" for q in quoted), *(f"{q} = %s" for q in constant_names)])
            for chunk in chunks(rows, 50_000):
                document = _json([dict(zip(["id", *(f.column for f in fields)], row, strict=True)) for row in chunk])
                cursor.execute(f"UPDATE {table} SET {assignments} FROM json_to_recordset(%s::json) AS v({record}) "
                               f"WHERE {table}.id = v.id", [*constant_values, document])
            return
        assignments = ", ".join(f"{q} = %s" for q in [*quoted, *constant_names])
        prepared = _prepared(model, columns)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s",
                           [[*prepared(row[1:]), *constant_values, row[0]] for row in rows])


def _prepared(model, columns: list[str]):
    """A function giving a row's values as the database driver takes them (decimals through their field)."""
    fields = [model._meta.get_field(name) for name in columns]

    def prepare(row) -> list:
        return [value if isinstance(value, int | str) else field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)]

    return prepare
