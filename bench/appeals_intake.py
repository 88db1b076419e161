"""Intake through the HTTP API: how many cases per second, routing and deadlines included.

    .venv/bin/python bench/appeals_intake.py --database sqlite
    .venv/bin/python bench/appeals_intake.py --database postgres   # postgres://postgres@127.0.0.1:5432/ms_appeals_bench

A fresh database is built (migrations, the working-day calendar, a small region tree, a taxonomy and a
dispatch catalogue so every complaint is routed and auto-dispatched), a call-centre API key is issued,
and gunicorn serves the real WSGI application on 127.0.0.1. Client threads then POST /api/appeals/ with
an Idempotency-Key each, over keep-alive connections, for a bounded number of cases. It prints cases/s,
latency percentiles, N and the database, then checks the stored cases (count, unique gap-free numbers).
"""

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from proc_cpu import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
PORT = 8101
PG_URL = "postgres://postgres@127.0.0.1:5432/ms_appeals_bench"


def environment(database: str) -> dict:
    env = dict(os.environ)
    env.update(SECRET_KEY="bench-only-secret-key-0123456789-abcdefghij", ALLOWED_HOSTS="127.0.0.1,localhost",
               DEBUG="0", SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false", LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="minsheng.config.settings", MINSHENG_VAR_DIR="/tmp/appeals-bench-var",
               DB_CONN_MAX_AGE="600")
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def fresh_database(database: str, env: dict) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/appeals-bench-var/minsheng.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS ms_appeals_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE ms_appeals_bench")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


SETUP = r"""
import json
from minsheng.workdays.services import calendar_seed
from minsheng.org.tests.factories import region_tree, unit, person
from minsheng.org.choices import Role
from minsheng.org.services import api_key_issue
from minsheng.appeals.services import category_create, catalogue_set

calendar_seed(first_year=2025)
regions = region_tree()
root = category_create(code="01", name="城市管理")
middle = category_create(code="0101", name="市容环境", parent=root)
leaf = category_create(code="010101", name="占道经营", parent=middle)
town_office = unit("祖庙街道办事处", code="ZM")
cgj = unit("佛山市城市管理和综合执法局", code="CGJ")
dispatcher = person(Role.DISPATCHER, username="bench-dispatcher")
catalogue_set(actor=dispatcher, category=leaf, region=regions["zumiao"], lead_unit=town_office, assist_units=[cgj])
agent = person(Role.CALL_AGENT, username="bench-agent")
_key, raw = api_key_issue(user=agent, name="bench call centre")
print("BENCH " + json.dumps({"key": raw, "region": regions["community"].code}))
"""


def setup_world(env: dict) -> dict:
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def start_server(env: dict, workers: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "minsheng.config.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(workers),
         "-k", "gthread", "--threads", str(threads), "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env)
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def database_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving the benchmark database."""
    if database != "postgres":
        return 0.0
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = 'ms_appeals_bench' AND pid <> pg_backend_pid()")]
    return cpu_seconds(pids)


def workers_cpu(server: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's worker processes (the master's children)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return cpu_seconds(int(pid) for pid in children)


def body(region: str, index: int) -> bytes:
    return json.dumps({
        "kind": "complaint", "channel": "hotline_12345", "category": "010101", "region": region,
        "content": f"祖庙路{index % 300 + 1}号门口有流动摊贩占道经营，行人只能走机动车道。",
        "caller_name": "陈先生", "caller_mobile": "13800138000", "address": "禅城区祖庙街道祖庙路",
    }, ensure_ascii=False).encode()


def run_clients(world: dict, total: int, clients: int) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))
    headers = {"Authorization": f"Bearer {world['key']}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            started = time.perf_counter()
            conn.request("POST", "/api/appeals/", body=body(world["region"], index),
                         headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


CHECK = r"""
from minsheng.appeals.models import Appeal
numbers = list(Appeal.objects.values_list("number", flat=True))
by_day = {}
for n in numbers:
    by_day.setdefault(n[2:10], []).append(int(n[-6:]))
gap_free = all(sorted(v) == list(range(1, len(v) + 1)) for v in by_day.values())
print("CHECK", len(numbers), len(set(numbers)), gap_free, Appeal.objects.filter(state="dispatched").count())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=2000, help="cases to submit")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--warmup", type=int, default=100, help="cases submitted first and not timed")
    parser.add_argument("--port", type=int, default=PORT, help="port for gunicorn on 127.0.0.1")
    args = parser.parse_args()
    globals()["PORT"] = args.port

    env = environment(args.database)
    fresh_database(args.database, env)
    world = setup_world(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = start_server(env, args.workers, args.threads)
    try:
        run_clients(world, args.warmup, args.clients)
        backends_before, workers_before, client_before = database_cpu(args.database), workers_cpu(server), \
            time.process_time()
        elapsed, latencies, statuses = run_clients(world, args.count, args.clients)
        database_seconds = database_cpu(args.database) - backends_before
        workers_seconds = workers_cpu(server) - workers_before
        client_seconds = time.process_time() - client_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cpu_per_case = server_cpu / (args.count + args.warmup) * 1000
    check = subprocess.run([sys.executable, "manage.py", "shell", "-c", CHECK], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout
    stored, unique, gap_free, dispatched = next(x for x in check.splitlines() if x.startswith("CHECK")).split()[1:]
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"appeals intake over HTTP · database={args.database} · N={args.count} (+{args.warmup} warm-up) · "
          f"{args.clients} client threads · gunicorn {args.workers} workers × {args.threads} threads")
    print(f"  {args.count / elapsed:.1f} cases/s  (elapsed {elapsed:.2f} s)")
    print(f"  latency ms: p50 {p(0.50):.1f}  p95 {p(0.95):.1f}  p99 {p(0.99):.1f}  "
          f"mean {statistics.mean(latencies) * 1000:.1f}")
    print(f"  HTTP statuses: {statuses}")
    print(f"  stored {stored}, unique numbers {unique}, gap-free per day {gap_free}, auto-dispatched {dispatched}")
    print(f"  CPU per case in the timed run: web workers {workers_seconds / args.count * 1000:.1f} ms"
          + (f", PostgreSQL backends {database_seconds / args.count * 1000:.1f} ms" if args.database == "postgres"
             else "") + f", client threads {client_seconds / args.count * 1000:.1f} ms")
    print(f"  web workers' CPU including their start-up and the warm-up: {cpu_per_case:.1f} ms per case; "
          f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
