"""Importing a bank statement: parse, match every line, settle and return on the ledger, queue the
exceptions — all in one transaction, so a statement is imported whole or not at all.

How it stays cheap at 100,000 lines: the file is parsed before the transaction; the payments the
lines name and the transaction ids already seen are read with one query per chunk of lines
(``= ANY(array)`` on PostgreSQL); the matching runs in memory (``matching.statement_match``); the
ledger gets one settlement transfer per value date (clearing → settled) and one transfer per
returned payment; the lines, the exceptions and the payments' new states are written with one
statement per chunk (``bulk``). Nothing is asked of the database per line.

How it stays exact: every writer of a payment's state (this import, ``payment_sent``, the
exception actions, the overdue check) holds the clearing account's row lock, so an import sees
the payments as they are and nobody changes them underneath it. The accounts a statement touches
(clearing, settled, and the enterprise accounts that returns credit) are locked at once, lowest id
first, like every other ledger write, so the import never deadlocks with a payment run.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict

from ..batches import TransferRequest, _lock_accounts, transfer_batch
from ..choices import ExceptionKind, ExceptionState, LineOutcome, PaymentState, Resolution
from ..models import Account, BankPayment, ReconciliationException, Statement, StatementLine
from .bulk import no_cyclic_gc, pipelined, rows_insert, rows_matching, rows_update
from .formats import StatementData, statement_parse
from .matching import LineDecision, PaymentView, statement_match
from .sent import clearing_account, settled_account

CHUNK = 5000
PAYMENT_FIELDS = ("state", "settled_on", "returned_on", "return_reason", "settlement_transfer_id",
                  "return_transfer_id", "changed_at")


@dataclass(frozen=True)
class ImportResult:
    statement: Statement
    created: bool  # False: this statement was imported before (same file or same bank statement id)
    settled: int = 0
    returned: int = 0
    exceptions: int = 0


def statement_import(
    *, content: bytes, actor=None, file_name: str = "", format: str | None = None, statement_id: str = "",
    account_no: str = "", chunk: int = CHUNK,
) -> ImportResult:
    """Import a statement file (CSV or camt.053, see ``formats``), match it and settle.

    Refused whole with ``ValidationError({"file": [...]})`` listing the lines at fault, or when a
    statement with the same bank id (for the same account) but other content was imported before.
    The same file again returns the first import (``created=False``) and writes nothing.
    ``statement_id`` and ``account_no`` name a CSV export, which carries neither.
    """
    with no_cyclic_gc():
        return _import(content=content, actor=actor, file_name=file_name, format=format, statement_id=statement_id,
                       account_no=account_no, chunk=chunk)


def _import(*, content: bytes, actor, file_name: str, format: str | None, statement_id: str, account_no: str,
            chunk: int) -> ImportResult:
    # the same file again is answered before it is read (a camt.053 of 100,000 entries takes seconds)
    same_file = Statement.objects.filter(file_sha256=hashlib.sha256(content).hexdigest()).first()
    if same_file is not None:
        return ImportResult(same_file, created=False)
    parsed = statement_parse(content, format=format)
    parsed.statement_id = parsed.statement_id or (statement_id or "").strip()[:200]
    parsed.account_no = parsed.account_no or (account_no or "").strip()[:64]
    clearing, settled = clearing_account(), settled_account()
    with transaction.atomic():
        sources = _return_sources(parsed, chunk)
        locked = _lock_accounts({clearing.pk, settled.pk, *sources})
        if (earlier := _imported_before(parsed)) is not None:
            return ImportResult(earlier, created=False)
        payments, seen = _read(parsed, chunk)
        match = statement_match(parsed.lines, payments, seen)
        missing = {d.payment.source_id for d in match.decisions if d.outcome == LineOutcome.RETURNED} - set(locked)
        if missing:  # a payment sent while we were reading: rare; the caller imports again
            raise Conflict(_("Payments changed while the statement was read; import it again."))
        statement = Statement.objects.create(
            statement_id=parsed.statement_id, account_no=parsed.account_no, file_sha256=parsed.sha256,
            file_name=(file_name or "")[:200], format=parsed.format, from_date=parsed.from_date,
            to_date=parsed.to_date, line_count=len(parsed.lines), imported_by=_person(actor),
            debit_total=sum(line.amount for line in parsed.lines if line.direction == "debit"),
            credit_total=sum(line.amount for line in parsed.lines if line.direction == "credit"),
        )
        _post(statement, match.decisions, match.changed, clearing=clearing, settled=settled)
        flagged = {view.pk for view in payments.values() if view.state == PaymentState.EXCEPTION}
        counts = _write(statement, match.decisions, match.changed, chunk, flagged=flagged)
        Statement.objects.filter(pk=statement.pk).update(**counts)
        for name, value in counts.items():
            setattr(statement, name, value)
        audit_record(actor=actor, action="ledger.statement_imported", obj=statement, summary={
            "file_name": statement.file_name, "lines": statement.line_count, **counts, "skipped": parsed.skipped})
        returned = [d.payment.reference for d in match.decisions if d.outcome == LineOutcome.RETURNED]
        if returned:
            transaction.on_commit(lambda: payments_returned_notify(returned))
    return ImportResult(statement, True, counts["settled_count"], counts["returned_count"], counts["exception_count"])


def payments_returned_notify(references: list[str]) -> None:
    """Tell the payment code that the bank returned these payments: the callable named by the
    setting ``MINSHENG_PAYMENT_RETURNED_HOOK`` (a dotted path; none by default) is called with the
    references after the transaction that recorded the returns committed. The payment code can
    also poll ``selectors.payments_to_repay()``."""
    path = getattr(settings, "MINSHENG_PAYMENT_RETURNED_HOOK", "")
    if path:
        import_string(path)(references=list(references))


def _person(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _return_sources(parsed: StatementData, chunk: int) -> set[int]:
    """The enterprise accounts the statement's returns will credit (read before the locks: a
    payment's source never changes, so only a payment sent meanwhile can be missed)."""
    references = sorted({line.reference for line in parsed.lines if line.direction == "credit" and line.reference})
    sources: set[int] = set()
    for part in _chunks(references, chunk):
        sources.update(BankPayment.objects.filter(reference__any_of=part).order_by()
                       .values_list("source_id", flat=True))
    return sources


