"""Bank reconciliation at scale: N payments sent to clearing, then one statement of N lines imported,
matched and settled.

    .venv/bin/python bench/ledger_reconcile.py --database postgres [--lines 100000] [--format csv|camt053]
    .venv/bin/python bench/ledger_reconcile.py --database sqlite   [--lines 100000] [--format csv|camt053]

1. Set-up: E enterprise accounts funded from the treasury; N payments paid by the simulated bank and
   recorded with ``payment_sent_batch`` in batches of 5,500 (the policy-funds batch size: its time
   per batch is what the payment run pays for reconciliation).
2. The simulated bank writes one statement: a debit per payment except a few left for later
   (``--missing``), a few lines repeated (``--duplicates``), a few payments returned
   (``--returns``) and a few lines nobody sent (``--unknown``).
3. ``statement_import``: parse, match, settle, queue — wall time, CPU seconds of this process and of
   its PostgreSQL backend, per 1,000 lines. Then the same file again (idempotent), and the checks.

Runs on a database of its own (a SQLite file under /tmp or the PostgreSQL database
``ms_reconcile_bench``, dropped and re-created). Prints figures; asserts nothing about time.
"""

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import time

from proc_cpu import backend_cpu_seconds
from scratch_database import django_on_scratch_database

DATABASE_NAME = "ms_reconcile_bench"
SENT_BATCH = 5500


