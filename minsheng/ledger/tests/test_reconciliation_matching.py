"""The matching rules (``reconciliation.matching.statement_match``), without a database."""

import datetime as dt

from minsheng.ledger.reconciliation.formats import StatementLineData
from minsheng.ledger.reconciliation.matching import PaymentView, statement_match

DAY = dt.date(2026, 6, 15)


def line(n: int, reference: str, amount: int, direction: str = "debit", tx: str | None = None, **extra):
    return StatementLineData(n, DAY, reference, amount, direction, tx or f"TX{n}", **extra)


def payment(reference: str, amount: int = 100_00, state: str = "outstanding", pk: int = 1):
    return PaymentView(pk, reference, amount, state, source_id=9)


def decide(lines, payments=(), seen=()):
    return statement_match(lines, {p.reference: p for p in payments}, set(seen))


def outcomes(result):
    return [(d.outcome, d.exception) for d in result.decisions]


def test_a_debit_with_the_reference_and_amount_settles_the_payment():
    result = decide([line(1, "g1", 100_00)], [payment("g1")])
    assert outcomes(result) == [("settled", "")]
    assert result.changed["g1"].state == "settled" and result.changed["g1"].settled_on == DAY


def test_the_input_payments_are_not_changed():
    waiting = payment("g1")
    decide([line(1, "g1", 100_00)], [waiting])
    assert waiting.state == "outstanding"


def test_a_debit_with_another_amount_holds_the_payment_in_the_queue():
    result = decide([line(1, "g1", 99_00)], [payment("g1")])
    assert outcomes(result) == [("exception", "amount_differs")]
    assert result.decisions[0].detail == {"expected": 100_00, "found": 99_00}
    assert result.changed["g1"].state == "exception"


def test_a_line_with_no_or_an_unknown_reference_is_an_unknown_line():
    result = decide([line(1, "", 5_00), line(2, "nobody", 5_00, "credit")], [payment("g1")])
    assert outcomes(result) == [("exception", "unknown_line")] * 2
    assert result.changed == {}


def test_the_same_transaction_id_twice_is_a_duplicate_not_a_second_settlement():
    result = decide([line(1, "g1", 100_00, tx="A"), line(2, "g1", 100_00, tx="A")], [payment("g1")])
    assert outcomes(result) == [("settled", ""), ("exception", "duplicate")]


def test_a_transaction_id_seen_on_an_earlier_statement_is_a_duplicate():
    result = decide([line(1, "g1", 100_00, tx="A")], [payment("g1")], seen={"A"})
    assert outcomes(result) == [("exception", "duplicate")]
    assert result.changed == {}


def test_a_second_debit_for_a_settled_payment_is_a_duplicate():
    result = decide([line(1, "g1", 100_00)], [payment("g1", state="settled")])
    assert outcomes(result) == [("exception", "duplicate")]
    assert result.decisions[0].detail == {"why": "payment_settled"}


def test_a_payment_the_overdue_check_flagged_still_settles():
    result = decide([line(1, "g1", 100_00)], [payment("g1", state="exception")])
    assert outcomes(result) == [("settled", "")]


def test_a_credit_for_an_outstanding_payment_returns_it_from_clearing():
    result = decide([line(1, "g1", 100_00, "credit", return_reason="AC04")], [payment("g1")])
    assert outcomes(result) == [("returned", "returned")]
    decision = result.decisions[0]
    assert not decision.returned_from_settled
    assert result.changed["g1"].state == "returned" and result.changed["g1"].return_reason == "AC04"


def test_a_credit_after_the_settlement_returns_it_from_the_settled_account():
    result = decide([line(1, "g1", 100_00), line(2, "g1", 100_00, "credit")], [payment("g1")])
    assert outcomes(result) == [("settled", ""), ("returned", "returned")]
    assert result.decisions[1].returned_from_settled
    assert result.changed["g1"].settled_on == DAY and result.changed["g1"].state == "returned"


def test_a_return_of_another_amount_or_a_second_return_is_an_exception():
    result = decide([line(1, "g1", 50_00, "credit")], [payment("g1", state="settled")])
    assert outcomes(result) == [("exception", "amount_differs")]
    assert "g1" not in result.changed  # a settled payment stays settled
    again = decide([line(1, "g1", 100_00, "credit")], [payment("g1", state="returned")])
    assert outcomes(again) == [("exception", "duplicate")]
