"""Batches: many transfers in one transaction, each judged on its own."""

import pytest
from django.core.exceptions import ValidationError

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.batches import (
    AccountSpec,
    CloseRequest,
    SettleRequest,
    TransferRequest,
    account_open_batch,
    pending_close_batch,
    pending_settle_batch,
    transfer_batch,
)
from minsheng.ledger.choices import TransferKind
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_balance, ledger_check, pending_post, transfer_create

from .helpers import budget, enterprise

pytestmark = pytest.mark.django_db


def reserve_all(gas, firms, amount=10_00):
    return transfer_batch(requests=[
        TransferRequest(key=f"grant:{i}", debit=gas, credit=firm, amount=amount, pending=True)
        for i, firm in enumerate(firms)
    ])


def test_a_batch_reserves_every_grant_in_one_go():
    gas, firms = budget(funded=100_00), [enterprise(i) for i in range(5)]
    outcomes = reserve_all(gas, firms)
    assert all(outcome.ok for outcome in outcomes)
    assert all(outcome.transfer.pk for outcome in outcomes)
    assert account_balance(gas).pending_debits == 50_00
    assert account_balance(firms[0]).pending_credits == 10_00
    assert ledger_check() == []


def test_a_batch_refuses_only_what_the_budget_cannot_cover():
    gas, firms = budget(funded=25_00), [enterprise(i) for i in range(4)]
    outcomes = reserve_all(gas, firms)
    assert [outcome.ok for outcome in outcomes] == [True, True, False, False]
    assert "budget:gas" in outcomes[2].error
    assert account_balance(gas).pending_debits == 20_00
    assert Transfer.objects.filter(kind=TransferKind.PENDING).count() == 2
    assert ledger_check() == []


def test_a_retried_batch_returns_the_same_transfers_and_writes_nothing():
    gas, firms = budget(funded=100_00), [enterprise(i) for i in range(3)]
    first = reserve_all(gas, firms)
    again = reserve_all(gas, firms)
    assert [o.transfer.pk for o in again] == [o.transfer.pk for o in first]
    assert account_balance(gas).pending_debits == 30_00


def test_a_key_repeated_within_a_batch_is_one_transfer():
    gas, firm = budget(funded=100_00), enterprise()
    request = TransferRequest(key="grant:1", debit=gas, credit=firm, amount=10_00, pending=True)
    outcomes = transfer_batch(requests=[request, request])
    assert outcomes[0].transfer is outcomes[1].transfer
    assert account_balance(gas).pending_debits == 10_00


def test_a_batch_reports_a_key_reused_with_another_amount_and_bad_input():
    gas, firm = budget(funded=100_00), enterprise()
    transfer_create(key="grant:1", debit=gas, credit=firm, amount=10_00, pending=True)
    outcomes = transfer_batch(requests=[
        TransferRequest(key="grant:1", debit=gas, credit=firm, amount=99_00, pending=True),
        TransferRequest(key="grant:2", debit=gas, credit=firm, amount=-1),
        TransferRequest(key="", debit=gas, credit=firm, amount=1),
        TransferRequest(key="grant:3", debit=gas, credit=gas, amount=1),
        TransferRequest(key="grant:4", debit=gas, credit=firm, amount=1),
    ])
    assert [o.ok for o in outcomes] == [False, False, False, False, True]
    assert all(o.error for o in outcomes[:4])
    balance = account_balance(gas)
    assert (balance.pending_debits, balance.posted_debits) == (10_00, 1)


def test_a_close_batch_posts_and_voids_each_reservation_once():
    gas, firms = budget(funded=100_00), [enterprise(i) for i in range(4)]
    reservations = [o.transfer for o in reserve_all(gas, firms)]
    pending_post(key="early", pending=reservations[3])
    outcomes = pending_close_batch(requests=[
        CloseRequest(key="c0", pending=reservations[0]),
        CloseRequest(key="c1", pending=reservations[1], post=False),
        CloseRequest(key="c1-again", pending=reservations[1]),
        CloseRequest(key="c3", pending=reservations[3], post=False),
        CloseRequest(key="early", pending=reservations[3]),
    ])
    assert [o.ok for o in outcomes] == [True, True, False, False, True]
    assert outcomes[3].resolution.key == "early"
    balance = account_balance(gas)
    assert (balance.posted_debits, balance.pending_debits) == (20_00, 10_00)
    assert ledger_check() == []