class Meter:
    """Wall time, this process's CPU and (PostgreSQL) its backend's CPU over a block."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.db = backend_cpu_seconds(self.connection)
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        after = backend_cpu_seconds(self.connection)
        self.db = after - self.db if after is not None and self.db is not None else None

    def line(self, label: str, count: int, unit: str = "lines") -> str:
        per = 1000 / count if count else 0
        db = f" + {self.db:6.2f} s PostgreSQL" if self.db is not None else ""
        db_per = f" + {self.db * per:5.3f} s" if self.db is not None else ""
        return (f"  {label:<44} {count:>8,} {unit} in {self.wall:7.2f} s wall; CPU {self.cpu:6.2f} s app{db}"
                f"  (per 1,000: {self.wall * per:5.3f} s wall, {self.cpu * per:5.3f} s app{db_per})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--lines", type=int, default=100_000, help="payments sent = lines on the statement")
    parser.add_argument("--enterprises", type=int, default=5500)
    parser.add_argument("--format", choices=["csv", "camt053"], default="csv")
    parser.add_argument("--missing", type=float, default=0.003, help="share of payments left off the statement")
    parser.add_argument("--duplicates", type=float, default=0.002, help="share of lines repeated")
    parser.add_argument("--returns", type=float, default=0.005, help="share of payments returned")
    parser.add_argument("--unknown", type=int, default=100, help="lines that match no payment")
    parser.add_argument("--profile", action="store_true", help="print where the import spends its time (cProfile)")
    parser.add_argument("--sql", action="store_true", help="print the import's slowest SQL statements")
    args = parser.parse_args()
    django_on_scratch_database(args.database, name=DATABASE_NAME)

    from django.db import connection
    from django.test.utils import override_settings

    from minsheng.ledger.bank import SimulatedBank
    from minsheng.ledger.batches import AccountSpec, TransferRequest, account_open_batch, transfer_batch
    from minsheng.ledger.choices import AccountKind
    from minsheng.ledger.models import BankPayment, ReconciliationException, StatementLine
    from minsheng.ledger.reconciliation.formats import (
        StatementLineData,
        statement_camt053_write,
        statement_csv_write,
        statement_parse,
    )
    from minsheng.ledger.reconciliation.imports import statement_import
    from minsheng.ledger.reconciliation.queue import reconciliation_check
    from minsheng.ledger.reconciliation.sent import PaymentSentRequest, payment_sent_batch
    from minsheng.ledger.services import account_open, ledger_check

    n, e = args.lines, args.enterprises
    rng = random.Random(2026)
    print(f"reconciliation bench on {connection.vendor}: {n:,} payments / statement lines ({args.format}), "
          f"{e:,} enterprises; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    started = time.perf_counter()
    treasury = account_open(code="treasury:city", name="市财政", kind=AccountKind.TREASURY)
    opened = account_open_batch(accounts=[AccountSpec(code=f"enterprise:{i:06d}", name=f"企业{i}",
                                                      kind=AccountKind.ENTERPRISE) for i in range(e)])
    firms = [opened[f"enterprise:{i:06d}"] for i in range(e)]
    print(f"  {'set-up: open the enterprise accounts':<44} {e:>8,} accounts in "
          f"{time.perf_counter() - started:7.2f} s")
    with Meter(connection) as funded:
        transfer_batch(requests=[TransferRequest(key=f"grant:{i}", debit=treasury, credit=firm, amount=10**12)
                                 for i, firm in enumerate(firms)])
    print(funded.line("for comparison: transfer_batch (funding)", e, "transfers"))

    bank = SimulatedBank(seed=2026)
    payments = []
    for i in range(n):
        firm = firms[i % e]
        amount = rng.randint(1_000_00, 5_000_000_00)
        reference = f"grant:{i % 97}:{i}:2026"
        bank.pay(reference=reference, account_no=f"6222{i:012d}", account_name=firm.name, amount=amount)
        payments.append(PaymentSentRequest(key=f"{reference}:sent", source=firm, amount=amount, reference=reference,
                                           payee_account_no=f"6222{i:012d}", payee_name=firm.name))
    batches = []
    with Meter(connection) as sent:
        for start in range(0, n, SENT_BATCH):
            with Meter(connection) as one:
                outcomes = payment_sent_batch(requests=payments[start:start + SENT_BATCH])
            batches.append(one)
            assert all(outcome.ok for outcome in outcomes), outcomes[0].error
    print(sent.line("payment_sent_batch, batches of 5,500", n, "payments"))
    full = [b for b in batches[1:] if b.wall] or batches  # the first batch also opens the clearing account
    wall = sorted(b.wall for b in full)[len(full) // 2]
    cpu = sorted(b.cpu for b in full)[len(full) // 2]
    db = sorted(b.db for b in full)[len(full) // 2] if full[0].db is not None else None
    print(f"  {'  one batch of 5,500 (median)':<44} {SENT_BATCH:>8,} payments in {wall:7.2f} s wall; CPU "
          f"{cpu:6.2f} s app" + (f" + {db:6.2f} s PostgreSQL" if db is not None else ""))

    references = [p.reference for p in payments]
    missing = set(rng.sample(references, int(n * args.missing)))
    present = [r for r in references if r not in missing]
    duplicates = set(rng.sample(present, int(n * args.duplicates)))
    returns = rng.sample(present, int(n * args.returns))
    value_date = dt.date.today()
    lines = bank.statement(value_date=value_date, missing=missing, duplicates=duplicates, returns=returns)
    lines += [StatementLineData(len(lines) + k + 1, value_date, "", rng.randint(1_00, 100_00), "debit", f"FEE{k}",
                                remark="手续费") for k in range(args.unknown)]
    if args.format == "csv":
        content = statement_csv_write(lines)
    else:
        content = statement_camt053_write(statement_id="BENCH-1", account_no="44050100000000000001", lines=lines,
                                          created_at=dt.datetime.now(dt.UTC))
    size_mb = len(content) / 1024 / 1024
    print(f"  statement: {len(lines):,} lines, {size_mb:.1f} MB {args.format} ({len(missing):,} payments left off, "
          f"{len(duplicates):,} repeated, {len(returns):,} returned, {args.unknown:,} unknown)")

    limits = {"MINSHENG_STATEMENT_MAX_BYTES": max(len(content) + 1, 128 * 1024 * 1024),
              "MINSHENG_STATEMENT_MAX_LINES": max(len(lines), 200_000)}
    with override_settings(**limits):
        with Meter(connection) as parse:
            statement_parse(content)
        print(parse.line("parse only (statement_parse)", len(lines)))
        profiler = cProfile.Profile() if args.profile else None
        statements: list[tuple[float, str]] = []

        def timed_sql(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - started, sql[:110]))

        with Meter(connection) as imported, connection.execute_wrapper(timed_sql if args.sql else _passthrough):
            if profiler:
                profiler.enable()
            result = statement_import(content=content, file_name=f"bench.{args.format}")
            if profiler:
                profiler.disable()
        print(imported.line("import: parse + match + settle + queue", len(lines)))
        with Meter(connection) as again:
            repeat = statement_import(content=content)
        print(again.line("the same file again (nothing written)", len(lines)))
    if args.sql:
        print(f"  {len(statements)} SQL statements, {sum(s for s, _ in statements):.2f} s; the slowest:")
        for seconds, sql in sorted(statements, reverse=True)[:15]:
            print(f"    {seconds:6.3f} s  {sql}")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(f"  outcome: {result.settled:,} settled, {result.returned:,} returned, {result.exceptions:,} lines on the "
          f"queue; again: created={repeat.created}")

    started = time.perf_counter()
    problems = ledger_check() + reconciliation_check()
    print(f"  checks: ledger_check + reconciliation_check in {time.perf_counter() - started:.2f} s, "
          f"{len(problems)} problems; {StatementLine.objects.count():,} lines, "
          f"{BankPayment.objects.filter(state='outstanding').count():,} payments still outstanding, "
          f"{ReconciliationException.objects.filter(state='open').count():,} open exceptions")
    for problem in problems[:10]:
        print("   ", problem)


def _passthrough(execute, sql, params, many, context):
    return execute(sql, params, many, context)


if __name__ == "__main__":
    main()
