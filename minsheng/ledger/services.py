"""Every write to the ledger: open an account, transfer, reserve, post, void, reverse, settle.

Each call is one transaction. The accounts it touches are locked (``SELECT … FOR UPDATE``, always
in id order so two calls never wait on each other in a circle) before their totals are read and
changed, so the totals stay exact under concurrency on PostgreSQL; on SQLite the IMMEDIATE
transaction mode serialises writers anyway. Idempotency rests on the unique ``key``: a retry —
or the loser of a race — gets the first transfer back, and a retry that asks for something
different is a ``Conflict``.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.conflicts import Conflict

from .bank import BankAdapter, BankStatus, bank_adapter
from .choices import RESOLUTION_KINDS, TOTALS_EFFECT, AccountKind, TransferKind
from .models import Account, Transfer
from .rules import amount_problem, budget_allows, key_problem, metadata_problem

POSTED = (TransferKind.SINGLE, TransferKind.POST_PENDING)
TOTAL_FIELDS = ("posted_debits", "posted_credits", "pending_debits", "pending_credits")


class ReservationClosed(Conflict):
    """The reservation was already posted or voided (by this or another call); ``resolution`` says how."""

    def __init__(self, message: str, *, resolution: Transfer):
        super().__init__(message)
        self.resolution = resolution


@dataclass(frozen=True)
class Balance:
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    # What may still be debited (spent or reserved): credits in, less debits out and reserved.
    available: int


# --- accounts -------------------------------------------------------------------------------


@transaction.atomic
def account_open(*, code: str, name: str, kind: str, debits_must_not_exceed_credits: bool = False) -> Account:
    """The account with this code, opened now if it does not exist yet (idempotent by code)."""
    code = (code or "").strip()
    if not code or len(code) > 100:
        raise ValidationError({"code": _("An account code has 1 to 100 characters.")})
    if kind not in AccountKind.values:
        raise ValidationError({"kind": _("Unknown kind of account: %(kind)s.") % {"kind": kind}})
    name = (name or "").strip()[:200] or code
    account, created = Account.objects.get_or_create(
        code=code,
        defaults={"name": name, "kind": kind, "debits_must_not_exceed_credits": debits_must_not_exceed_credits},
    )
    same_rule = account.debits_must_not_exceed_credits == debits_must_not_exceed_credits
    if not created and (account.kind != kind or not same_rule):
        message = gettext("Account %(code)s exists already with a different kind or budget rule.")
        raise Conflict(message % {"code": code})
    return account


def account_balance(account: Account) -> Balance:
    """The account's totals as committed now (re-read, not the possibly stale instance)."""
    fresh = Account.objects.only(
        "posted_debits", "posted_credits", "pending_debits", "pending_credits"
    ).get(pk=account.pk)
    return balance_of(fresh)


def balance_of(account: Account) -> Balance:
    return Balance(
        posted_debits=account.posted_debits,
        posted_credits=account.posted_credits,
        pending_debits=account.pending_debits,
        pending_credits=account.pending_credits,
        available=account.posted_credits - account.posted_debits - account.pending_debits,
    )


# --- transfers ------------------------------------------------------------------------------


@transaction.atomic
def transfer_create(
    *,
    key: str,
    debit: Account,
    credit: Account,
    amount: int,
    memo: str = "",
    metadata: dict[str, Any] | None = None,
    pending: bool = False,
) -> Transfer:
    """Move ``amount`` fen from ``debit`` to ``credit`` — posted now, or reserved when ``pending``.

    Refused (nothing written) when the debit account is a budget that would be over-spent.
    The same key with the same accounts, amount and kind returns the first transfer.
    """
    _check_key(key)
    _check_amount(amount)
    _check_metadata(metadata)
    if debit is None or credit is None or debit.pk is None or credit.pk is None:
        raise _invalid("__all__", _("Both accounts must exist."))
    if debit.pk == credit.pk:
        raise _invalid("credit", _("A transfer needs two different accounts."))
    kind = TransferKind.PENDING if pending else TransferKind.SINGLE
    wanted = {"debit_account_id": debit.pk, "credit_account_id": credit.pk, "amount": amount, "kind": kind}
    accounts = lock_accounts(debit.pk, credit.pk)
    # Read after the locks: a concurrent call with this key and these accounts has committed by now.
    if (first := _by_key(key)) is not None:
        return _same_or_conflict(first, wanted)
    _check_budget(accounts[debit.pk], amount)
    transfer = _insert(
        wanted, key=key, memo=memo, metadata=metadata, pending_id=None, reverses_id=None
    )
    if transfer.created:
        totals_move(accounts, kind, debit.pk, credit.pk, amount)
        totals_write(accounts.values())
    return transfer.row