def test_a_close_batch_refuses_what_is_not_a_reservation():
    gas, firm = budget(funded=100_00), enterprise()
    single = transfer_create(key="s", debit=gas, credit=firm, amount=1)
    outcomes = pending_close_batch(requests=[CloseRequest(key="s:post", pending=single)])
    assert not outcomes[0].ok


def test_settling_a_batch_posts_what_the_bank_paid_and_voids_what_failed():
    gas, firms = budget(funded=1_000_00), [enterprise(i) for i in range(20)]
    reservations = [o.transfer for o in reserve_all(gas, firms)]
    bank = SimulatedBank(seed=7, failure_rate=0.3)
    requests = [SettleRequest(pending=r, account_no=f"62220000{i:04d}", account_name=f"企业{i}")
                for i, r in enumerate(reservations)]
    outcomes = pending_settle_batch(requests=requests, bank=bank, chunk=6)
    posted = [o for o in outcomes if o.transfer.kind == TransferKind.POST_PENDING]
    voided = [o for o in outcomes if o.transfer.kind == TransferKind.VOID_PENDING]
    assert len(posted) == len(bank.moves) and len(posted) + len(voided) == 20
    assert 0 < len(voided) < 20
    assert account_balance(gas).posted_debits == 10_00 * len(posted)
    assert account_balance(gas).pending_debits == 0
    again = pending_settle_batch(requests=requests, bank=bank, chunk=6)
    assert [o.transfer.pk for o in again] == [o.transfer.pk for o in outcomes]
    assert set(bank.moved_to.values()) == {1}  # each payee paid once, whatever the reference
    assert ledger_check() == []


def test_accounts_open_in_bulk_and_again_without_duplicates():
    existing = enterprise(1)
    specs = [AccountSpec(code=f"enterprise:{i}", name=f"企业{i}", kind="enterprise") for i in range(1, 6)]
    opened = account_open_batch(accounts=specs)
    assert opened["enterprise:1"].pk == existing.pk
    assert len(opened) == 5 and all(account.pk for account in opened.values())
    assert account_open_batch(accounts=specs) == opened


def test_accounts_in_bulk_with_another_kind_or_a_bad_code_are_refused():
    enterprise(1)
    with pytest.raises(Conflict):
        account_open_batch(accounts=[AccountSpec(code="enterprise:1", name="x", kind="budget")])
    with pytest.raises(ValidationError):
        account_open_batch(accounts=[AccountSpec(code="", name="x", kind="enterprise")])


def test_a_batch_stores_keys_memos_and_metadata_exactly_as_given():
    gas, firm = budget(funded=100_00), enterprise(1)
    awkward = ["引号\"与反斜杠\\", "line\nbreak\ttab", "{braces},commas", "NULL", "emoji 🧧 ’quotes’"]
    metadata = [{"text": text, "nested": {"list": [1, 2.5, None, True], "empty": {}}} for text in awkward]
    outcomes = transfer_batch(requests=[
        TransferRequest(key=f"k:{text}", debit=gas, credit=firm, amount=1_00, pending=True, memo=text,
                        metadata=meta) for text, meta in zip(awkward, metadata, strict=True)])
    stored = {t.key: t for t in Transfer.objects.all()}
    for text, meta, outcome in zip(awkward, metadata, outcomes, strict=True):
        row = stored[f"k:{text}"]
        assert (row.pk, row.memo, row.metadata) == (outcome.transfer.pk, text, meta)
        assert row.created_at == outcome.transfer.created_at
    closes = pending_close_batch(requests=[
        CloseRequest(key=f"{o.transfer.key}:post", pending=o.transfer, metadata=o.transfer.metadata)
        for o in outcomes])
    assert [Transfer.objects.get(pk=c.transfer.pk).metadata for c in closes] == metadata
    assert ledger_check() == []
