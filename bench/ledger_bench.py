"""Ledger throughput: transfers per second on SQLite or PostgreSQL, then the full invariant check.

    .venv/bin/python bench/ledger_bench.py --database sqlite   [--count 5500] [--threads 8]
    .venv/bin/python bench/ledger_bench.py --database postgres [--count 5500] [--threads 8]

Runs on a database of its own (a SQLite file under /tmp, or the PostgreSQL database
``ms_ledger_bench``, dropped and re-created), never on the demo's. Prints figures; asserts nothing
about time.
"""

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "ms_ledger_bench"


def configure(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    else:
        var = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
        os.environ["MINSHENG_VAR_DIR"] = str(var)
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def timed(label: str, count: int, work) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"  {label:<52} {count:>7,} in {seconds:7.2f} s  = {count / seconds:>8,.0f} /s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=5500, help="transfers per phase (one per enterprise)")
    parser.add_argument("--threads", type=int, default=8, help="workers in the concurrent phase")
    args = parser.parse_args()
    configure(args.database)

    from django.db import connection

    from minsheng.ledger.bank import SimulatedBank
    from minsheng.ledger.choices import AccountKind
    from minsheng.ledger.models import Account, Transfer
    from minsheng.ledger.services import (
        account_open,
        ledger_check,
        pending_post,
        pending_settle,
        transfer_create,
    )

    n = args.count
    print(f"ledger bench on {connection.vendor}: {n:,} enterprises, {args.threads} threads")
    treasury = account_open(code="treasury", name="treasury", kind=AccountKind.TREASURY)
    budget = account_open(code="budget", name="budget", kind=AccountKind.BUDGET, debits_must_not_exceed_credits=True)
    transfer_create(key="fund", debit=treasury, credit=budget, amount=10**15)
    firms = [account_open(code=f"firm:{i}", name=f"firm {i}", kind=AccountKind.ENTERPRISE) for i in range(n)]

    def singles():
        for i, firm in enumerate(firms):
            transfer_create(key=f"single:{i}", debit=budget, credit=firm, amount=100 + i)

    def retries():
        for i, firm in enumerate(firms):
            transfer_create(key=f"single:{i}", debit=budget, credit=firm, amount=100 + i)

    reservations = []

    def reserve():
        for i, firm in enumerate(firms):
            reservation = transfer_create(key=f"grant:{i}", debit=budget, credit=firm, amount=1000 + i, pending=True)
            reservations.append(reservation)

    def post():
        for reservation in reservations:
            pending_post(key=f"{reservation.key}:post", pending=reservation)

    def settle_concurrently():
        bank = SimulatedBank(seed=1, failure_rate=0.02)

        def one(i: int):
            try:
                firm = firms[i]
                amount = 5000 + i
                reservation = transfer_create(key=f"batch:{i}", debit=budget, credit=firm, amount=amount, pending=True)
                pending_settle(pending=reservation, account_no=f"6222{i:012d}", account_name=firm.name, bank=bank)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(n)))

    timed("single transfers (one transaction each)", n, singles)
    timed("retries of the same keys (idempotent, no writes)", n, retries)
    timed("reservations (pending)", n, reserve)
    timed("posts of those reservations", n, post)
    seconds = timed(f"reserve + bank + post/void, {args.threads} threads, one budget", n, settle_concurrently)
    print(f"  {'  = transfers (reserve and close) per second':<52} {2 * n / seconds:>26,.0f} /s")

    started = time.perf_counter()
    problems = ledger_check()
    seconds = time.perf_counter() - started
    print(f"  ledger_check over {Transfer.objects.count():,} transfers, {Account.objects.count():,} accounts: "
          f"{seconds:.2f} s, {len(problems)} problems")
    for problem in problems[:10]:
        print("   ", problem)


if __name__ == "__main__":
    main()
