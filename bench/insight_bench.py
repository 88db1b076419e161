"""Insight at city scale: hotspot clustering alone, then the dashboard, a report, the public page and
the hotspot page over 1,000,000 cases on PostgreSQL.

    .venv/bin/python bench/insight_bench.py [--cases 1000000] [--runs 5] [--keep | --reuse] [--pure-only | --skip-pure]

Part 1 (pure, no database): ``hotspots.cluster`` over synthetic 30-day windows — appeals spread over
Foshan-like places (600 communities) and 60 categories, each place/category with a few topics written
in varied words — and prints the time and how many hotspots it found.

Part 2: builds the database ``ms_insight_bench`` with the appeals benchmark's own generator
(``bench/appeals_scale.py``: five months of cases shaped like Foshan's published figures, looked at on
31 October 2026 20:00), then times, as the city leader, ``selectors.dashboard``, a month's
``period_report``, ``public_figures`` and ``hotspot_list`` (30 days, community level; computed, then
as the page gets it from the cache), and prints the median and worst of --runs runs in milliseconds.
The database is dropped at the end unless --keep.
"""

import argparse
import datetime as dt
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "ms_insight_bench"

TOPICS = [
    ["路灯不亮", "晚上很黑", "行人不安全", "请尽快维修路灯"],
    ["烧烤摊占道经营", "油烟很大", "堵塞人行道", "开到凌晨"],
    ["路面坑洼", "下雨积水", "电动车容易摔倒", "请修补路面"],
    ["施工噪音", "夜间施工", "影响休息", "超时作业"],
    ["垃圾清运不及时", "垃圾桶满溢", "气味难闻", "蚊蝇多"],
    ["小区停水", "没有通知", "水压不足", "生活不便"],
]
FILLER = ["请相关部门处理", "多次反映", "希望尽快解决", "已经好几天了", "谢谢", "附近居民很多"]


def synthetic_docs(n: int, rng: random.Random):
    from minsheng.insight.hotspots import AppealDoc

    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    docs = []
    for i in range(n):
        community = rng.randrange(600)
        topic = TOPICS[rng.randrange(len(TOPICS))]
        words = rng.sample(topic, 2) + rng.sample(FILLER, 1)
        rng.shuffle(words)
        docs.append(AppealDoc(
            id=i, number=f"FS{i:08d}",
            region_path=f"/440600/44060{community % 5}/{community // 20:06d}/{community:09d}/{community:09d}01/",
            category_id=rng.randrange(60), text="，".join(words),
            registered_at=start + dt.timedelta(seconds=rng.randrange(30 * 86400))))
    return docs


def pure(sizes: list[int]) -> None:
    from minsheng.insight import hotspots

    rng = random.Random(7)
    for n in sizes:
        docs = synthetic_docs(n, rng)
        started = time.perf_counter()
        found = hotspots.cluster(docs, level="community")
        seconds = time.perf_counter() - started
        biggest = found[0].size if found else 0
        print(f"cluster (pure, numpy): {n:,} appeals in a 30-day window → {len(found):,} hotspots "
              f"(biggest {biggest}) in {seconds:.2f} s ({n / seconds:,.0f} appeals/s)")


def load_appeals_bench():
    spec = importlib.util.spec_from_file_location("appeals_scale", ROOT / "bench" / "appeals_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.DB_NAME = DB_NAME
    module.DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    return module


def timed(label: str, call, runs: int) -> None:
    call()  # warm-up (the calendar cache, the first connection)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label}: runs={runs} median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms")


def on_database(cases: int, runs: int, keep: bool, reuse: bool) -> None:
    appeals_bench = load_appeals_bench()
    if not reuse:
        appeals_bench.create_database()
    appeals_bench.setup_django()
    try:
        from django.contrib.auth import get_user_model
        from django.db import connection

        from minsheng.appeals.models import Appeal
        from minsheng.insight import selectors
        from minsheng.insight.periods import period_parse

        if reuse:
            leader = get_user_model().objects.get(username="bench-leader")
            cases = Appeal.objects.count()
            print(f"database: PostgreSQL {connection.pg_version // 10000} ({DB_NAME}, kept), cases: {cases:,}")
        else:
            started = time.perf_counter()
            ref = appeals_bench.reference_data()
            timings = appeals_bench.generate(cases, ref)
            leader = ref["leader"]
            print(f"database: PostgreSQL {connection.pg_version // 10000} ({DB_NAME}), cases: {cases:,}, "
                  f"built in {time.perf_counter() - started:.0f} s (generation {sum(timings.values()):.0f} s)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(%s))", [DB_NAME])
            print(f"database size {cursor.fetchone()[0]}")
        now = appeals_bench.NOW
        month = period_parse(f"{appeals_bench.MONTH[0]}-{appeals_bench.MONTH[1]:02d}")
        timed("dashboard, everything computed (city leader)", lambda: selectors.dashboard(user=leader, now=now),
              runs)
        timed("dashboard as the page gets it (month rates cached 5 min)",
              lambda: selectors.dashboard(user=leader), runs)
        timed(f"period report {month.code} (city)", lambda: selectors.period_report(user=leader, period=month), runs)
        timed("public figures, computed (year to date)", lambda: selectors.public_figures(year=2026, now=now), runs)
        from minsheng.insight.services import public_figures_refresh

        public_figures_refresh(year=2026)
        timed("public figures as the page gets them (the periodic task's count)",
              lambda: selectors.public_figures_latest(year=2026), runs)
        found = selectors.hotspot_list(user=leader, days=30, level="community", now=now)
        window = selectors.hotspot_docs(user=leader, since=now - dt.timedelta(days=30), until=now)
        print(f"hotspots: {len(window):,} non-inquiry cases in the 30-day window, {len(found)} shown "
              f"(biggest {found[0].hotspot.size if found else 0})")
        timed("hotspot page data, computed (30 days, community level)",
              lambda: selectors.hotspot_list(user=leader, days=30, level="community", now=now), runs)
        # The page itself asks without ``now``: cached per scope and window. The generated cases end on
        # 31 October, so a 60-day window from today holds about the last month of them.
        started = time.perf_counter()
        selectors.hotspot_list(user=leader, days=60, level="community")
        print(f"hotspot page data, first request (60 days to today): {(time.perf_counter() - started) * 1000:.0f} ms")
        timed("hotspot page data, cached (60 days to today)",
              lambda: selectors.hotspot_list(user=leader, days=60, level="community"), runs)
    finally:
        if not keep:
            appeals_bench.drop_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure a {DB_NAME} database kept earlier")
    parser.add_argument("--pure-only", action="store_true", help="only the clustering, no database")
    parser.add_argument("--skip-pure", action="store_true", help="no clustering-only part")
    args = parser.parse_args()
    if not args.skip_pure:
        pure([10_000, 60_000, 200_000])
    if not args.pure_only:
        on_database(args.cases, args.runs, args.keep or args.reuse, args.reuse)


if __name__ == "__main__":
    main()
