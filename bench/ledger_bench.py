"""Ledger throughput: transfers per second on SQLite or PostgreSQL, then the full invariant check.

    .venv/bin/python bench/ledger_bench.py --database sqlite   [--count 5500] [--threads 8]
    .venv/bin/python bench/ledger_bench.py --database postgres [--count 5500] [--threads 8]

Runs on a database of its own (a SQLite file under /tmp, or the PostgreSQL database
``ms_ledger_bench``, dropped and re-created), never on the demo's. Prints figures; asserts nothing
about time.
"""

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scratch_database import django_on_scratch_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "ms_ledger_bench"


def timed(label: str, count: int, work) -> float:
    """Run ``work``; print wall time, rate, and this process's CPU time per item (the Python side:
    on a busy machine the wall time also holds the wait for a CPU and for the database)."""
    started, cpu = time.perf_counter(), time.process_time()
    work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  {label:<56} {count:>7,} in {seconds:7.2f} s  = {count / seconds:>8,.0f} /s"
          f"   (CPU {1000 * cpu / count:5.2f} ms each)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=5500, help="enterprises in the payment batch")
    parser.add_argument("--singles", type=int, default=2000, help="transfers in each one-at-a-time phase")
    parser.add_argument("--threads", type=int, default=8, help="workers in the concurrent phase")
    args = parser.parse_args()
    django_on_scratch_database(args.database, name=DATABASE_NAME)

    from django.db import connection

    from minsheng.ledger.bank import SimulatedBank
    from minsheng.ledger.batches import (
        AccountSpec,
        SettleRequest,
        TransferRequest,
        account_open_batch,
        pending_settle_batch,
        transfer_batch,
    )
    from minsheng.ledger.choices import AccountKind
    from minsheng.ledger.models import Account, Transfer
    from minsheng.ledger.services import account_open, ledger_check, pending_post, transfer_create

    n, singles = args.count, min(args.singles, args.count)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"ledger bench on {connection.vendor}: batch of {n:,} enterprises, {singles:,} one-at-a-time transfers, "
          f"{args.threads} threads")
    treasury = account_open(code="treasury", name="treasury", kind=AccountKind.TREASURY)
    budget = account_open(code="budget", name="budget", kind=AccountKind.BUDGET, debits_must_not_exceed_credits=True)
    transfer_create(key="fund", debit=treasury, credit=budget, amount=10**15)
    started = time.perf_counter()
    opened = account_open_batch(accounts=[AccountSpec(code=f"firm:{i}", name=f"firm {i}", kind=AccountKind.ENTERPRISE)
                                          for i in range(n)])
    firms = [opened[f"firm:{i}"] for i in range(n)]
    print(f"  {'open enterprise accounts (account_open_batch)':<56} {n:>7,} in {time.perf_counter() - started:7.2f} s")

    def single_transfers():
        for i in range(singles):
            transfer_create(key=f"single:{i}", debit=budget, credit=firms[i], amount=100 + i)

    reservations = []

    def reserve():
        for i in range(singles):
            reservations.append(
                transfer_create(key=f"grant:{i}", debit=budget, credit=firms[i], amount=1000 + i, pending=True)
            )

    def post():
        for reservation in reservations:
            pending_post(key=f"{reservation.key}:post", pending=reservation)

    def concurrent():
        def one(i: int):
            try:
                transfer_create(key=f"threaded:{i}", debit=budget, credit=firms[i], amount=7 + i)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(singles)))

    batch = []

    def batch_reserve():
        batch.extend(transfer_batch(requests=[
            TransferRequest(key=f"batch:{i}", debit=budget, credit=firm, amount=5000 + i, pending=True)
            for i, firm in enumerate(firms)
        ]))

    bank = SimulatedBank(seed=1, failure_rate=0.01)

    def batch_settle():
        pending_settle_batch(requests=[
            SettleRequest(pending=outcome.transfer, account_no=f"6222{i:012d}", account_name=f"firm {i}")
            for i, outcome in enumerate(batch)
        ], bank=bank)

    print("one transaction per transfer:")
    timed("single transfers", singles, single_transfers)
    timed("retries of the same keys (idempotent, nothing written)", singles, single_transfers)
    timed("reservations (pending)", singles, reserve)
    timed("posts of those reservations", singles, post)
    timed(f"single transfers from {args.threads} threads, one budget", singles, concurrent)
    print("batches (one transaction per batch / per 500 bank answers):")
    reserve_s = timed("reserve the batch (transfer_batch)", n, batch_reserve)
    settle_s = timed("pay and post/void (pending_settle_batch, bank 0 ms)", n, batch_settle)
    print(f"  {'approve + pay the whole batch':<56} {n:>7,} in {reserve_s + settle_s:7.2f} s  "
          f"= {2 * n / (reserve_s + settle_s):>8,.0f} transfers/s ({len(bank.moves):,} paid)")

    started = time.perf_counter()
    problems = ledger_check()
    seconds = time.perf_counter() - started
    print(f"ledger_check over {Transfer.objects.count():,} transfers, {Account.objects.count():,} accounts: "
          f"{seconds:.2f} s, {len(problems)} problems")
    for problem in problems[:10]:
        print("   ", problem)


if __name__ == "__main__":
    main()
