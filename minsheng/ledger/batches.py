"""Many transfers in one transaction: reserve a whole payment batch, then post or void it.

The single-transfer services commit once per transfer; on PostgreSQL a commit waits for the disk,
and every grant of one policy locks the same budget account, so a batch of thousands would queue
behind that one row. Here the accounts are locked once (in id order, like the single services, so
the two never deadlock), existing keys and closed reservations are read in bulk, the rules run in
memory against the locked totals, and the transfers are inserted and the totals written in bulk.

Each request is judged on its own: a refused one (over budget, a key reused for something else,
a reservation already closed) is reported in its ``Outcome`` and the others go ahead. A retry of
the whole batch returns the same transfers and writes nothing new.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.conflicts import Conflict

from .bank import BankAdapter, BankStatus, bank_adapter
from .choices import AccountKind, TransferKind
from .models import Account, Transfer
from .rules import amount_problem, budget_allows, key_problem, metadata_problem
from .services import TOTAL_FIELDS, balance_of, totals_move, totals_write

CHUNK = 2000


@dataclass(frozen=True)
class TransferRequest:
    key: str
    debit: Account
    credit: Account
    amount: int
    pending: bool = False
    memo: str = ""
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class CloseRequest:
    key: str
    pending: Transfer
    post: bool = True  # False: void the reservation
    memo: str = ""
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class SettleRequest:
    pending: Transfer
    account_no: str
    account_name: str


@dataclass(frozen=True)
class Outcome:
    transfer: Transfer | None
    error: str = ""
    # For a reservation found closed already: the transfer that closed it.
    resolution: Transfer | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.transfer is not None


@dataclass(frozen=True)
class AccountSpec:
    code: str
    name: str
    kind: str
    debits_must_not_exceed_credits: bool = False


@transaction.atomic
def account_open_batch(*, accounts: Sequence[AccountSpec]) -> dict[str, Account]:
    """``account_open`` for many accounts at once (one per enterprise of a whole city): the
    accounts by code, opened where missing. Refused as a whole when one is invalid or exists with
    another kind or budget rule."""
    for spec in accounts:
        code = (spec.code or "").strip()
        if not code or len(code) > 100 or code != spec.code:
            raise ValidationError({"code": gettext("An account code has 1 to 100 characters.")})
        if spec.kind not in AccountKind.values:
            raise ValidationError({"kind": gettext("Unknown kind of account: %(kind)s.") % {"kind": spec.kind}})
    wanted = {spec.code: spec for spec in accounts}
    found: dict[str, Account] = {}
    for chunk in _chunks(sorted(wanted)):
        found |= {account.code: account for account in Account.objects.filter(code__in=chunk)}
    missing = [Account(code=code, name=(spec.name or code)[:200], kind=spec.kind,
                       debits_must_not_exceed_credits=spec.debits_must_not_exceed_credits)
               for code, spec in wanted.items() if code not in found]
    if missing:
        Account.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
        for chunk in _chunks([account.code for account in missing]):
            found |= {account.code: account for account in Account.objects.filter(code__in=chunk)}
    for code, spec in wanted.items():
        account = found[code]
        if (account.kind, account.debits_must_not_exceed_credits) != (spec.kind, spec.debits_must_not_exceed_credits):
            message = gettext("Account %(code)s exists already with a different kind or budget rule.")
            raise Conflict(message % {"code": code})
    return found


@transaction.atomic
def transfer_batch(*, requests: Sequence[TransferRequest]) -> list[Outcome]:
    """Create (or, for retried keys, find) the transfers, in order, in one transaction."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    for index, request in enumerate(requests):
        problem = key_problem(request.key) or amount_problem(request.amount) or metadata_problem(request.metadata)
        if problem is None and (request.debit is None or request.credit is None or request.debit.pk is None
                                or request.credit.pk is None):
            problem = gettext("Both accounts must exist.")
        if problem is None and request.debit.pk == request.credit.pk:
            problem = gettext("A transfer needs two different accounts.")
        if problem is not None:
            outcomes[index] = Outcome(None, str(problem))
    live = [index for index, outcome in enumerate(outcomes) if outcome is None]
    ids = {pk for i in live for pk in (requests[i].debit.pk, requests[i].credit.pk)}
    book = Book()
    book.lock(ids)
    known = _transfers_by_key(requests[i].key for i in live)
    for index in live:
        request = requests[index]
        kind = TransferKind.PENDING if request.pending else TransferKind.SINGLE
        wanted = {"debit_account_id": request.debit.pk, "credit_account_id": request.credit.pk,
                  "amount": request.amount, "kind": kind, "pending_id": None}
        if (first := known.get(request.key)) is not None:
            outcomes[index] = _retried(first, wanted)
            continue
        if not book.may_debit(request.debit.pk, request.amount):
            outcomes[index] = Outcome(None, book.refusal(request.debit.pk, request.amount))
            continue
        row = _new_transfer(key=request.key, memo=(request.memo or "")[:200], metadata=request.metadata or {}, **wanted)
        known[request.key] = row
        book.move(kind, request.debit.pk, request.credit.pk, request.amount, row)
        outcomes[index] = Outcome(row)
    book.write()
    return outcomes  # type: ignore[return-value]