@transaction.atomic
def pending_post(*, key: str, pending: Transfer, memo: str = "", metadata: dict[str, Any] | None = None) -> Transfer:
    """Post the whole reserved amount. Refused when the reservation was voided (``ReservationClosed``)."""
    return _pending_close(key=key, pending=pending, kind=TransferKind.POST_PENDING, memo=memo, metadata=metadata)


@transaction.atomic
def pending_void(*, key: str, pending: Transfer, memo: str = "", metadata: dict[str, Any] | None = None) -> Transfer:
    """Release the reservation. Refused when it was posted (``ReservationClosed``)."""
    return _pending_close(key=key, pending=pending, kind=TransferKind.VOID_PENDING, memo=memo, metadata=metadata)


@transaction.atomic
def transfer_reverse(
    *, key: str, original: Transfer, memo: str = "", metadata: dict[str, Any] | None = None
) -> Transfer:
    """Correct a posted transfer with a new one moving the same amount back (transfers are never edited).

    A reservation is not reversed but voided; a transfer is reversed once. The reversal obeys the
    budget rule like any debit: money already spent from a budget cannot be taken back from it.
    """
    _check_key(key)
    _check_metadata(metadata)
    original = Transfer.objects.get(pk=original.pk)
    if original.kind not in POSTED:
        raise _invalid("original", _("Only posted transfers can be reversed; void a reservation instead."))
    wanted = {
        "debit_account_id": original.credit_account_id,
        "credit_account_id": original.debit_account_id,
        "amount": original.amount,
        "kind": TransferKind.SINGLE,
        "reverses_id": original.pk,
    }
    accounts = lock_accounts(original.debit_account_id, original.credit_account_id)
    if (first := _by_key(key)) is not None:
        return _same_or_conflict(first, wanted)
    if (earlier := _one(original.reversals.all())) is not None:
        message = gettext("Transfer %(key)s was already reversed by %(by)s.")
        raise Conflict(message % {"key": original.key, "by": earlier.key})
    _check_budget(accounts[original.credit_account_id], original.amount)
    reverses_id = wanted.pop("reverses_id")
    transfer = _insert(wanted, key=key, memo=memo, metadata=metadata, pending_id=None, reverses_id=reverses_id)
    if transfer.created:
        totals_move(
            accounts, TransferKind.SINGLE, original.credit_account_id, original.debit_account_id, original.amount
        )
        totals_write(accounts.values())
    return transfer.row


def pending_settle(
    *, pending: Transfer, account_no: str, account_name: str, bank: BankAdapter | None = None
) -> Transfer:
    """Pay a reservation through the bank, then post it (confirmed) or void it (failed).

    Safe to run again after a crash at any point: a closed reservation is returned as it is, and
    the bank is asked with the reservation's key as its reference, so a payment it made before
    the crash is answered from its record instead of being made twice. Call it outside any
    transaction: no row lock is held while the bank answers.
    """
    pending = Transfer.objects.get(pk=pending.pk)
    if pending.kind != TransferKind.PENDING:
        raise _invalid("pending", _("Only a reservation can be settled."))
    if (closed := _one(pending.resolutions.all())) is not None:
        return closed
    result = (bank or bank_adapter()).pay(
        reference=pending.key, account_no=account_no, account_name=account_name, amount=pending.amount
    )
    details = {"bank_reference": result.bank_reference, "bank_message": result.message}
    if result.status == BankStatus.CONFIRMED:
        return pending_post(key=f"{pending.key}:post", pending=pending, metadata=details)
    return pending_void(key=f"{pending.key}:void", pending=pending, memo=result.message[:200], metadata=details)


