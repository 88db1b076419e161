"""What the policy-funds services share: permissions, the grant state table, ledger accounts and keys,
and the bulk writers the batch paths use."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.ledger import services as ledger
from minsheng.ledger.choices import AccountKind
from minsheng.org.scope import can

from ..choices import GRANT_TRANSITIONS, GrantState
from ..models import (
    Enterprise,
    FactDefinition,
    Grant,
    GrantEvent,
    Industry,
    Policy,
    PolicyVersion,
)
from ..reference import reference_load
from ..selectors import ENTERPRISE_SCOPE, GRANT_DECISION_SCOPE, can_write_policies
from .enterprises import reference_data_forget

TREASURY_ACCOUNT = "treasury:city"


CHUNK = 2000


def reference_data_ensure() -> None:
    """Industries and fact kinds, as the migration loads them (tests that flush the database call this)."""
    reference_load(Industry, FactDefinition)
    reference_data_forget()


def _require_funds_officer(actor) -> None:
    if not can_write_policies(actor):
        raise PermissionDenied(_("Only funds officers may do this."))


def _require_grant_officer(actor, grant: Grant) -> None:
    """A funds officer whose region holds the grant's enterprise (no region: the city), and who does not
    act for that enterprise: nobody decides about their own enterprise's money."""
    _require_funds_officer(actor)
    if not can(actor, action="write", rules=GRANT_DECISION_SCOPE, obj=grant):
        raise PermissionDenied(_("This grant's enterprise lies outside your region."))
    if Enterprise.users.through.objects.filter(enterprise_id=grant.enterprise_id, user_id=actor.pk).exists():
        raise PermissionDenied(_("You act for this enterprise: another funds officer must decide about its "
                                 "grants."))


def budget_account(*, policy: Policy, year: str):
    """The policy's budget envelope for one year (``year`` = the first four characters of a period):
    funded by publishing that year's version, debited by that year's grants."""
    base = policy.budget_account_code or f"budget:{policy.code}"
    return ledger.account_open(code=f"{base}:{year[:4]}", name=f"{policy.name} {year[:4]}年预算",
                               kind=AccountKind.BUDGET, debits_must_not_exceed_credits=True)


def _facts_hash(seen: dict) -> str:
    return hashlib.sha256(json.dumps(seen, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _trace_inputs(trace: dict) -> dict:
    inputs: dict = {}
    for clause in trace["clauses"]:
        inputs.update(clause["seen"])
    inputs.update(trace["amount"]["seen"])
    return inputs


def _event(grant: Grant, to_state: str, *, from_state: str = "", actor=None, detail: dict | None = None) -> GrantEvent:
    return GrantEvent(grant=grant, from_state=from_state, to_state=to_state,
                      actor=actor if getattr(actor, "is_authenticated", False) else None, detail=detail or {})


def _transition(grant: Grant, to_state: str, *, actor=None, detail: dict | None = None, **fields) -> Grant:
    if to_state not in GRANT_TRANSITIONS[grant.state]:
        raise ValidationError(_("A grant that is %(state)s cannot become %(to)s.") % {
            "state": grant.get_state_display(), "to": GrantState(to_state).label})
    _event(grant, to_state, from_state=grant.state, actor=actor, detail=detail).save()
    grant.state = to_state
    for name, value in fields.items():
        setattr(grant, name, value)
    grant.save(update_fields=["state", *fields])
    return grant


def _reserve_key(policy: Policy, enterprise_id: int, period: str, attempt: int = 1) -> str:
    """The ledger key of a grant's reservation, which is also the bank reference of that payment attempt:
    a new attempt after a failed payment is a new reservation and a new reference."""
    key = f"grant:{policy.code}:{enterprise_id}:{period}"
    return key if attempt == 1 else f"{key}:a{attempt}"


def _enterprise_account(enterprise: Enterprise):
    """The enterprise's ledger account, opened when it first confirms a grant."""
    return ledger.account_open(code=f"enterprise:{enterprise.uscc}", name=enterprise.name, kind=AccountKind.ENTERPRISE)


def _save_grants(grants: "list[Grant] | list[_BatchGrant]", fields: list[str]) -> None:
    """Write ``fields`` of many grants in one statement. On PostgreSQL one UPDATE … FROM
    json_to_recordset(one JSON document) whatever the number of rows (the json module's C encoder
    writes it; arrays would be quoted value by value); elsewhere one executemany. (Django's
    bulk_update builds one CASE per field and row, which costs more than the database work.)"""
    if not grants:
        return
    table = connection.ops.quote_name(Grant._meta.db_table)
    columns = [Grant._meta.get_field(name) for name in fields]
    if connection.vendor == "postgresql":
        quoted = {c.column: connection.ops.quote_name(c.column) for c in columns}
        record = ", ".join(["id bigint", *(f"{quoted[c.column]} {c.db_type(connection)}" for c in columns)])
        assignments = ", ".join(f"{q} = v.{q}" for q in quoted.values())
        document = _json_rows([{"id": g.pk, **{c.column: _json_value(c, getattr(g, c.attname)) for c in columns}}
                               for g in grants])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {assignments} FROM json_to_recordset(%s::json) AS v({record}) "
                           f"WHERE {table}.id = v.id", [document])
        return
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
    rows = [[c.get_db_prep_save(getattr(g, c.attname), connection) for c in columns] + [g.pk] for g in grants]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)