@transaction.atomic
def pending_close_batch(*, requests: Sequence[CloseRequest], book: "Book | None" = None) -> list[Outcome]:
    """Post or void each reservation (at most once each), in one transaction.
    ``book``: a book the caller shares with further ledger steps of the same transaction (it locks
    what it needs and writes once, at the caller's ``book.write()``); the outcomes' transfers have
    their ids only after that write."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    reservations = _reservations([r.pending.pk for r in requests if r.pending is not None and r.pending.pk])
    for index, request in enumerate(requests):
        problem = key_problem(request.key) or metadata_problem(request.metadata)
        reservation = reservations.get(getattr(request.pending, "pk", None))
        if problem is None and reservation is None:
            problem = gettext("The reservation does not exist.")
        if problem is None and reservation.kind != TransferKind.PENDING:
            problem = gettext("Only a reservation (a pending transfer) can be posted or voided.")
        if problem is not None:
            outcomes[index] = Outcome(None, str(problem))
    live = [index for index, outcome in enumerate(outcomes) if outcome is None]
    ids = {pk for i in live for pk in (reservations[requests[i].pending.pk].debit_account_id,
                                        reservations[requests[i].pending.pk].credit_account_id)}
    shared = book is not None
    book = book if shared else Book()
    book.lock(ids)
    known = _transfers_by_key(requests[i].key for i in live)
    closed = {row.pending_id: row for row in
              Transfer.objects.filter(pending_id__any_of=[requests[i].pending.pk for i in live]).order_by()}
    for index in live:
        request = requests[index]
        reservation = reservations[request.pending.pk]
        kind = TransferKind.POST_PENDING if request.post else TransferKind.VOID_PENDING
        wanted = {"debit_account_id": reservation.debit_account_id, "credit_account_id": reservation.credit_account_id,
                  "amount": reservation.amount, "kind": kind, "pending_id": reservation.pk}
        if (first := known.get(request.key)) is not None:
            outcomes[index] = _retried(first, wanted)
            continue
        if (earlier := closed.get(reservation.pk)) is not None:
            outcomes[index] = Outcome(None, _closed_message(reservation, earlier), resolution=earlier)
            continue
        row = _new_transfer(key=request.key, memo=(request.memo or "")[:200], metadata=request.metadata or {}, **wanted)
        known[request.key] = closed[reservation.pk] = row
        book.move(kind, reservation.debit_account_id, reservation.credit_account_id, reservation.amount, row)
        outcomes[index] = Outcome(row)
    if not shared:
        book.write()
    return outcomes  # type: ignore[return-value]


def pending_settle_batch(
    *, requests: Sequence[SettleRequest], bank: BankAdapter | None = None, chunk: int = 500
) -> list[Outcome]:
    """Pay each reservation through the bank and close it: post when confirmed, void when failed.

    Run outside any transaction. The bank is asked one payment at a time with the reservation's
    key as the reference (idempotent at the bank); the answers are written back ``chunk`` at a
    time. Killed at any point and run again, it pays nobody twice: closed reservations are
    skipped, and a payment the bank made before the crash is answered from the bank's record.
    """
    bank = bank or bank_adapter()
    outcomes: list[Outcome] = []
    for start in range(0, len(requests), chunk):
        part = requests[start:start + chunk]
        pks = [r.pending.pk for r in part]
        done = {row.pending_id: row for row in Transfer.objects.filter(pending_id__any_of=pks).order_by()}
        closes: list[CloseRequest] = []
        for request in part:
            if request.pending.pk in done:
                continue
            result = bank.pay(reference=request.pending.key, account_no=request.account_no,
                              account_name=request.account_name, amount=request.pending.amount)
            details = {"bank_reference": result.bank_reference, "bank_message": result.message}
            confirmed = result.status == BankStatus.CONFIRMED
            closes.append(CloseRequest(
                key=f"{request.pending.key}:{'post' if confirmed else 'void'}", pending=request.pending,
                post=confirmed, memo="" if confirmed else result.message, metadata=details,
            ))
        closed = iter(pending_close_batch(requests=closes))
        for request in part:
            earlier = done.get(request.pending.pk)
            outcomes.append(Outcome(earlier) if earlier is not None else next(closed))
    return outcomes


# --- the parts ------------------------------------------------------------------------------


class Book:
    """The locked accounts' totals as a batch changes them, written back once at the end.

    Several ledger steps of one transaction (post the reservations, then send the money to clearing)
    can share one book: each locks the accounts it needs, and the transfers of all of them are
    inserted and the totals written once, which at thousands of payments saves a round of locks,
    inserts and updates. ``after_write`` runs once the transfers have their ids."""

    def __init__(self):
        self.accounts: dict[int, _Totals] = {}
        self.changed: set[int] = set()
        self.rows: list[Transfer] = []
        self.after_write: list = []

    def lock(self, ids: Iterable[int]) -> None:
        """Lock (lowest id first) and read the accounts not locked by this book yet."""
        self.accounts |= _lock_accounts(set(ids) - set(self.accounts))

    def may_debit(self, account_id: int, amount: int) -> bool:
        account = self.accounts[account_id]
        return budget_allows(limited=account.debits_must_not_exceed_credits, posted_debits=account.posted_debits,
                             pending_debits=account.pending_debits, posted_credits=account.posted_credits,
                             amount=amount)

    def refusal(self, account_id: int, amount: int) -> str:
        account = self.accounts[account_id]
        return gettext("Account %(code)s has %(available)s fen available; %(amount)s fen is more than that.") % {
            "code": account.code, "available": balance_of(account).available, "amount": amount}

    def move(self, kind: str, debit_id: int, credit_id: int, amount: int, row: Transfer) -> None:
        totals_move(self.accounts, kind, debit_id, credit_id, amount)
        self.changed |= {debit_id, credit_id}
        self.rows.append(row)

    def write(self) -> None:
        if self.rows:
            try:
                with transaction.atomic():
                    _insert(self.rows)
            except IntegrityError:
                # Only a concurrent call using one of these keys on other accounts can get here.
                message = gettext("Another call wrote some of these keys at the same time; run the batch again.")
                raise Conflict(message) from None
            totals_write(self.accounts[pk] for pk in sorted(self.changed))
        self.rows, self.changed = [], set()
        for step in self.after_write:
            step()
        self.after_write = []


# The columns a batch writes, with their PostgreSQL types.
INSERT_COLUMNS = [
    ("key", "varchar"),
    ("debit_account_id", "bigint"),
    ("credit_account_id", "bigint"),
    ("amount", "bigint"),
    ("kind", "varchar"),
    ("pending_id", "bigint"),
    ("memo", "varchar"),
    ("metadata", "jsonb"),
]


def _insert(rows: list[Transfer]) -> None:
    """Insert the new transfers and give them their ids.

    On PostgreSQL one INSERT … SELECT FROM json_to_recordset(one JSON document), whatever the
    number of rows: Django's bulk_create prepares every field of every row in Python, and even
    one array per column is quoted value by value, both costing more than the insert; a JSON
    document is written by the json module's C encoder. Elsewhere bulk_create.
    """
    if connection.vendor != "postgresql":
        Transfer.objects.bulk_create(rows, batch_size=500)
        return
    names = ", ".join(name for name, _type in INSERT_COLUMNS)
    record = ", ".join(f"{name} {sql_type}" for name, sql_type in INSERT_COLUMNS)
    document = json.dumps([{name: getattr(row, name) for name, _type in INSERT_COLUMNS} for row in rows])
    table = connection.ops.quote_name(Transfer._meta.db_table)
    # The application's clock, as bulk_create and the single-transfer path use (not the database's
    # now()): a transfer's day is its day in the accounting vouchers, whichever path wrote it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, created_at) SELECT {names}, %s "
            f"FROM json_to_recordset(%s::json) AS v({record}) RETURNING id, key, created_at",
            [timezone.now(), document],
        )
        inserted = {key: (pk, created_at) for pk, key, created_at in cursor.fetchall()}
    for row in rows:
        row.pk, row.created_at = inserted[row.key]
        row._state.adding, row._state.db = False, connection.alias


_TRANSFER_FIELDS = [field.attname for field in Transfer._meta.concrete_fields]


def _new_transfer(**values) -> Transfer:
    """``Transfer(**values)`` (fields not named are None), built from positional values: Django's
    keyword path costs twice as much, which shows at thousands of rows per batch."""
    return Transfer(*(values.get(name) for name in _TRANSFER_FIELDS))


def _retried(first: Transfer, wanted: dict[str, Any]) -> Outcome:
    wanted = {"reverses_id": None, **wanted}
    if all(getattr(first, name) == value for name, value in wanted.items()):
        return Outcome(first)
    return Outcome(None, gettext("The key %(key)s was used already for a different transfer; "
                            "a retry must repeat the same request.") % {"key": first.key})


def _closed_message(reservation: Transfer, closed: Transfer) -> str:
    if closed.kind == TransferKind.POST_PENDING:
        return gettext("Reservation %(key)s was already posted.") % {"key": reservation.key}
    return gettext("Reservation %(key)s was already voided.") % {"key": reservation.key}


def _transfers_by_key(keys: Iterable[str]) -> dict[str, Transfer]:
    return {row.key: row for row in Transfer.objects.filter(key__any_of=sorted(set(keys))).order_by()}


@dataclass
class _Totals:
    """A locked account's totals: what a batch reads and changes (lighter than an Account instance)."""
    pk: int
    code: str
    debits_must_not_exceed_credits: bool
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int


def _lock_accounts(ids: set[int]) -> dict[int, _Totals]:
    """``services.lock_accounts`` for many accounts: locked lowest id first, read as plain totals."""
    if not ids:
        return {}
    rows = (Account.objects.select_for_update().filter(pk__any_of=sorted(ids)).order_by("pk")
            .values_list("pk", "code", "debits_must_not_exceed_credits", *TOTAL_FIELDS))
    accounts = {row[0]: _Totals(*row) for row in rows}
    if len(accounts) != len(ids):
        raise ValidationError({"__all__": [gettext("Both accounts must exist.")]})
    return accounts


@dataclass(frozen=True)
class _Reservation:
    """What closing a reservation reads of it (reservations never change once written)."""
    pk: int
    key: str
    kind: str
    debit_account_id: int
    credit_account_id: int
    amount: int


def _reservations(pks: list[int]) -> dict[int, _Reservation]:
    rows = Transfer.objects.filter(pk__any_of=pks).order_by().values_list(
        "pk", "key", "kind", "debit_account_id", "credit_account_id", "amount")
    return {row[0]: _Reservation(*row) for row in rows}


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]