# --- invariants -----------------------------------------------------------------------------


def ledger_check() -> list[str]:
    """Every invariant of the ledger, checked against the transfers; an empty list means healthy.

    - each account's four totals equal what its transfers add up to;
    - all posted debits equal all posted credits, and likewise pending (the books balance);
    - no budget has reserved and spent more than it was funded with;
    - every reservation is posted or voided at most once, by a transfer that matches it;
    - every transfer is reversed at most once, by its mirror image;
    - and whatever the apps that book money through the ledger check against their own records
      (``settings.LEDGER_CHECKS``: dotted paths of functions returning a list of problems, e.g. the
      policy-funds grants against their reservations and payments).
    On PostgreSQL the check reads one consistent snapshot, the apps' checks included.
    """
    if connection.in_atomic_block:
        return _ledger_problems()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _ledger_problems()


def _ledger_problems() -> list[str]:
    problems: list[str] = []
    expected: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # posted D, posted C, pending D, pending C
    for side, offset in (("debit_account_id", 0), ("credit_account_id", 1)):
        totals_by_kind = Transfer.objects.values_list(side, "kind").annotate(total=Sum("amount")).order_by()
        for account_id, kind, total in totals_by_kind:
            posted, pending = TOTALS_EFFECT[kind]
            expected[account_id][offset] += posted * total
            expected[account_id][2 + offset] += pending * total
    sums = [0, 0, 0, 0]
    rows = Account.objects.values_list(
        "code", "pk", "debits_must_not_exceed_credits",
        "posted_debits", "posted_credits", "pending_debits", "pending_credits",
    ).order_by("pk")
    for code, account_id, limited, *totals in rows.iterator(chunk_size=5000):
        want = expected.get(account_id, [0, 0, 0, 0])
        if totals != want:
            problems.append(
                gettext("Account %(code)s: totals %(have)s do not match its transfers %(want)s.")
                % {"code": code, "have": totals, "want": want}
            )
        if min(totals) < 0:
            problems.append(gettext("Account %(code)s has a negative total.") % {"code": code})
        posted_debits, posted_credits, pending_debits, _pending_credits = totals
        if limited and posted_debits + pending_debits > posted_credits:
            problems.append(
                gettext("Budget %(code)s is over-spent: %(out)s fen spent or reserved, %(in)s fen funded.")
                % {"code": code, "out": posted_debits + pending_debits, "in": posted_credits}
            )
        sums = [a + b for a, b in zip(sums, totals, strict=True)]
    if sums[0] != sums[1]:
        message = gettext("Posted debits (%(d)s) and posted credits (%(c)s) differ.")
        problems.append(message % {"d": sums[0], "c": sums[1]})
    if sums[2] != sums[3]:
        message = gettext("Pending debits (%(d)s) and pending credits (%(c)s) differ.")
        problems.append(message % {"d": sums[2], "c": sums[3]})
    for field, what in (("pending", gettext("Reservation")), ("reverses", gettext("Transfer"))):
        for target_id in (
            Transfer.objects.filter(**{f"{field}__isnull": False})
            .values_list(field).annotate(n=Count("id")).filter(n__gt=1).values_list(field, flat=True)
        ):
            problems.append(gettext("%(what)s #%(id)s was closed more than once.") % {"what": what, "id": target_id})
    mismatched_resolutions = Transfer.objects.filter(kind__in=RESOLUTION_KINDS).exclude(
        pending__kind=TransferKind.PENDING,
        debit_account=F("pending__debit_account"),
        credit_account=F("pending__credit_account"),
        amount=F("pending__amount"),
    )
    for key in mismatched_resolutions.values_list("key", flat=True)[:100]:
        problems.append(gettext("Transfer %(key)s does not match the reservation it closes.") % {"key": key})
    mismatched_reversals = Transfer.objects.filter(reverses__isnull=False).exclude(
        reverses__kind__in=POSTED,
        debit_account=F("reverses__credit_account"),
        credit_account=F("reverses__debit_account"),
        amount=F("reverses__amount"),
    )
    for key in mismatched_reversals.values_list("key", flat=True)[:100]:
        problems.append(gettext("Transfer %(key)s does not mirror the transfer it reverses.") % {"key": key})
    problems.extend(_apps_problems())
    return problems


