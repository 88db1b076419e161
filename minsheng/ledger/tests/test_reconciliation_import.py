"""Importing statements: settling, each kind of exception, idempotency, all-or-nothing, returns and
paying again, and the periodic check for payments on no statement."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.models import Account, BankPayment, ReconciliationException, Statement, StatementLine, Transfer
from minsheng.ledger.reconciliation.imports import statement_import
from minsheng.ledger.reconciliation.queue import payments_overdue_check, reconciliation_check
from minsheng.ledger.reconciliation.selectors import payments_to_repay
from minsheng.ledger.reconciliation.sent import CLEARING_CODE, SETTLED_CODE, payment_sent
from minsheng.ledger.services import account_balance, ledger_check

from .recon_helpers import csv_statement, english, granted, paid  # noqa: F401  (english: autouse)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 15)


@pytest.fixture
def bank():
    return SimulatedBank(seed=7)


def held(code: str) -> int:
    balance = account_balance(Account.objects.get(code=code))
    return balance.posted_credits - balance.posted_debits


def states() -> dict[str, str]:
    return dict(BankPayment.objects.values_list("reference", "state"))


def open_exceptions() -> list[tuple[str, str]]:
    return sorted(ReconciliationException.objects.filter(state="open").values_list("kind", "payment__reference"),
                  key=str)


def books_agree():
    assert ledger_check() == []
    assert reconciliation_check() == []


@pytest.mark.parametrize("form", ["csv", "camt053"])
def test_a_statement_settles_its_payments_from_clearing_in_one_transfer_per_value_date(bank, form):
    paid(bank, [("g1", 100_00), ("g2", 200_00), ("g3", 300_00)])
    assert held(CLEARING_CODE) == 600_00
    content = getattr(bank, f"statement_{form}")(value_date=DAY)
    result = statement_import(content=content)
    assert (result.created, result.settled, result.returned, result.exceptions) == (True, 3, 0, 0)
    assert states() == {"g1": "settled", "g2": "settled", "g3": "settled"}
    assert held(CLEARING_CODE) == 0 and held(SETTLED_CODE) == 600_00
    settlement = Transfer.objects.get(key=f"recon:settle:{result.statement.pk}:2026-06-15")
    assert settlement.amount == 600_00
    assert set(BankPayment.objects.values_list("settlement_transfer", flat=True)) == {settlement.pk}
    assert set(BankPayment.objects.values_list("settled_on", flat=True)) == {DAY}
    assert result.statement.format == form and result.statement.line_count == 3
    books_agree()


def test_importing_the_same_file_again_changes_nothing(bank):
    paid(bank, [("g1", 100_00)])
    content = bank.statement_camt053(value_date=DAY)
    first = statement_import(content=content)
    again = statement_import(content=content)
    assert (again.created, again.statement) == (False, first.statement)
    assert StatementLine.objects.count() == 1 and held(SETTLED_CODE) == 100_00


def test_another_file_with_a_statement_id_imported_before_is_refused(bank):
    paid(bank, [("g1", 100_00), ("g2", 200_00)])
    statement_import(content=bank.statement_camt053(statement_id="S-0615", value_date=DAY, missing=["g2"]))
    with pytest.raises(ValidationError, match="S-0615 was imported already"):
        statement_import(content=bank.statement_camt053(statement_id="S-0615", value_date=DAY))
    assert states()["g2"] == "outstanding"


def test_a_statement_with_one_bad_line_imports_nothing(bank):
    paid(bank, [("g1", 100_00)])
    content = csv_statement("2026-06-15,g1,100.00,debit,,,TX1,", "2026-06-15,g1,oops,debit,,,TX2,")
    with pytest.raises(ValidationError):
        statement_import(content=content)
    assert not Statement.objects.exists() and states() == {"g1": "outstanding"}


def test_unknown_lines_and_amounts_that_differ_go_on_the_queue(bank):
    paid(bank, [("g1", 100_00), ("g2", 200_00)])
    result = statement_import(content=csv_statement(
        "2026-06-15,g1,100.00,debit,,,TX1,",
        "2026-06-15,g2,199.00,debit,,,TX2,",
        "2026-06-15,,50.00,debit,,,TX3,手续费",
        "2026-06-15,somebody-else,70.00,credit,,,TX4,",
    ))
    assert (result.settled, result.exceptions) == (1, 3)
    assert open_exceptions() == sorted([("amount_differs", "g2"), ("unknown_line", None), ("unknown_line", None)],
                                       key=str)
    assert states() == {"g1": "settled", "g2": "exception"}
    assert held(CLEARING_CODE) == 200_00  # g2 waits in clearing
    books_agree()


def test_a_line_repeated_in_the_statement_or_on_a_later_one_is_a_duplicate(bank):
    paid(bank, [("g1", 100_00), ("g2", 200_00)])
    first = bank.statement_csv(value_date=DAY, duplicates=["g1"], missing=["g2"])
    assert statement_import(content=first).exceptions == 1
    repeated = first.decode().splitlines()[1]  # the same g1 line, on another day's statement
    later = statement_import(content=csv_statement(repeated, "2026-06-16,g2,200.00,debit,,,TX-g2,"))
    assert (later.settled, later.exceptions) == (1, 1)
    assert open_exceptions() == [("duplicate", "g1"), ("duplicate", "g1")]
    assert held(SETTLED_CODE) == 300_00  # each settled once
    books_agree()


def test_a_returned_payment_gives_the_money_back_and_can_be_paid_again(bank, django_capture_on_commit_callbacks,
                                                                         settings):
    heard = []
    settings.MINSHENG_PAYMENT_RETURNED_HOOK = "minsheng.ledger.tests.test_reconciliation_import.hook"
    hook.calls = heard
    outcomes = paid(bank, [("g1", 100_00), ("g2", 200_00)])
    firm = outcomes[0].transfer.debit_account
    before = account_balance(firm).available
    with django_capture_on_commit_callbacks(execute=True):
        result = statement_import(content=bank.statement_csv(value_date=DAY, returns={"g1": "AC04"}))
    assert (result.settled, result.returned) == (2, 1)
    assert heard == [["g1"]]
    returned = BankPayment.objects.get(reference="g1")
    assert (returned.state, returned.returned_on, returned.return_reason) == ("returned", DAY, "AC04")
    assert account_balance(firm).available == before + 100_00
    assert returned.return_transfer.debit_account.code == SETTLED_CODE  # settled first, then sent back
    assert open_exceptions() == [("returned", "g1")]
    assert list(payments_to_repay()) == [returned]
    payment_sent(key="g1:again:sent", source=firm, amount=100_00, reference="g1:again",
                 payee_account_no="6222000000009999", payee_name="企业1", replaces="g1")
    assert list(payments_to_repay()) == [] and open_exceptions() == []
    assert ReconciliationException.objects.get(kind="returned").resolution == "repaid"
    books_agree()


def hook(*, references):
    hook.calls.append(references)


def test_a_return_of_a_payment_still_in_clearing_comes_from_clearing(bank):
    paid(bank, [("g1", 100_00)])
    statement_import(content=csv_statement("2026-06-16,g1,100.00,credit,,,TX1R,returned"))
    payment = BankPayment.objects.get(reference="g1")
    assert payment.state == "returned" and payment.settled_on is None
    assert payment.return_transfer.debit_account.code == CLEARING_CODE
    assert held(CLEARING_CODE) == 0
    books_agree()


def test_the_import_is_audited(bank):
    paid(bank, [("g1", 100_00)])
    result = statement_import(content=bank.statement_csv(value_date=DAY), file_name="0615.csv")
    event = AuditEvent.objects.get(action="ledger.statement_imported")
    assert event.object_id == str(result.statement.pk)
    assert event.summary["settled_count"] == 1 and event.summary["file_name"] == "0615.csv"


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_a_payment_on_no_statement_after_three_days_goes_on_the_queue_once(bank):
    with time_machine.travel(at(2026, 6, 15, 10), tick=False):
        paid(bank, [("g1", 100_00), ("g2", 200_00)])
    with time_machine.travel(at(2026, 6, 18, 9), tick=False):
        assert payments_overdue_check(bank=bank).flagged == 0  # not three days yet
    with time_machine.travel(at(2026, 6, 18, 10, 0, 1), tick=False):
        assert payments_overdue_check(bank=bank).flagged == 2
        assert payments_overdue_check(bank=bank).flagged == 0  # once
    assert states() == {"g1": "exception", "g2": "exception"}
    flagged = ReconciliationException.objects.get(payment__reference="g1")
    assert (flagged.kind, flagged.occurred_on, flagged.detail["bank_status"]) == ("not_on_statement",
                                                                                dt.date(2026, 6, 18), "confirmed")
    assert AuditEvent.objects.get(action="ledger.payments_overdue").summary["flagged"] == 2
    # a late statement still settles it, and closes the exception
    with time_machine.travel(at(2026, 6, 19, 10), tick=False):
        statement_import(content=bank.statement_csv(value_date=dt.date(2026, 6, 19), missing=["g2"]))
    assert states() == {"g1": "settled", "g2": "exception"}
    assert open_exceptions() == [("not_on_statement", "g2")]
    assert ReconciliationException.objects.get(payment__reference="g1").resolution == "by_statement"
    books_agree()


def test_the_overdue_days_are_a_setting(bank, settings):
    settings.MINSHENG_RECONCILIATION_OVERDUE_DAYS = 1
    with time_machine.travel(at(2026, 6, 15, 10), tick=False):
        paid(bank, [("g1", 100_00)])
    with time_machine.travel(at(2026, 6, 16, 11), tick=False):
        assert payments_overdue_check(bank=bank).flagged == 1


def test_the_overdue_check_says_when_the_bank_never_heard_of_the_payment():
    firm = granted()
    with time_machine.travel(at(2026, 6, 15, 10), tick=False):
        payment_sent(key="k", source=firm, amount=1_00, reference="ghost", payee_account_no="6222",
                     payee_name="企业1")
    with time_machine.travel(at(2026, 6, 20, 10), tick=False):
        payments_overdue_check(bank=SimulatedBank(seed=1))
    assert ReconciliationException.objects.get().detail["bank_status"] == "unknown"


def test_the_periodic_task_flags_overdue_payments_with_the_configured_bank(bank):
    from minsheng.ledger.tasks import PERIODIC, reconciliation_overdue_check

    assert reconciliation_overdue_check in [task for task, _every in PERIODIC]
    with time_machine.travel(at(2026, 6, 10, 10), tick=False):
        paid(bank, [("g1", 100_00)])
    assert reconciliation_overdue_check.enqueue().return_value == {"flagged": 1, "days": 3}


def test_the_nightly_verification_checks_clearing_against_the_payments(bank):
    from minsheng.ledger.tasks import ledger_verify

    paid(bank, [("g1", 100_00)])
    assert ledger_verify.enqueue().return_value["healthy"] is True
    BankPayment.objects.update(state="settled")  # behind the services' back: clearing no longer agrees
    result = ledger_verify.enqueue().return_value
    assert result["healthy"] is False and "clearing:bank" in result["problems"][0]
