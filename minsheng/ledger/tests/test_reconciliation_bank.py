"""The bank adapter's status query, and the simulated bank's statements."""

import datetime as dt

import pytest

from minsheng.ledger.bank import SimulatedBank, bank_status
from minsheng.ledger.reconciliation.formats import statement_parse

DAY = dt.date(2026, 6, 15)


def pay(bank, reference, amount=100_00, account_no="6222000000001234"):
    return bank.pay(reference=reference, account_no=account_no, account_name="企业1", amount=amount)


def test_the_bank_says_what_it_knows_of_a_reference_without_paying():
    bank = SimulatedBank(seed=1)
    answer = pay(bank, "g1")
    assert bank.status(reference="g1") == answer
    assert bank.status(reference="never") is None
    assert bank.moves == {"g1": 1}


def test_a_failed_payment_is_known_as_failed():
    bank = SimulatedBank(seed=1)
    pay(bank, "bad", account_no="12")
    assert bank.status(reference="bad").status == "failed"


def test_an_adapter_without_status_is_asked_nothing():
    class PayOnly:
        def pay(self, **payment):
            raise AssertionError

    assert bank_status(PayOnly(), reference="g1") is None


def test_each_payment_is_on_the_first_statement_after_it():
    bank = SimulatedBank(seed=1)
    pay(bank, "g1")
    pay(bank, "g2", 250_00)
    pay(bank, "bad", account_no="x")  # failed: on no statement
    first = bank.statement(value_date=DAY)
    assert [(line.reference, line.amount, line.direction) for line in first] == [
        ("g1", 100_00, "debit"), ("g2", 250_00, "debit")]
    assert first[0].bank_transaction_id == bank.status(reference="g1").bank_reference
    assert bank.statement(value_date=DAY) == []


def test_a_statement_can_leave_out_repeat_and_return_payments():
    bank = SimulatedBank(seed=1)
    for reference in ("g1", "g2", "g3"):
        pay(bank, reference)
    lines = bank.statement(value_date=DAY, missing=["g3"], duplicates=["g2"], returns={"g1": "AC01"})
    assert [(line.reference, line.direction) for line in lines] == [
        ("g1", "debit"), ("g2", "debit"), ("g2", "debit"), ("g1", "credit")]
    assert lines[1].bank_transaction_id == lines[2].bank_transaction_id
    assert lines[3].return_reason == "AC01"
    assert [line.reference for line in bank.statement(value_date=DAY)] == ["g3"]


def test_the_bank_cannot_return_what_it_never_paid():
    with pytest.raises(ValueError):
        SimulatedBank(seed=1).statement(value_date=DAY, returns=["nobody"])


@pytest.mark.parametrize("form", ["csv", "camt053"])
def test_the_simulated_bank_writes_statements_that_read_back(form):
    bank = SimulatedBank(seed=1)
    pay(bank, "g1", 123_45)
    content = getattr(bank, f"statement_{form}")(value_date=DAY, returns=["g1"])
    lines = statement_parse(content).lines
    assert [(line.reference, line.amount, line.direction, line.value_date) for line in lines] == [
        ("g1", 123_45, "debit", DAY), ("g1", 123_45, "credit", DAY)]


def test_a_journal_keeps_what_was_paid_for_the_next_statement(tmp_path):
    journal = tmp_path / "bank.jsonl"
    pay(SimulatedBank(seed=1, journal=journal), "g1", 77_00)
    reopened = SimulatedBank(seed=1, journal=journal)
    assert [(line.reference, line.amount) for line in reopened.statement(value_date=DAY)] == [("g1", 77_00)]
