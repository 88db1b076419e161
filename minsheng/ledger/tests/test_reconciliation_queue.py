"""What a funds officer does with an exception: resolve with a note, match by hand, mark as returned."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.conflicts import Conflict
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.models import Account, BankPayment, ReconciliationException, Transfer
from minsheng.ledger.reconciliation.imports import statement_import
from minsheng.ledger.reconciliation.queue import (
    exception_mark_returned,
    exception_match,
    exception_resolve,
    payments_overdue_check,
    reconciliation_check,
)
from minsheng.ledger.reconciliation.sent import CLEARING_CODE, SETTLED_CODE
from minsheng.ledger.services import account_balance, ledger_check
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from .recon_helpers import csv_statement, english, paid  # noqa: F401  (english: autouse)

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def _on_the_statement_day():
    """These tests read "today" as the statement's value date (15 June 2026), whatever day the suite runs."""
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 15, 10)), tick=True):
        yield



@pytest.fixture
def officer():
    return person(Role.FUNDS_OFFICER)


@pytest.fixture
def bank():
    return SimulatedBank(seed=3)


def exception_of(kind: str) -> ReconciliationException:
    return ReconciliationException.objects.get(kind=kind, state="open")


def state(reference: str) -> str:
    return BankPayment.objects.get(reference=reference).state


def held(code: str) -> int:
    balance = account_balance(Account.objects.get(code=code))
    return balance.posted_credits - balance.posted_debits


def books_agree():
    assert ledger_check() == [] and reconciliation_check() == []


def test_resolving_an_amount_difference_with_a_note_puts_the_payment_back_to_outstanding(bank, officer):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,g1,99.00,debit,,,TX1,"))
    resolved = exception_resolve(exception=exception_of("amount_differs"), actor=officer,
                                 note="银行确认多扣的1元已退回，等待更正后的对账单")
    assert (resolved.state, resolved.resolution, resolved.resolved_by) == ("resolved", "noted", officer)
    assert state("g1") == "outstanding"
    event = AuditEvent.objects.get(action="ledger.exception_resolved")
    assert event.actor_id == officer.pk and event.object_id == str(resolved.pk)
    books_agree()


def test_a_note_is_required_and_an_exception_is_resolved_once(bank, officer):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,,5.00,debit,,,FEE1,手续费"))
    item = exception_of("unknown_line")
    with pytest.raises(ValidationError):
        exception_resolve(exception=item, actor=officer, note="  ")
    exception_resolve(exception=item, actor=officer, note="银行手续费")
    with pytest.raises(Conflict, match="resolved already"):
        exception_resolve(exception=item, actor=officer, note="again")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER])
def test_only_funds_officers_act_on_exceptions(bank, role):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,,5.00,debit,,,FEE1,"))
    with pytest.raises(PermissionDenied):
        exception_resolve(exception=exception_of("unknown_line"), actor=person(role), note="看过了")


def test_matching_an_unknown_debit_to_a_payment_settles_it(bank, officer):
    paid(bank, [("g1", 100_00), ("g2", 200_00)])
    statement_import(content=csv_statement("2026-06-15,G1-TYPO,100.00,debit,,,TX1,",
                                           "2026-06-15,g2,200.00,debit,,,TX2,"))
    item = exception_of("unknown_line")
    exception_match(exception=item, actor=officer, reference="g1", note="银行录错了参考号")
    item.refresh_from_db()
    payment = BankPayment.objects.get(reference="g1")
    assert (item.resolution, payment.state, payment.settled_on) == ("matched", "settled", dt.date(2026, 6, 15))
    assert item.line.outcome == "settled" and item.line.payment == payment
    assert payment.settlement_transfer.key == f"recon:match:{item.pk}"
    assert held(CLEARING_CODE) == 0 and held(SETTLED_CODE) == 300_00
    assert AuditEvent.objects.get(action="ledger.exception_matched").summary["reference"] == "g1"
    books_agree()


def test_matching_an_overdue_payment_to_its_line_closes_both_exceptions(bank, officer):
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 15, 10)), tick=False):
        paid(bank, [("g1", 100_00)])
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 19, 10)), tick=False):
        payments_overdue_check(bank=bank)
        statement_import(content=csv_statement("2026-06-19,,100.00,debit,,,TX1,"))
        exception_match(exception=exception_of("unknown_line"), actor=officer, reference="g1", note="对上了")
    assert not ReconciliationException.objects.filter(state="open").exists()
    assert state("g1") == "settled"
    books_agree()


def test_a_payment_is_not_settled_twice_by_hand(bank, officer):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,g1,100.00,debit,,,TX1,", "2026-06-15,,100.00,debit,,,TX2,"))
    with pytest.raises(Conflict, match="cannot be settled again"):
        exception_match(exception=exception_of("unknown_line"), actor=officer, reference="g1", note="重复")
    with pytest.raises(ValidationError):
        exception_match(exception=exception_of("unknown_line"), actor=officer, reference="nope", note="x")
    assert held(SETTLED_CODE) == 100_00


def test_matching_an_unknown_credit_returns_the_payment_to_the_enterprise(bank, officer):
    outcomes = paid(bank, [("g1", 100_00)])
    firm = outcomes[0].transfer.debit_account
    before = account_balance(firm).available
    statement_import(content=csv_statement("2026-06-16,,100.00,credit,,,RT1,退汇 户名不符"))
    exception_match(exception=exception_of("unknown_line"), actor=officer, reference="g1", note="退汇未带参考号")
    assert state("g1") == "returned"
    assert account_balance(firm).available == before + 100_00
    books_agree()


def test_marking_an_overdue_payment_returned_brings_the_money_back_from_clearing(bank, officer):
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 10, 10)), tick=False):
        outcomes = paid(bank, [("g1", 100_00)])
    payments_overdue_check(bank=bank)
    exception_mark_returned(exception=exception_of("not_on_statement"), actor=officer,
                            note="银行来电：账户冻结，已退回")
    payment = BankPayment.objects.get(reference="g1")
    assert (payment.state, payment.returned_on) == ("returned", dt.date(2026, 6, 15))
    assert payment.return_transfer.credit_account == outcomes[0].transfer.debit_account
    assert held(CLEARING_CODE) == 0
    assert ReconciliationException.objects.get().resolution == "marked_returned"
    assert AuditEvent.objects.filter(action="ledger.exception_marked_returned").count() == 1
    books_agree()


def test_marking_a_settled_payment_returned_takes_the_money_from_settled(bank, officer):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,g1,100.00,debit,,,TX1,", "2026-06-17,,100.00,credit,,,RT1,"))
    exception_mark_returned(exception=exception_of("unknown_line"), actor=officer, note="收款行退回", reference="g1")
    payment = BankPayment.objects.get(reference="g1")
    assert payment.state == "returned" and payment.returned_on == dt.date(2026, 6, 17)
    assert Transfer.objects.get(key=f"recon:return:{payment.pk}").debit_account.code == SETTLED_CODE
    assert held(SETTLED_CODE) == 0
    books_agree()


def test_a_returned_payment_cannot_be_returned_again(bank, officer):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-15,g1,100.00,credit,,,RT1,", "2026-06-16,,100.00,credit,,,RT2,"))
    with pytest.raises(Conflict, match="returned already"):
        exception_mark_returned(exception=exception_of("unknown_line"), actor=officer, note="x", reference="g1")
    books_agree()
