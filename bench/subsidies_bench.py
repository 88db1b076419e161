"""Policy funds: rule evaluation over 420,000 enterprises, confirm → paid over HTTP, a batch approved and paid.

    .venv/bin/python bench/subsidies_bench.py --database postgres   [--enterprises 420000] [--batch 5500] [--port 8105]
    .venv/bin/python bench/subsidies_bench.py --database sqlite
    BENCH_PROFILE=1 … prints where the batch payment spends its time (cProfile) and its slowest SQL

1. Evaluate one policy (the gas subsidy rule) over N synthetic enterprises held as numpy columns,
   vectorised; then the per-enterprise trace of one of them.
2. Confirm → paid for one enterprise through the HTTP API (a real socket, a WSGI server on
   127.0.0.1:``--port``, an API key), simulated bank at zero latency.
3. Approve and pay a batch of confirmed grants (default 5,500), then check every invariant:
   ledger_check(), no grant paid twice at the bank, the budget not overrun.

Runs on a database of its own (a SQLite file under /tmp or the PostgreSQL database
``ms_subsidies_bench``, dropped and re-created). Prints figures; asserts nothing about time.
"""

import argparse
import gc
import json
import os
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from proc_cpu import backend_cpu_seconds
from scratch_database import django_on_scratch_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "ms_subsidies_bench"
PORT = 8105


# --- 1. vectorised evaluation ------------------------------------------------------------------------

def synthetic_population(n: int, seed: int = 1):
    from minsheng.subsidies import rules

    rng = np.random.default_rng(seed)
    divisions = np.array([f"{d:02d}" for d in range(13, 44)] + ["51", "52", "65", "72", "54"])
    industry = np.char.add(rng.choice(divisions, n), rng.choice(["10", "21", "60", "90"], n))
    section = np.where(np.char.startswith(industry, "5") | np.char.startswith(industry, "6")
                       | np.char.startswith(industry, "7"), "F", "C")
    districts = np.array(["440604", "440605", "440606", "440607", "440608"])
    names = dict(zip(districts, ["禅城区", "南海区", "顺德区", "三水区", "高明区"], strict=True))
    district_code = rng.choice(districts, n)
    population = rules.Population(
        ids=np.arange(1, n + 1, dtype=np.int64),
        scale=np.where(rng.random(n) < 0.2, "规上", "规下"),
        industry=industry, section=section, district_code=district_code,
        district_name=np.vectorize(names.get)(district_code).astype("U20"),
        registered_year=rng.integers(1990, 2026, n),
    )
    gas = (rng.lognormal(11.8, 1.0, n) * 100).astype(np.int64)
    population.facts[("gas_m3", "2025")] = (gas, rng.random(n) < 0.6)
    return population


def bench_evaluation(n: int) -> dict:
    from minsheng.subsidies import rules

    rule = rules.parse_rule(
        'clause 规上工业企业: scale == "规上" and industry in ["C"]\n'
        'clause 用气量达标: fact("gas_m3") >= 100000\n'
        'amount: min(fact("gas_m3") * 0.2, 500000)',
        facts={"gas_m3": "year"}, period="2025")
    started = time.perf_counter()
    population = synthetic_population(n)
    built = time.perf_counter() - started
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        result = rules.evaluate(rule, population, cap=50_000_000)
        runs.append(time.perf_counter() - started)
    index = int(np.flatnonzero(result.eligible)[0])
    started = time.perf_counter()
    rules.trace(rule, population, index)
    traced = time.perf_counter() - started
    figures = {"enterprises": n, "eligible": int(result.eligible.sum()), "total_yuan": int(result.amount.sum()) // 100,
               "evaluate_best_s": min(runs), "evaluate_median_s": sorted(runs)[2], "trace_ms": traced * 1000,
               "columns_built_s": built}
    print(f"1. evaluate one policy over {n:,} enterprises (numpy columns in memory):")
    print(f"   best {min(runs):.3f} s, median {sorted(runs)[2]:.3f} s of 5 runs; "
          f"{figures['eligible']:,} eligible, {figures['total_yuan']:,} yuan; one trace {traced * 1000:.1f} ms "
          f"(columns generated in {built:.1f} s)")
    return figures


# --- shared set-up -----------------------------------------------------------------------------------

