"""Pure rules and the simulated bank (no database)."""

import pytest
from django.test import override_settings

from minsheng.ledger.bank import BankStatus, SimulatedBank, answers_at_once, bank_adapter, bank_adapter_forget
from minsheng.ledger.rules import amount_problem, budget_allows, key_problem, yuan


@pytest.mark.parametrize("amount", [1, 100, 10**12])
def test_whole_positive_fen_are_amounts(amount):
    assert amount_problem(amount) is None


@pytest.mark.parametrize("amount", [0, -1, 0.5, 1.0, "1", None, True, 2**62])
def test_anything_else_is_not_an_amount(amount):
    assert amount_problem(amount) is not None


def test_keys_must_be_short_non_blank_text():
    assert key_problem("grant:1") is None
    assert key_problem(" ") is not None
    assert key_problem(1) is not None
    assert key_problem("k" * 201) is not None


def test_a_budget_may_spend_up_to_its_funds_counting_reservations():
    assert budget_allows(limited=True, posted_debits=60, pending_debits=30, posted_credits=100, amount=10)
    assert not budget_allows(limited=True, posted_debits=60, pending_debits=30, posted_credits=100, amount=11)
    assert budget_allows(limited=False, posted_debits=60, pending_debits=30, posted_credits=100, amount=10**9)


def test_fen_are_shown_as_yuan():
    assert yuan(123456789) == "1,234,567.89"
    assert yuan(5) == "0.05"
    assert yuan(-150) == "-1.50"


def test_the_simulated_bank_pays_a_reference_once():
    bank = SimulatedBank(seed=1)
    first = bank.pay(reference="r1", account_no="622200001111", account_name="甲", amount=100)
    again = bank.pay(reference="r1", account_no="622200001111", account_name="甲", amount=100)
    assert first == again and first.status == BankStatus.CONFIRMED
    assert bank.moves == {"r1": 1}


def test_the_simulated_bank_fails_the_same_references_for_the_same_seed():
    def failures(bank):
        return {f"r{i}" for i in range(200)
                if bank.pay(reference=f"r{i}", account_no="622200001111", account_name="x", amount=1).status
                == BankStatus.FAILED}

    first = failures(SimulatedBank(seed=42, failure_rate=0.3))
    assert first == failures(SimulatedBank(seed=42, failure_rate=0.3))
    assert 30 < len(first) < 90
    assert failures(SimulatedBank(seed=42, failure_rate=0.0)) == set()


def test_the_simulated_bank_refuses_a_malformed_account_number():
    result = SimulatedBank().pay(reference="r", account_no="12ab", account_name="x", amount=1)
    assert result.status == BankStatus.FAILED and "account" in result.message


def test_the_simulated_bank_remembers_its_answers_in_a_journal(tmp_path):
    journal = tmp_path / "bank.jsonl"
    first = SimulatedBank(seed=1, journal=journal).pay(reference="r", account_no="622200001111",
                                                       account_name="x", amount=1)
    reopened = SimulatedBank(seed=999, journal=journal)
    assert reopened.pay(reference="r", account_no="622200001111", account_name="x", amount=1) == first
    assert reopened.moves == {}  # it moved no money the second time


def test_the_adapter_comes_from_settings():
    bank_adapter_forget()
    try:
        with override_settings(MINSHENG_BANK_OPTIONS={"failure_rate": 1.0, "seed": 3}):
            bank = bank_adapter()
            assert isinstance(bank, SimulatedBank) and bank.failure_rate == 1.0
            assert bank_adapter() is bank  # one per process: it keeps its memory
        assert bank_adapter().failure_rate == 0.0
    finally:
        bank_adapter_forget()


def test_only_a_bank_that_says_so_answers_at_once():
    assert answers_at_once(SimulatedBank(seed=1))
    assert not answers_at_once(SimulatedBank(seed=1, latency_ms=5))

    class Networked:
        def pay(self, **payment):
            raise AssertionError("not asked")

    assert not answers_at_once(Networked())


def test_the_simulated_bank_counts_every_request_and_each_payee_it_paid():
    """The counters a 'paid once' test relies on can fail: a second reference for the same payee shows."""
    from minsheng.ledger.bank import SimulatedBank

    bank = SimulatedBank(seed=1)
    bank.pay(reference="r1", account_no="6222020200112233445", account_name="甲公司", amount=100)
    bank.pay(reference="r1", account_no="6222020200112233445", account_name="甲公司", amount=100)
    assert bank.sends == {"r1": 2} and bank.moves == {"r1": 1}
    bank.pay(reference="r2", account_no="6222020200112233445", account_name="甲公司", amount=100)
    assert bank.moved_to == {("6222020200112233445", "甲公司"): 2}