def _imported_before(parsed: StatementData) -> Statement | None:
    same_file = Statement.objects.filter(file_sha256=parsed.sha256).first()
    if same_file is not None:
        return same_file
    if parsed.statement_id:
        same_id = Statement.objects.filter(account_no=parsed.account_no, statement_id=parsed.statement_id).first()
        if same_id is not None:
            when = timezone.localtime(same_id.imported_at).strftime("%Y-%m-%d %H:%M")
            raise ValidationError({"file": [_(
                "Statement %(id)s was imported already on %(when)s with other content; a corrected statement "
                "needs a new statement id.") % {"id": parsed.statement_id, "when": when}]})
    return None


def _read(parsed: StatementData, chunk: int) -> tuple[dict[str, PaymentView], set[str]]:
    """The payments the lines name, and the lines' transaction ids already on earlier statements."""
    references = list({line.reference for line in parsed.lines if line.reference})
    payments: dict[str, PaymentView] = {}
    for part in _chunks(references, chunk):
        for row in rows_matching(BankPayment, "reference", part, ("id", "reference", "amount", "state", "source_id",
                                                                  *PAYMENT_FIELDS[1:-1])):
            payments[row[1]] = PaymentView(*row)
    transaction_ids = list({line.bank_transaction_id for line in parsed.lines})
    seen: set[str] = set()
    for part in _chunks(transaction_ids, chunk):
        seen.update(row[0] for row in rows_matching(StatementLine, "bank_transaction_id", part,
                                                    ("bank_transaction_id",)))
    return payments, seen


