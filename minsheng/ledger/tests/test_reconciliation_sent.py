"""Money leaving: ``payment_sent`` and its batch form."""

import pytest
from django.core.exceptions import ValidationError

from minsheng.conflicts import Conflict
from minsheng.ledger.models import BankPayment
from minsheng.ledger.reconciliation.queue import reconciliation_check
from minsheng.ledger.reconciliation.sent import (
    CLEARING_CODE,
    PaymentSentRequest,
    payment_sent,
    payment_sent_batch,
)
from minsheng.ledger.services import account_balance, ledger_check

from .helpers import enterprise
from .recon_helpers import english, granted  # noqa: F401  (english: autouse)

pytestmark = pytest.mark.django_db


def send(firm, reference="grant:1", amount=300_00, key=None, **extra):
    return payment_sent(key=key or f"{reference}:sent", source=firm, amount=amount, reference=reference,
                        payee_account_no="6222000000001234", payee_name="企业1", **extra)


def test_a_sent_payment_moves_the_money_to_clearing_and_waits_for_the_statement():
    firm = granted(amount=1000_00)
    transfer = send(firm)
    assert (transfer.debit_account, transfer.credit_account.code, transfer.amount) == (firm, CLEARING_CODE, 300_00)
    assert account_balance(firm).available == 700_00
    payment = BankPayment.objects.get(reference="grant:1")
    assert (payment.state, payment.amount, payment.sent_transfer, payment.source) == ("outstanding", 300_00,
                                                                                      transfer, firm)
    assert payment.sent_at is not None
    assert ledger_check() == [] and reconciliation_check() == []


def test_sending_again_with_the_same_key_returns_the_first_transfer():
    firm = granted()
    first = send(firm)
    assert send(firm) == first
    assert BankPayment.objects.count() == 1
    assert account_balance(firm).posted_debits == 300_00


def test_the_same_key_for_another_amount_is_a_conflict():
    firm = granted()
    send(firm)
    with pytest.raises(Conflict):
        send(firm, amount=1_00)


def test_a_reference_sent_before_under_another_key_is_a_conflict():
    firm = granted()
    send(firm)
    with pytest.raises(Conflict, match="reference grant:1 was used already"):
        send(firm, key="other-key")


def test_money_not_granted_yet_cannot_be_sent():
    with pytest.raises(ValidationError, match="Post the grant's reservation first"):
        send(enterprise(5))
    assert not BankPayment.objects.exists()


@pytest.mark.parametrize("field, value", [("reference", ""), ("payee_account_no", " "), ("payee_name", "")])
def test_a_payment_without_its_reference_or_payee_is_refused(field, value):
    request = {"key": "k", "source": granted(), "amount": 1_00, "reference": "r", "payee_account_no": "6222",
               "payee_name": "企业", field: value}
    with pytest.raises(ValidationError):
        payment_sent(**request)


def test_a_batch_judges_each_payment_on_its_own():
    firm = granted(amount=500_00)
    requests = [PaymentSentRequest(key=f"k{i}", source=firm, amount=200_00, reference=f"r{i}",
                                   payee_account_no="6222000000001234", payee_name="企业1") for i in range(3)]
    requests.append(PaymentSentRequest(key="k9", source=firm, amount=1_00, reference="r0",
                                       payee_account_no="6222000000001234", payee_name="企业1"))
    outcomes = payment_sent_batch(requests=requests)
    assert [outcome.ok for outcome in outcomes] == [True, True, False, False]
    assert "available" in outcomes[2].error and outcomes[3].conflict
    assert sorted(BankPayment.objects.values_list("reference", flat=True)) == ["r0", "r1"]
    assert payment_sent_batch(requests=requests[:2])[1].transfer == outcomes[1].transfer  # a retry
    assert ledger_check() == [] and reconciliation_check() == []


def test_only_a_returned_payment_can_be_paid_again():
    firm = granted()
    send(firm)
    with pytest.raises(ValidationError, match="was not returned"):
        send(firm, reference="grant:1:again", replaces="grant:1")