def world(batch: int):
    """A published gas policy and ``batch`` eligible enterprises with offers, plus one with a user."""
    from datetime import date

    from minsheng.identifiers import uscc_complete
    from minsheng.org.choices import RegionLevel, Role
    from minsheng.org.services import membership_grant, region_create, user_create
    from minsheng.subsidies import services
    from minsheng.subsidies.models import Enterprise, EnterpriseFact, FactDefinition, Industry

    city = region_create(code="440600", division_code="440600", name="佛山市", level=RegionLevel.CITY)
    district = region_create(code="440606", division_code="440606", name="顺德区", level=RegionLevel.DISTRICT,
                             parent=city)
    users = {}
    for name, role in (("author", Role.FUNDS_OFFICER), ("approver", Role.FUNDS_OFFICER), ("owner", Role.ENTERPRISE)):
        users[name] = user_create(username=f"bench-{name}", password="bench-password-2026", display_name=name,
                                  check_password=False)
        membership_grant(user=users[name], role=role)
    industry = Industry.objects.get(code="38")
    gas = FactDefinition.objects.get(name="gas_m3")
    enterprises = [Enterprise(uscc=uscc_complete(f"91440606MA{i:07d}"), name=f"基准企业{i}", region=district,
                              district=district, industry_code="3850", industry=industry, scale="规上",
                              registered_on=date(2015, 1, 1)) for i in range(1, batch + 2)]
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    enterprises = list(Enterprise.objects.order_by("id"))
    EnterpriseFact.objects.bulk_create([EnterpriseFact(enterprise=e, definition=gas, period="2025",
                                                       value=200_000 + e.pk) for e in enterprises], batch_size=5000)
    services.enterprise_link_user(enterprise=enterprises[0], user=users["owner"])
    account = services.receiving_account_request(enterprise=enterprises[0], user=users["owner"], bank_name="bench",
                                                 account_no="6222020200112233445", account_name=enterprises[0].name)
    services.receiving_account_decide(account=account, actor=users["approver"], approve=True)
    version = services.policy_create(
        code="bench-gas", name="基准用气补贴", mode="auto_grant", actor=users["author"], period="2025",
        rule_text='clause 规上工业企业: scale == "规上" and industry in ["C"]\n'
                  'clause 用气量达标: fact("gas_m3") >= 100000\namount: min(fact("gas_m3") * 0.2, 500000)',
        budget=(batch + 1) * 50_000_00, legal_reference="bench")
    version = services.policy_publish(version=version, approver=users["approver"], reviewed_hash=version.terms_hash)
    started = time.perf_counter()
    matched = services.policy_match(version=version)
    print(f"   set-up: {len(enterprises):,} enterprises; match (evaluate + offers with traces) "
          f"{matched.offered:,} offers in {time.perf_counter() - started:.2f} s")
    return version, users, enterprises[0]


# --- 2. confirm → paid over HTTP ---------------------------------------------------------------------

def bench_http_confirm(users, enterprise, port: int = PORT) -> float:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    from minsheng.org.services import api_key_issue
    from minsheng.subsidies.models import Grant

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", port, get_wsgi_application(), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _key, raw = api_key_issue(user=users["owner"], name="bench")
    grant = Grant.objects.get(enterprise=enterprise)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/subsidies/grants/{grant.pk}/confirm", method="POST",
        data=json.dumps({"bank_account_no": "6222020200112233445"}).encode(),
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json", "Host": "127.0.0.1"})
    warm_up = urllib.request.Request(f"http://127.0.0.1:{port}/api/subsidies/grants?limit=1",
                                     headers={"Authorization": f"Bearer {raw}", "Host": "127.0.0.1"})
    with urllib.request.urlopen(warm_up) as response:  # first request imports the URL conf and API
        response.read()
    started, cpu = time.perf_counter(), time.process_time()
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server.shutdown()
    print(f"2. confirm → paid through the HTTP API: {seconds * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU in the "
          f"app process (state: {body['state']})")
    return seconds


# --- 3. a batch approved and paid ----------------------------------------------------------------------

