"""Benchmark: build the article's campaign (the full projects demo, 9,482 projects as of the article's date)
and time the statistics page over it. Prints figures; asserts nothing.

    # SQLite (a scratch file under /tmp):
    MINSHENG_VAR_DIR=/tmp/campaign-bench DEBUG=1 .venv/bin/python bench/projects_campaign_bench.py
    # PostgreSQL (the database is wiped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ms_campaign DEBUG=1 \
        .venv/bin/python bench/projects_campaign_bench.py

Options: --runs N (statistics page requests, default 40), --scale small|full (default full),
--stats-only (reuse the built database). Targets: the build < 2 minutes; the page p95 < 200 ms.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from projects_bench import backend_cpu, p95, timed  # noqa: E402

from minsheng.org import demo as org_demo  # noqa: E402
from minsheng.projects import demo as projects_demo  # noqa: E402
from minsheng.projects.demo.catalogue import ARTICLE_DATE  # noqa: E402
from minsheng.projects.models import Indicator, Milestone, MonthlySnapshot, Project, ProjectEvent  # noqa: E402
from minsheng.projects.stats import project_statistics  # noqa: E402
from minsheng.workdays.services import calendar_seed  # noqa: E402


def fresh_database() -> None:
    with override_settings(MINSHENG_ALLOW_WIPE=True):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("flush", verbosity=0, interactive=False)
    calendar_seed(first_year=ARTICLE_DATE.year - 1)


def build(scale: str) -> None:
    fresh_database()
    rng = random.Random(20261128)
    foshan = org_demo.load(stdout=io.StringIO(), rng=rng, scale=scale)
    before = backend_cpu()
    out = io.StringIO()
    _result, wall, cpu = timed(lambda: projects_demo.load(stdout=out, rng=rng, scale=scale, foshan=foshan))
    after = backend_cpu()
    server = f" + PostgreSQL {after - before:.1f} s" if before is not None and after is not None else ""
    print(f"  build ({scale}): {wall:6.1f} s wall [cpu {cpu:.1f} s{server}]   target < 120 s   "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  {out.getvalue().strip()}")
    print(f"  rows: projects {Project.objects.count():,}, milestones {Milestone.objects.count():,}, "
          f"indicators {Indicator.objects.count():,}, events {ProjectEvent.objects.count():,}, "
          f"snapshots {MonthlySnapshot.objects.count():,}")


def figures(leader, year: int) -> None:
    stats = project_statistics(user=leader, year=year)
    t = stats["totals"]
    print(f"  {year}: listed {t['listed']:,}, completed {t['completed']:,}, in progress {t['in_progress']:,}, "
          f"red {t['red']:,}, yellow {t['yellow']:,}, was lagging {t['was_lagging']:,}")
    for row in stats["by_level"]:
        print(f"    {row['name']}: {row['listed']:,} projects, {row['topics']} research topics, "
              f"{row['categories']} categories, {row['types']} types, {row['lead_units']} lead units")
    for programme in stats["programmes"]:
        parts = [f"{g['name']} {g['count']} 项 目标 {g['target']:,.0f} 完成 {g['actual']:,.0f}"
                 for g in programme["groups"]]
        parts += [f"{i['name']} {i['actual']:,.0f}/{i['target']:,.0f}{i['unit']} ({i['completion']:.0%})"
                  for i in programme["indicators"]]
        print(f"    {programme['title']}: " + "; ".join(parts))


def time_page(leader, year: int, runs: int) -> None:
    client = Client()
    client.force_login(leader)
    for query in (f"?year={year}", ""):
        client.get(f"/projects/stats/{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")  # warm-up: templates, caches
        walls, cpus = [], []
        for _ in range(runs):
            response, wall, cpu = timed(lambda q=query: client.get(f"/projects/stats/{q}",
                                                                   HTTP_ACCEPT_LANGUAGE="zh-hans"))
            assert response.status_code == 200
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
        walls.sort()
        print(f"  statistics page{query or ' (all years)'} ×{runs}: p50 {walls[len(walls) // 2]:6.1f} ms   "
              f"p95 {p95(walls):6.1f} ms   [cpu p50 {sorted(cpus)[len(cpus) // 2]:6.1f} ms, p95 {p95(cpus):6.1f} ms]"
              f"   target p95 < 200 ms   load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    parser.add_argument("--stats-only", action="store_true")
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), CPUs: {os.cpu_count()}")
    if not args.stats_only:
        build(args.scale)
    leader = get_user_model().objects.get(username="leader")
    year = ARTICLE_DATE.year if args.scale == "full" else time.localtime().tm_year
    figures(leader, year)
    time_page(leader, year, args.runs)


if __name__ == "__main__":
    main()
