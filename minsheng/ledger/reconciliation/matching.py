"""The matching rules, as one pure function over a statement's lines and the payments they name.

A line names a payment by the reference we gave the bank. In file order:

- a line whose bank transaction id was seen before (on an earlier statement, or earlier in this
  one) is a **duplicate**: an exception, never a second settlement;
- a debit (money out) for a payment still in clearing with the same amount **settles** it;
  with another amount it is an **amount differs** exception and the payment waits in the queue;
  a debit for a payment settled or returned already is a **duplicate** (the bank paid twice?);
- a credit (money in) for a payment we sent, with the same amount, **returns** it (settled or
  not: a payee's bank may send money back days later); with another amount: **amount differs**;
  for a payment returned already: **duplicate**;
- a line with no reference, or a reference we never sent, is an **unknown line**.

Tested without a database (``tests/test_reconciliation_matching.py``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..choices import IN_CLEARING, ExceptionKind, LineDirection, LineOutcome, PaymentState
from .formats import StatementLineData


@dataclass
class PaymentView:
    """What matching reads and changes of a payment (the fields an import writes back)."""

    pk: int
    reference: str
    amount: int
    state: str
    source_id: int
    settled_on: object = None
    returned_on: object = None
    return_reason: str = ""
    settlement_transfer_id: int | None = None
    return_transfer_id: int | None = None


def _moved(view: PaymentView, **changes) -> PaymentView:
    """A copy of ``view`` with ``changes`` (``dataclasses.replace`` re-runs ``__init__``: ten times
    slower, which shows at 100,000 lines)."""
    moved = PaymentView.__new__(PaymentView)
    moved.__dict__ = {**view.__dict__, **changes}
    return moved


@dataclass(slots=True)
class LineDecision:
    line: StatementLineData
    outcome: str  # LineOutcome
    payment: PaymentView | None = None
    exception: str = ""  # ExceptionKind, "" for none
    detail: dict = field(default_factory=dict)
    # For a return: whether the money comes back from the clearing account or, the payment having
    # been settled already, from the settled account.
    returned_from_settled: bool = False


@dataclass
class MatchResult:
    decisions: list[LineDecision]
    # The payments the lines moved, in their new state (copies: the input is not changed).
    changed: dict[str, PaymentView]


def statement_match(
    lines: Iterable[StatementLineData], payments: dict[str, PaymentView], seen_transaction_ids: set[str]
) -> MatchResult:
    """Decide every line of a statement (see the module docstring). ``payments``: the payments the
    lines' references name, by reference, as they stand; ``seen_transaction_ids``: the bank
    transaction ids already on earlier statements."""
    seen = set(seen_transaction_ids)
    changed: dict[str, PaymentView] = {}
    decisions = []
    for line in lines:
        current = (changed.get(line.reference) or payments.get(line.reference)) if line.reference else None
        decision = _decide(line, current, duplicate_id=line.bank_transaction_id in seen)
        seen.add(line.bank_transaction_id)
        if decision.payment is not None and decision.payment is not current:
            changed[line.reference] = decision.payment
        decisions.append(decision)
    return MatchResult(decisions, changed)


def _decide(line: StatementLineData, payment: PaymentView | None, *, duplicate_id: bool) -> LineDecision:
    if duplicate_id:
        return LineDecision(line, LineOutcome.EXCEPTION, payment, ExceptionKind.DUPLICATE,
                            {"why": "transaction_id_seen"})
    if payment is None:
        return LineDecision(line, LineOutcome.EXCEPTION, None, ExceptionKind.UNKNOWN_LINE)
    if line.direction == LineDirection.DEBIT:
        if payment.state not in IN_CLEARING:
            return LineDecision(line, LineOutcome.EXCEPTION, payment, ExceptionKind.DUPLICATE,
                                {"why": "payment_" + payment.state})
        if line.amount != payment.amount:
            return LineDecision(line, LineOutcome.EXCEPTION, _moved(payment, state=PaymentState.EXCEPTION),
                                ExceptionKind.AMOUNT_DIFFERS, {"expected": payment.amount, "found": line.amount})
        return LineDecision(line, LineOutcome.SETTLED,
                            _moved(payment, state=PaymentState.SETTLED, settled_on=line.value_date))
    if payment.state == PaymentState.RETURNED:
        return LineDecision(line, LineOutcome.EXCEPTION, payment, ExceptionKind.DUPLICATE,
                            {"why": "payment_returned"})
    if line.amount != payment.amount:
        moved = payment if payment.state == PaymentState.SETTLED else _moved(payment, state=PaymentState.EXCEPTION)
        return LineDecision(line, LineOutcome.EXCEPTION, moved, ExceptionKind.AMOUNT_DIFFERS,
                            {"expected": payment.amount, "found": line.amount})
    returned = _moved(payment, state=PaymentState.RETURNED, returned_on=line.value_date,
                       return_reason=(line.return_reason or line.remark)[:200])
    return LineDecision(line, LineOutcome.RETURNED, returned, ExceptionKind.RETURNED,
                        {"reason": line.return_reason}, returned_from_settled=payment.state == PaymentState.SETTLED)