def _apps_problems() -> list[str]:
    """The checks other apps register in ``settings.LEDGER_CHECKS``, imported only when the check runs:
    the ledger knows nothing of the apps that use it (they import the ledger, never the reverse)."""
    from django.utils.module_loading import import_string

    problems: list[str] = []
    for path in getattr(settings, "LEDGER_CHECKS", ()):
        problems.extend(import_string(path)())
    return problems


# --- the parts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inserted:
    row: Transfer
    created: bool


def _pending_close(*, key: str, pending: Transfer, kind: str, memo: str, metadata: dict | None) -> Transfer:
    _check_key(key)
    _check_metadata(metadata)
    if pending is None or pending.pk is None:
        raise _invalid("pending", _("The reservation does not exist."))
    reservation = Transfer.objects.get(pk=pending.pk)
    if reservation.kind != TransferKind.PENDING:
        raise _invalid("pending", _("Only a reservation (a pending transfer) can be posted or voided."))
    wanted = {
        "debit_account_id": reservation.debit_account_id,
        "credit_account_id": reservation.credit_account_id,
        "amount": reservation.amount,
        "kind": kind,
        "pending_id": reservation.pk,
    }
    accounts = lock_accounts(reservation.debit_account_id, reservation.credit_account_id)
    if (first := _by_key(key)) is not None:
        return _same_or_conflict(first, wanted)
    if (closed := _one(reservation.resolutions.all())) is not None:
        raise _closed(reservation, closed)
    pending_id = wanted.pop("pending_id")
    transfer = _insert(wanted, key=key, memo=memo, metadata=metadata, pending_id=pending_id, reverses_id=None)
    if transfer.created:
        totals_move(accounts, kind, reservation.debit_account_id, reservation.credit_account_id, reservation.amount)
        totals_write(accounts.values())
    return transfer.row


def _closed(reservation: Transfer, closed: Transfer) -> ReservationClosed:
    if closed.kind == TransferKind.POST_PENDING:
        message = gettext("Reservation %(key)s was already posted.")
    else:
        message = gettext("Reservation %(key)s was already voided.")
    return ReservationClosed(message % {"key": reservation.key}, resolution=closed)


def lock_accounts(*account_ids: int) -> dict[int, Account]:
    """Lock the accounts, lowest id first, and return them as they are now."""
    ids = sorted(set(account_ids))
    locked = Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    accounts = {account.pk: account for account in locked}
    if len(accounts) != len(ids):
        raise _invalid("__all__", _("Both accounts must exist."))
    return accounts


def _one(queryset) -> Transfer | None:
    """The one row of a query on a unique column. (Not ``first()``: its ORDER BY id can lead
    PostgreSQL to walk the primary key instead of using the unique index.)"""
    return next(iter(queryset.order_by()[:1]), None)


def _by_key(key: str) -> Transfer | None:
    return _one(Transfer.objects.filter(key=key))


def _same_or_conflict(first: Transfer, wanted: dict[str, Any]) -> Transfer:
    """A retry returns the first transfer; the same key used for something else is refused."""
    wanted = {"pending_id": None, "reverses_id": None, **wanted}
    if all(getattr(first, field) == value for field, value in wanted.items()):
        return first
    raise Conflict(
        gettext("The key %(key)s was used already for a different transfer; a retry must repeat the same request.")
        % {"key": first.key}
    )