def _post(statement: Statement, decisions: list[LineDecision], changed: dict[str, PaymentView], *,
          clearing: Account, settled: Account) -> None:
    """The ledger side: one clearing → settled transfer per value date, one transfer per return
    (back to the enterprise from clearing, or from settled when the payment was settled before).
    Sets the transfers' ids on the payments as they will be written (``changed``)."""
    by_date: dict[dt.date, list[PaymentView]] = defaultdict(list)
    returns: list[LineDecision] = []
    for decision in decisions:
        if decision.outcome == LineOutcome.SETTLED:
            by_date[decision.line.value_date].append(decision.payment)
        elif decision.outcome == LineOutcome.RETURNED:
            returns.append(decision)
    sources = Account.objects.in_bulk({d.payment.source_id for d in returns})
    requests = [
        TransferRequest(key=f"recon:settle:{statement.pk}:{day.isoformat()}", debit=clearing, credit=settled,
                        amount=sum(p.amount for p in paid), memo=_("Settled by statement %(s)s, value date %(d)s")
                        % {"s": statement, "d": day.isoformat()}, metadata={"statement": statement.pk,
                                                                          "payments": len(paid)})
        for day, paid in sorted(by_date.items())
    ] + [
        TransferRequest(key=f"recon:return:{d.payment.pk}", debit=settled if d.returned_from_settled else clearing,
                        credit=sources[d.payment.source_id], amount=d.payment.amount,
                        memo=_("Returned by the bank: %(reason)s") % {"reason": d.payment.return_reason or "-"},
                        metadata={"reference": d.payment.reference, "statement": statement.pk,
                                  "line": d.line.line_no})
        for d in returns
    ]
    outcomes = transfer_batch(requests=requests)
    failed = [outcome.error for outcome in outcomes if not outcome.ok]
    if failed:
        raise Conflict(failed[0])
    for (_day, paid), outcome in zip(sorted(by_date.items()), outcomes, strict=False):
        for payment in paid:
            changed[payment.reference].settlement_transfer_id = outcome.transfer.pk
    for decision, outcome in zip(returns, outcomes[len(by_date):], strict=True):
        changed[decision.payment.reference].return_transfer_id = outcome.transfer.pk


def _write(statement: Statement, decisions: list[LineDecision], changed: dict[str, PaymentView],
           chunk: int, *, flagged: set[int]) -> dict[str, int]:
    """Insert the lines and the exceptions, write the payments' new states; ``flagged``: the
    payments that were in the queue (their "not on a statement" exception closes if they showed up).

    The lines and the payments go out without waiting for answers (``pipelined``): on PostgreSQL the
    database writes one chunk while Python prepares the next."""
    moment = timezone.now()
    now = moment.isoformat()  # (the rows go out as JSON: text written once, not per row)
    with pipelined():
        for part in _chunks(decisions, chunk):
            rows_insert(StatementLine, [{
                "statement_id": statement.pk, "line_no": d.line.line_no, "value_date": d.line.value_date.isoformat(),
                "reference": d.line.reference, "bank_transaction_id": d.line.bank_transaction_id,
                "amount": d.line.amount, "direction": d.line.direction,
                "counterparty_account": d.line.counterparty_account, "counterparty_name": d.line.counterparty_name,
                "remark": d.line.remark, "return_reason": d.line.return_reason, "outcome": d.outcome,
                "payment_id": d.payment.pk if d.payment is not None else None,
            } for d in part], returning=False)
        for part in _chunks(list(changed.values()), chunk):
            rows_update(BankPayment, [{
                "id": view.pk, "state": view.state, "settled_on": _day(view.settled_on),
                "returned_on": _day(view.returned_on), "return_reason": view.return_reason,
                "settlement_transfer_id": view.settlement_transfer_id,
                "return_transfer_id": view.return_transfer_id, "changed_at": now} for view in part], PAYMENT_FIELDS)
    queued = [d for d in decisions if d.exception]
    line_ids = dict(StatementLine.objects.filter(statement=statement, line_no__in=[d.line.line_no for d in queued])
                    .values_list("line_no", "id")) if queued else {}
    rows_insert(ReconciliationException, [{
        "kind": d.exception, "state": ExceptionState.OPEN, "payment_id": d.payment.pk if d.payment else None,
        "line_id": line_ids[d.line.line_no], "amount": d.line.amount, "occurred_on": d.line.value_date.isoformat(),
        "detail": d.detail, "created_at": now, "resolution": "", "note": "",
    } for d in queued], returning=False)
    # A payment the overdue check flagged and that now shows up is accounted for.
    answered = [view.pk for view in changed.values() if view.pk in flagged and view.state in ("settled", "returned")]
    if answered:
        ReconciliationException.objects.filter(
            payment_id__in=answered, kind=ExceptionKind.NOT_ON_STATEMENT, state=ExceptionState.OPEN,
        ).update(state=ExceptionState.RESOLVED, resolution=Resolution.BY_STATEMENT, resolved_at=moment,
                 note=_("Found on statement %(s)s.") % {"s": statement})
    return {
        "settled_count": sum(1 for d in decisions if d.outcome == LineOutcome.SETTLED),
        "returned_count": sum(1 for d in decisions if d.outcome == LineOutcome.RETURNED),
        "exception_count": sum(1 for d in decisions if d.outcome == LineOutcome.EXCEPTION),
    }


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