def _json_value(field, value):
    """A grant field's value for _json_rows: text as it is (what get_db_prep_save returns for it)."""
    return value if value is None or isinstance(value, str) else field.get_db_prep_save(value, connection)


def _json_rows(rows: list[dict]) -> str:
    """Rows as one JSON document for json_to_recordset (times in ISO 8601 with their offset)."""
    return json.dumps(rows, ensure_ascii=False, default=lambda value: value.isoformat())


@dataclass(slots=True)
class _BatchGrant:
    """A grant as a batch step reads and changes it: the columns of APPROVE_FIELDS or PAY_FIELDS,
    and the policy and version once the step sets them. One object where a model instance is
    four, for thousands of grants a chunk; _state_change, _refusal and _save_grants take either."""
    id: int
    state: str
    amount: int
    reserve_key: str
    reason: str
    refusal: str = ""
    policy_id: int | None = None
    version_id: int | None = None
    enterprise_id: int | None = None
    period: str = ""
    approved_at: datetime | None = None
    bank_account_no: str = ""
    bank_account_name: str = ""
    bank_reference: str = ""
    payment_reference: str = ""
    paid_at: datetime | None = None
    policy: Policy | None = None
    version: PolicyVersion | None = None

    @property
    def pk(self) -> int:
        return self.id

    def get_state_display(self) -> str:
        return str(GrantState(self.state).label)

    @classmethod
    def locked(cls, queryset, fields: tuple[str, ...]) -> list["_BatchGrant"]:
        """The grants of ``queryset`` with ``fields``, locked (SELECT … FOR UPDATE)."""
        return [cls(**dict(zip(fields, row, strict=True)))
                for row in queryset.select_for_update().values_list(*fields)]


@dataclass(frozen=True)
class _EventRow:
    """A grant event waiting to be appended by _insert_events (lighter than a model instance)."""
    grant_id: int
    from_state: str
    to_state: str
    actor_id: int | None
    detail: dict


_EVENT_COLUMNS = ("grant_id", "from_state", "to_state", "actor_id", "detail")


def _insert_events(events: list[_EventRow]) -> None:
    """Append many grant events in one statement (PostgreSQL: INSERT … SELECT FROM
    json_to_recordset; elsewhere one executemany), for the same reason as _save_grants."""
    if not events:
        return
    now = timezone.now()
    table = connection.ops.quote_name(GrantEvent._meta.db_table)
    fields = [GrantEvent._meta.get_field(n[:-3] if n.endswith("_id") else n) for n in _EVENT_COLUMNS]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        record = ", ".join(f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}" for f in fields)
        document = _json_rows([dict(zip(_EVENT_COLUMNS, (e.grant_id, e.from_state, e.to_state, e.actor_id, e.detail),
                                        strict=True)) for e in events])
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}, occurred_at) "
                           f"SELECT {names}, %s FROM json_to_recordset(%s::json) AS v({record})", [now, document])
        return
    detail = GrantEvent._meta.get_field("detail")
    occurred = GrantEvent._meta.get_field("occurred_at").get_db_prep_save(now, connection)
    rows = [[e.grant_id, e.from_state, e.to_state, e.actor_id, detail.get_db_prep_save(e.detail, connection),
             occurred] for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}, occurred_at) VALUES (%s, %s, %s, %s, %s, %s)", rows)


def _state_change(grant: "Grant | _BatchGrant", to_state: str, *, actor=None, detail: dict | None = None,
                  **fields) -> _EventRow:
    """Change the grant in memory (checked against the transition table); the caller saves in bulk."""
    if to_state not in GRANT_TRANSITIONS[grant.state]:
        raise ValidationError(_("A grant that is %(state)s cannot become %(to)s.") % {
            "state": grant.get_state_display(), "to": GrantState(to_state).label})
    event = _EventRow(grant.pk, grant.state, to_state, actor.pk if getattr(actor, "is_authenticated", False) else None,
                      detail or {})
    grant.state = to_state
    for name, value in fields.items():
        setattr(grant, name, value)
    return event


@dataclass
class BatchResult:
    approved: int = 0
    refused: int = 0
    paid: int = 0
    failed: int = 0
    skipped: int = 0
    reoffered: int = 0  # the amount changed on today's facts: offered again, to be confirmed again
    withdrawn: int = 0  # the version was superseded


# What approving and paying read of a grant (not the trace, the facts or the times they do not write).
APPROVE_FIELDS = ("id", "policy_id", "version_id", "enterprise_id", "period", "amount", "state", "reserve_key",
                  "approved_at", "reason", "refusal")


PAY_FIELDS = ("id", "state", "amount", "reserve_key", "bank_account_no", "bank_account_name", "bank_reference",
              "payment_reference", "paid_at", "reason")


def can_manage_enterprise(user, enterprise: Enterprise) -> bool:
    return can(user, action="write", rules=ENTERPRISE_SCOPE, obj=enterprise)