def bench_batch(version, batch: int) -> dict:
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from minsheng.ledger import batches as ledger_batches
    from minsheng.ledger.bank import SimulatedBank
    from minsheng.ledger.choices import AccountKind
    from minsheng.ledger.services import account_balance, ledger_check
    from minsheng.subsidies import services
    from minsheng.subsidies.choices import GrantState
    from minsheng.subsidies.models import Grant, GrantEvent

    grants = list(Grant.objects.filter(policy=version.policy, state=GrantState.OFFERED).select_related("enterprise")
                  .order_by("id")[:batch])
    now = timezone.now()
    for grant in grants:  # each enterprise's own confirmation, in bulk (not what is measured)
        grant.state, grant.confirmed_at = GrantState.CONFIRMED, now
        grant.bank_account_no, grant.bank_account_name = "6222020200112233445", "bench"
    Grant.objects.bulk_update(grants, ["state", "confirmed_at", "bank_account_no", "bank_account_name"],
                              batch_size=2000)
    GrantEvent.objects.bulk_create([GrantEvent(grant=g, from_state="offered", to_state="confirmed") for g in grants],
                                   batch_size=5000)
    # confirming opens the enterprise's ledger account (one batch here: set-up, not measured)
    ledger_batches.account_open_batch(accounts=[
        ledger_batches.AccountSpec(code=f"enterprise:{g.enterprise.uscc}", name=g.enterprise.name,
                                   kind=AccountKind.ENTERPRISE) for g in grants])
    count = len(grants)
    # The set-up's 5,500 grants (with their traces) are not what a payment worker holds in memory:
    # drop them and start the timed part from a collected heap, so that the garbage collector's
    # passes during the batch walk what the batch itself keeps.
    del grants
    gc.collect()
    bank = SimulatedBank(seed=1)
    db_cpu = backend_cpu_seconds(connection)
    cpu = time.process_time()
    started = time.perf_counter()
    approved = services.grant_batch_approve(policy=version.policy)
    approve_s = time.perf_counter() - started
    approve_cpu = time.process_time() - cpu
    approve_db_cpu = (backend_cpu_seconds(connection) - db_cpu) if db_cpu is not None else None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats
        timings = []

        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - began, sql[:150]))

        profiler = cProfile.Profile()
        with connection.execute_wrapper(timed):
            paid = profiler.runcall(services.grant_batch_pay, policy=version.policy, bank=bank)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
        for seconds, sql in sorted(timings, reverse=True)[:40]:
            print(f"   {seconds * 1000:7.1f} ms  {sql}")
    else:
        paid = services.grant_batch_pay(policy=version.policy, bank=bank)
    total_s = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db_cpu = (backend_cpu_seconds(connection) - db_cpu) if db_cpu is not None else None
    problems = ledger_check()
    balance = account_balance(services.budget_account(policy=version.policy, year=version.period))
    paid_sum = Grant.objects.filter(policy=version.policy, state=GrantState.PAID).aggregate(s=Sum("amount"))["s"] or 0
    twice = [ref for ref, n in bank.moves.items() if n != 1]
    print(f"3. approve + pay a batch of {count:,}: approve {approve_s:.2f} s, pay {total_s - approve_s:.2f} s, "
          f"total {total_s:.2f} s = {count / total_s:,.0f} grants/s; CPU per grant "
          f"{cpu / count * 1000:.3f} ms app" + (f" + {db_cpu / count * 1000:.3f} ms PostgreSQL" if db_cpu else "") + " "
          f"({approved.approved:,} approved, {paid.paid:,} paid, {paid.failed} failed)")
    print(f"   CPU: {cpu:.2f} s in the app process" + (f" + {db_cpu:.2f} s in its PostgreSQL backend" if db_cpu else "")
          + f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs); approve {approve_cpu:.2f} s app"
          + (f" + {approve_db_cpu:.2f} s PostgreSQL" if db_cpu else "") + f", pay {cpu - approve_cpu:.2f} s app"
          + (f" + {db_cpu - approve_db_cpu:.2f} s PostgreSQL" if db_cpu else ""))
    print(f"   invariants: ledger_check() {'OK' if not problems else problems[:3]}; paid twice at the bank: "
          f"{len(twice)}; budget {balance.posted_credits // 100:,} yuan, spent {balance.posted_debits // 100:,}, "
          f"reserved {balance.pending_debits // 100:,}; ledger posted == grants paid: "
          f"{balance.posted_debits == paid_sum}")
    return {"approve_s": approve_s, "total_s": total_s, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--enterprises", type=int, default=420_000)
    parser.add_argument("--batch", type=int, default=5500)
    parser.add_argument("--port", type=int, default=PORT, help="for the HTTP step's server on 127.0.0.1")
    args = parser.parse_args()
    django_on_scratch_database(args.database, name=DATABASE_NAME)
    from django.db import connection

    print(f"subsidies bench on {connection.vendor} ({os.cpu_count()} CPUs)")
    bench_evaluation(args.enterprises)
    version, users, first = world(args.batch)
    bench_http_confirm(users, first, args.port)
    bench_batch(version, args.batch)


if __name__ == "__main__":
    main()
