"""Many workers racing on one PostgreSQL database: no double posting, no overrun, books that balance."""

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from minsheng.conflicts import Conflict
from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.batches import SettleRequest, TransferRequest, pending_settle_batch, transfer_batch
from minsheng.ledger.choices import AccountKind, TransferKind
from minsheng.ledger.models import Account, Transfer
from minsheng.ledger.services import (
    ReservationClosed,
    account_balance,
    account_open,
    ledger_check,
    pending_post,
    pending_settle,
    pending_void,
    transfer_create,
)

from .helpers import budget, enterprise, treasury

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
WORKERS = 12


def race(calls) -> list:
    """Run the calls on WORKERS threads, released together; each result is a value or the exception."""
    gate = threading.Barrier(min(WORKERS, len(calls)))

    def one(call):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(timeout=10)
            return call()
        except Exception as exc:  # the outcome is what the test inspects
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(one, calls))


def assert_books_balance():
    assert ledger_check() == []
    net = sum(a.posted_credits - a.posted_debits for a in Account.objects.all())
    pending = sum(a.pending_credits - a.pending_debits for a in Account.objects.all())
    assert (net, pending) == (0, 0)


def test_racing_reservations_never_overrun_the_budget():
    gas, firms = budget(funded=1_000), [enterprise(i) for i in range(30)]
    calls = [lambda firm=firm, i=i: transfer_create(key=f"grant:{i}", debit=gas, credit=firm, amount=100, pending=True)
             for i, firm in enumerate(firms)]
    results = race(calls)
    made = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(made), len(refused)) == (10, 20)
    balance = account_balance(gas)
    assert balance.pending_debits == 1_000 and balance.available == 0
    assert_books_balance()


def test_racing_retries_of_one_key_create_one_transfer():
    gas, firm = budget(funded=1_000), enterprise()
    results = race([lambda: transfer_create(key="grant:1", debit=gas, credit=firm, amount=100, pending=True)] * 24)
    assert all(isinstance(r, Transfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert account_balance(gas).pending_debits == 100
    assert_books_balance()


def test_racing_one_key_for_different_transfers_lets_exactly_one_win():
    sources = [account_open(code=f"treasury:{i}", name="t", kind=AccountKind.TREASURY) for i in range(12)]
    firms = [enterprise(i) for i in range(12)]
    results = race([lambda s=s, f=f: transfer_create(key="same", debit=s, credit=f, amount=5)
                    for s, f in zip(sources, firms, strict=True)])
    assert sum(isinstance(r, Transfer) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 11
    assert Transfer.objects.count() == 1
    assert_books_balance()


def test_racing_posts_and_voids_close_each_reservation_once():
    gas, firms = budget(funded=100_000), [enterprise(i) for i in range(10)]
    reservations = [transfer_create(key=f"grant:{i}", debit=gas, credit=firm, amount=1_000 + i, pending=True)
                    for i, firm in enumerate(firms)]
    calls = []
    for r in reservations:
        calls += [lambda r=r: pending_post(key=f"{r.key}:post", pending=r)] * 3
        calls += [lambda r=r: pending_post(key=f"{r.key}:post-other", pending=r),
                  lambda r=r: pending_void(key=f"{r.key}:void", pending=r)]
    results = race(calls)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, ReservationClosed)]
    assert unexpected == []
    closings = Counter(Transfer.objects.filter(pending__isnull=False).values_list("pending_id", flat=True))
    assert sorted(closings) == sorted(r.pk for r in reservations)
    assert set(closings.values()) == {1}
    balance = account_balance(gas)
    posted = sum(t.amount for t in Transfer.objects.filter(kind=TransferKind.POST_PENDING))
    assert (balance.posted_debits, balance.pending_debits) == (posted, 0)
    assert_books_balance()


def test_batches_and_single_calls_racing_on_one_budget_never_overrun_it():
    gas, firms = budget(funded=50_000), [enterprise(i) for i in range(60)]

    def batch(start):
        return transfer_batch(requests=[
            TransferRequest(key=f"grant:{i}", debit=gas, credit=firms[i], amount=1_000, pending=True)
            for i in range(start, start + 20)
        ])

    calls = [lambda: batch(0), lambda: batch(20), lambda: batch(10)]
    calls += [lambda i=i: transfer_create(key=f"grant:{i}", debit=gas, credit=firms[i], amount=1_000, pending=True)
              for i in range(30, 60)]
    results = race(calls)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError | Conflict)]
    assert Transfer.objects.filter(kind=TransferKind.PENDING).count() == 50
    assert account_balance(gas).available == 0
    assert_books_balance()


def test_workers_settling_the_same_grants_pay_each_once():
    gas, firms = budget(funded=10_000_000), [enterprise(i) for i in range(40)]
    reservations = [transfer_create(key=f"grant:{i}", debit=gas, credit=firm, amount=10_000 + i, pending=True)
                    for i, firm in enumerate(firms)]
    bank = SimulatedBank(seed=3, failure_rate=0.2)
    requests = [SettleRequest(pending=r, account_no=f"6222{i:08d}", account_name=f"企业{i}")
                for i, r in enumerate(reservations)]
    calls = [lambda: pending_settle_batch(requests=requests, bank=bank, chunk=7)] * 4
    calls += [lambda r=r: pending_settle(pending=r, account_no="622200000001", account_name="x", bank=bank)
              for r in reservations]
    results = race(calls)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)], results
    assert set(bank.moves.values()) == {1}
    posted = Transfer.objects.filter(kind=TransferKind.POST_PENDING)
    assert posted.count() == len(bank.moves)
    assert {t.pending.key for t in posted} == set(bank.moves)
    assert Transfer.objects.filter(kind__in=[TransferKind.POST_PENDING, TransferKind.VOID_PENDING]).count() == 40
    assert_books_balance()


def test_funding_races_with_spending():
    source, gas, firm = treasury(), budget(), enterprise()
    calls = [lambda i=i: transfer_create(key=f"fund:{i}", debit=source, credit=gas, amount=100) for i in range(20)]
    calls += [lambda i=i: transfer_create(key=f"spend:{i}", debit=gas, credit=firm, amount=100) for i in range(20)]
    race(calls)
    balance = account_balance(gas)
    assert balance.posted_debits <= balance.posted_credits == 2_000
    assert_books_balance()
