"""Builders for reconciliation tests: enterprises with granted money, payments the simulated bank
paid and the ledger sent to clearing, and statements of them."""

import pytest
from django.utils import translation

from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.reconciliation.sent import PaymentSentRequest, payment_sent_batch
from minsheng.ledger.services import transfer_create

from .helpers import budget, enterprise


def granted(number: int = 1, amount: int = 1_000_000_00):
    """An enterprise account holding ``amount`` fen granted from a funded budget (posted)."""
    firm = enterprise(number)
    transfer_create(key=f"grant:{number}:{amount}", debit=budget(funded=10**13), credit=firm, amount=amount)
    return firm


def paid(bank: SimulatedBank, payments: list[tuple[str, int]], *, firm=None) -> list:
    """Pay each (reference, amount) through ``bank`` and record it sent; returns the outcomes."""
    firm = firm or granted()
    requests = []
    for reference, amount in payments:
        answer = bank.pay(reference=reference, account_no="6222000000001234", account_name=firm.name, amount=amount)
        assert answer.confirmed
        requests.append(PaymentSentRequest(key=f"{reference}:sent", source=firm, amount=amount, reference=reference,
                                           payee_account_no="6222000000001234", payee_name=firm.name))
    outcomes = payment_sent_batch(requests=requests)
    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    return outcomes


CSV_HEADER = "value_date,reference,amount,direction,counterparty_account,counterparty_name,bank_transaction_id,remark\n"


def csv_statement(*rows: str) -> bytes:
    """A CSV statement from rows written as in the file (after the header)."""
    return (CSV_HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture(autouse=True)
def english():
    """Messages in English whatever language an earlier test left active (import it into a test module)."""
    with translation.override("en"):
        yield
