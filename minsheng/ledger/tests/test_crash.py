"""A payment batch that dies halfway and is run again pays nobody twice."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from minsheng.ledger.bank import SimulatedBank
from minsheng.ledger.batches import SettleRequest, TransferRequest, pending_settle_batch, transfer_batch
from minsheng.ledger.choices import TransferKind
from minsheng.ledger.models import Transfer
from minsheng.ledger.services import account_balance, ledger_check

from .helpers import budget, enterprise


class CrashAfter:
    """A bank connection that dies right after the bank has paid the n-th payment (the worst moment:
    money has left, the ledger has not heard)."""

    def __init__(self, bank: SimulatedBank, n: int):
        self.bank, self.left = bank, n

    def pay(self, **payment):
        result = self.bank.pay(**payment)
        self.left -= 1
        if self.left == 0:
            raise ConnectionError("worker killed")
        return result


def reserve(count: int):
    gas = budget(funded=10**9)
    outcomes = transfer_batch(requests=[
        TransferRequest(key=f"grant:{i}", debit=gas, credit=enterprise(i), amount=1_000 + i, pending=True)
        for i in range(count)
    ])
    return gas, [o.transfer for o in outcomes]


def settle_requests(reservations):
    return [SettleRequest(pending=r, account_no=f"6222{r.pk:08d}", account_name=r.key) for r in reservations]


def assert_paid_once(gas, bank_answers: dict[str, str], count: int):
    confirmed = {reference for reference, status in bank_answers.items() if status == "confirmed"}
    posted = Transfer.objects.filter(kind=TransferKind.POST_PENDING)
    assert {t.pending.key for t in posted} == confirmed
    closings = Transfer.objects.filter(kind__in=[TransferKind.POST_PENDING, TransferKind.VOID_PENDING])
    assert closings.count() == count == closings.values("pending").distinct().count()
    assert account_balance(gas).posted_debits == sum(t.amount for t in posted)
    assert account_balance(gas).pending_debits == 0
    assert ledger_check() == []


@pytest.mark.django_db
def test_a_batch_that_dies_after_the_bank_paid_is_finished_by_a_rerun_without_paying_twice():
    gas, reservations = reserve(30)
    bank = SimulatedBank(seed=5, failure_rate=0.2)
    with pytest.raises(ConnectionError):
        pending_settle_batch(requests=settle_requests(reservations), bank=CrashAfter(bank, 13), chunk=5)
    assert Transfer.objects.filter(pending__isnull=False).count() == 10  # two chunks were written
    pending_settle_batch(requests=settle_requests(reservations), bank=bank, chunk=5)
    assert set(bank.moves.values()) == {1}
    answers = {reference: bank.pay(reference=reference, account_no="", account_name="", amount=1).status
               for reference in (r.key for r in reservations)}
    assert_paid_once(gas, answers, 30)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_payment_process_killed_halfway_and_run_again_pays_nobody_twice(tmp_path: Path):
    gas, reservations = reserve(40)
    journal = tmp_path / "bank.jsonl"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "minsheng.config.settings_test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    worker = subprocess.Popen(  # our own interpreter and module
        [sys.executable, "-m", "minsheng.ledger.tests.crash_worker", str(journal)],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines = journal.read_text().splitlines() if journal.exists() else []
            if len(lines) >= 18 or worker.poll() is not None:
                break
            time.sleep(0.02)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    paid_before = len(journal.read_text().splitlines())
    assert 18 <= paid_before < 40
    assert Transfer.objects.filter(pending__isnull=False).count() < 40

    bank = SimulatedBank(seed=11, failure_rate=0.25, journal=journal)
    pending_settle_batch(requests=settle_requests(reservations), bank=bank, chunk=4)

    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    references = [entry["reference"] for entry in entries]
    assert len(references) == len(set(references)) == 40  # the bank was asked to move each once
    assert_paid_once(gas, {e["reference"]: e["status"] for e in entries}, 40)
