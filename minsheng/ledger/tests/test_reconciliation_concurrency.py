"""Imports, payment runs and officers racing on one PostgreSQL database: nothing settles or returns
twice, nobody deadlocks, and the clearing account always holds exactly the payments in it."""

import datetime as dt
from collections import Counter

import pytest

from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.models import BankPayment, ReconciliationException, Statement
from minsheng.ledger.reconciliation.imports import statement_import
from minsheng.ledger.reconciliation.queue import exception_mark_returned, reconciliation_check
from minsheng.ledger.reconciliation.sent import PaymentSentRequest, payment_sent_batch
from minsheng.ledger.services import ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from .recon_helpers import csv_statement, granted, paid
from .test_concurrency import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2026, 6, 15)


def test_the_same_statement_imported_by_racing_officers_is_imported_once():
    bank = SimulatedBank(seed=11)
    paid(bank, [(f"g{i}", 100_00 + i) for i in range(50)])
    content = bank.statement_camt053(value_date=DAY, returns=["g7"])
    results = race([lambda: statement_import(content=content) for _ in range(8)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Counter(r.created for r in results) == {True: 1, False: 7}
    assert Statement.objects.count() == 1
    assert Counter(BankPayment.objects.values_list("state", flat=True)) == {"settled": 49, "returned": 1}
    assert ledger_check() == [] and reconciliation_check() == []


def test_imports_with_returns_race_payment_runs_on_the_same_enterprises_without_deadlock():
    bank = SimulatedBank(seed=12)
    firms = [granted(n, amount=10**9) for n in range(1, 7)]
    for firm in firms:
        paid(bank, [(f"{firm.code}:{i}", 10_00 + i) for i in range(20)], firm=firm)
    statements = [bank.statement_csv(value_date=DAY, returns=[f"{firm.code}:{i}" for i in range(3)])
                  for firm in firms[:3]]  # the first statement carries every payment so far

    def run(firm, batch):
        requests = [PaymentSentRequest(key=f"{firm.code}:b{batch}:{i}:sent", source=firm, amount=5_00,
                                       reference=f"{firm.code}:b{batch}:{i}", payee_account_no="6222000000001234",
                                       payee_name=firm.name) for i in range(30)]
        return payment_sent_batch(requests=requests)

    calls = [lambda content=content: statement_import(content=content) for content in statements]
    calls += [lambda firm=firm, b=b: run(firm, b) for firm in firms for b in range(2)]
    results = race(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert BankPayment.objects.filter(state="returned").count() == 9  # three per statement
    assert BankPayment.objects.filter(state="outstanding").count() == 6 * 2 * 30
    assert ledger_check() == [] and reconciliation_check() == []


def test_two_officers_marking_the_same_payment_returned_return_it_once():
    bank = SimulatedBank(seed=13)
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,,100.00,credit,,,R1,", "2026-06-15,,100.00,credit,,,R2,"))
    first, second = ReconciliationException.objects.order_by("pk")
    officers = [person(Role.FUNDS_OFFICER), person(Role.FUNDS_OFFICER)]
    results = race([
        lambda: exception_mark_returned(exception=first, actor=officers[0], note="退汇", reference="g1"),
        lambda: exception_mark_returned(exception=second, actor=officers[1], note="退汇", reference="g1"),
    ])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ReconciliationException"]
    assert ledger_check() == [] and reconciliation_check() == []