def _insert(
    wanted: dict[str, Any],
    *,
    key: str,
    memo: str,
    metadata: dict | None,
    pending_id: int | None,
    reverses_id: int | None,
) -> _Inserted:
    """Insert the transfer; when a concurrent call inserted the same key first, return theirs."""
    try:
        with transaction.atomic():
            row = Transfer.objects.create(
                key=key, memo=(memo or "")[:200], metadata=metadata or {},
                pending_id=pending_id, reverses_id=reverses_id, **wanted,
            )
        return _Inserted(row, True)
    except IntegrityError:
        first = _by_key(key)
        if first is None:
            if pending_id is not None and (closed := _one(Transfer.objects.filter(pending_id=pending_id))):
                raise _closed(closed.pending, closed) from None
            if reverses_id is not None and Transfer.objects.filter(reverses_id=reverses_id).exists():
                raise Conflict(gettext("That transfer was already reversed.")) from None
            raise
        wanted = {**wanted, "pending_id": pending_id, "reverses_id": reverses_id}
        return _Inserted(_same_or_conflict(first, wanted), False)


def totals_move(accounts: dict[int, Account], kind: str, debit_id: int, credit_id: int, amount: int) -> None:
    """Change the locked accounts' totals in memory as a transfer of ``kind`` does."""
    posted, pending = TOTALS_EFFECT[kind]
    debit, credit = accounts[debit_id], accounts[credit_id]
    debit.posted_debits += posted * amount
    debit.pending_debits += pending * amount
    credit.posted_credits += posted * amount
    credit.pending_credits += pending * amount


def totals_write(accounts: Iterable[Account]) -> None:
    """Write the locked accounts' totals back. The rows are locked, so the values are exact.

    On PostgreSQL one set-based UPDATE from arrays (``unnest``), whatever the number of accounts;
    elsewhere one parameterised UPDATE per account sent together (``executemany``). Both cost a
    fraction of the ORM's ``update(F(...) + n)`` per account or ``bulk_update``'s CASE per row.
    """
    rows = [[account.pk] + [getattr(account, name) for name in TOTAL_FIELDS] for account in accounts]
    if not rows:
        return
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(column) for column in zip(*rows, strict=True)]
            assignments = ", ".join(f"{name} = v.{name}" for name in TOTAL_FIELDS)
            cursor.execute(
                f"UPDATE {table} AS a SET {assignments} "
                f"FROM unnest({', '.join(['%s::bigint[]'] * len(columns))}) AS v(id, {', '.join(TOTAL_FIELDS)}) "
                "WHERE a.id = v.id",
                columns,
            )
        else:
            assignments = ", ".join(f"{name} = %s" for name in TOTAL_FIELDS)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", [[*row[1:], row[0]] for row in rows])


def _check_budget(account: Account, amount: int) -> None:
    if not budget_allows(
        limited=account.debits_must_not_exceed_credits,
        posted_debits=account.posted_debits,
        pending_debits=account.pending_debits,
        posted_credits=account.posted_credits,
        amount=amount,
    ):
        available = account.posted_credits - account.posted_debits - account.pending_debits
        raise _invalid(
            "amount",
            _("Account %(code)s has %(available)s fen available; %(amount)s fen is more than that.")
            % {"code": account.code, "available": available, "amount": amount},
        )


def _check_key(key: str) -> None:
    if (problem := key_problem(key)) is not None:
        raise _invalid("key", problem)


def _check_metadata(metadata) -> None:
    if (problem := metadata_problem(metadata)) is not None:
        raise _invalid("metadata", problem)


def _check_amount(amount: int) -> None:
    if (problem := amount_problem(amount)) is not None:
        raise _invalid("amount", problem)


def _invalid(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})
