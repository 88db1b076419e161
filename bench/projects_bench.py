"""Benchmark for livelihood projects: import and export a 10,000-project workbook, and the statistics
page over 10,000 projects × 12 monthly snapshots. Prints figures; asserts nothing.

    # SQLite (a scratch file under /tmp):
    MINSHENG_VAR_DIR=/tmp/projects-bench DEBUG=1 .venv/bin/python bench/projects_bench.py
    # PostgreSQL (the database is wiped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ms_projects DEBUG=1 .venv/bin/python bench/projects_bench.py

Options: --projects N (default 10000), --runs N (statistics repetitions, default 40),
--export-only (reuse the loaded database; time the export --runs times, with the PostgreSQL
backend's CPU time when the server is on this machine).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from proc_cpu import backend_cpu_seconds  # noqa: E402

from minsheng.org.choices import Role  # noqa: E402
from minsheng.org.models import Unit  # noqa: E402
from minsheng.org.tests.factories import person, region_tree, unit  # noqa: E402
from minsheng.projects import excel, services  # noqa: E402
from minsheng.projects.choices import ProjectStatus, WarningLevel  # noqa: E402
from minsheng.projects.models import MonthlySnapshot, Project, ProjectList  # noqa: E402
from minsheng.projects.stats import project_statistics  # noqa: E402
from minsheng.projects.workbook import list_export, project_import  # noqa: E402
from minsheng.workdays.services import calendar_seed  # noqa: E402

UNITS = [("FS-JYJ", "佛山市教育局"), ("FS-ZJJ", "佛山市住房和城乡建设局"), ("FS-JTJ", "佛山市交通运输局"),
         ("FS-STJ", "佛山市生态环境局"), ("FS-MZJ", "佛山市民政局"), ("FS-WJJ", "佛山市卫生健康局"),
         ("FS-CGJ", "佛山市城市管理和综合执法局"), ("FS-ZRJ", "佛山市自然资源局")]
TITLES = ["新建公办幼儿园", "老旧小区改造", "黑臭水体治理", "打通断头路", "长者饭堂建设", "公厕提升改造",
          "污水管网建设",
          "新增公共停车位", "社区卫生服务中心建设", "加装电梯"]


def fresh_database() -> None:
    with override_settings(MINSHENG_ALLOW_WIPE=True):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("flush", verbosity=0, interactive=False)
    calendar_seed(first_year=2024)


def build_workbook(count: int, year: int, districts: list[str], rng: random.Random) -> bytes:
    projects, milestones, indicators = [], [], []
    for number in range(1, count + 1):
        code = f"B{year}-{number:05d}"
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 60))
        end = dt.date(year, 12, 31)
        lead = UNITS[number % len(UNITS)][0]
        projects.append({"code": code, "title": f"{TITLES[number % len(TITLES)]}（第{number}号）",
                         "content": "按计划推进，逐月报告。", "lead_unit": lead,
                         "co_units": UNITS[(number + 1) % len(UNITS)][0],
                         "region": districts[number % len(districts)],
                         "start_date": start, "end_date": end, "status": "in_progress"})
        for index, month in enumerate((4, 8, 12), start=1):
            milestones.append({"project_code": code, "title": f"第{index}阶段", "due_date": dt.date(year, month, 20),
                               "weight": index, "done_at": dt.date(year, month, 15) if month < 9 else None})
        indicators.append({"project_code": code, "name": "完成工程量", "unit": "%", "baseline": 0, "target": 100,
                           "actual": rng.randrange(20, 90)})
        indicators.append({"project_code": code, "name": "惠及群众", "unit": "人", "baseline": 0, "target": 5000,
                           "actual": rng.randrange(1000, 4000)})
    return excel.write_workbook(projects, milestones, indicators)


def snapshots(months: int, today: dt.date, rng: random.Random) -> int:
    ids = list(Project.objects.values_list("pk", flat=True))
    rows = []
    month = today.replace(day=1)
    for _ in range(months):
        for pk in ids:
            status = rng.choices([ProjectStatus.COMPLETED, ProjectStatus.IN_PROGRESS, ProjectStatus.NOT_STARTED],
                                 [4, 5, 1])[0]
            warning = rng.choices([WarningLevel.GREEN, WarningLevel.YELLOW, WarningLevel.RED], [8, 1, 1])[0]
            rows.append(MonthlySnapshot(project_id=pk, month=month, status=status, progress=rng.random(),
                                        warning=warning))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    MonthlySnapshot.objects.bulk_create(rows, batch_size=5000)
    for month in {row.month for row in rows}:
        services.monthly_figures_write(month=month)
    return len(rows)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def timed(function):
    """(result, wall seconds, this process's CPU seconds): on a shared machine the two differ a lot."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def backend_cpu() -> float | None:
    return backend_cpu_seconds(connection)


def time_export(officer, project_list, runs: int) -> None:
    walls, cpus, server = [], [], []
    for _ in range(runs):
        before = backend_cpu()
        exported, wall, cpu = timed(lambda: list_export(user=officer, project_list=project_list))
        after = backend_cpu()
        walls.append(wall)
        cpus.append(cpu)
        if before is not None and after is not None:
            server.append(after - before)
    database = f" + PostgreSQL {statistics.median(server):.2f} s" if server else ""
    print(f"  export ×{runs}: median {statistics.median(walls):5.2f} s, best {min(walls):5.2f} s "
          f"[cpu median {statistics.median(cpus):5.2f} s{database}]   target < 10 s   "
          f"{len(exported) / 2**20:.1f} MB   load average {os.getloadavg()[0]:.1f}")


def time_statistics(leader, today: dt.date, runs: int) -> None:
    walls, cpus = [], []
    for _ in range(runs):
        _result, wall, cpu = timed(lambda: project_statistics(user=leader, today=today))
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
    print(f"  statistics (selector):  p50 {statistics.median(walls):6.1f} ms   p95 {p95(walls):6.1f} ms   "
          f"[cpu p95 {p95(cpus):6.1f} ms]")
    client = Client()
    client.force_login(leader)
    walls, cpus = [], []
    for _ in range(runs):
        response, wall, cpu = timed(lambda: client.get("/projects/stats/"))
        assert response.status_code == 200
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
    print(f"  statistics page (HTTP): p50 {statistics.median(walls):6.1f} ms   p95 {p95(walls):6.1f} ms   "
          f"[cpu p95 {p95(cpus):6.1f} ms]   target p95 < 200 ms on PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--stats-only", action="store_true", help="reuse the loaded database; time statistics")
    parser.add_argument("--export-only", action="store_true", help="reuse the loaded database; time the export")
    args = parser.parse_args()
    rng = random.Random(4)
    database = f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"projects bench on {database}: {args.projects:,} projects, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (wall time, with this process's CPU time in brackets)")

    if args.export_only:
        from django.contrib.auth import get_user_model

        time_export(get_user_model().objects.get(username="bench-officer"),
                    ProjectList.objects.get(name="基准清单"), args.runs)
        return
    if args.stats_only:
        from django.contrib.auth import get_user_model

        for month in MonthlySnapshot.objects.values_list("month", flat=True).distinct():
            services.monthly_figures_write(month=month)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE projects_monthlysnapshot")
        time_statistics(get_user_model().objects.get(username="bench-leader"), dt.date(2026, 11, 28), args.runs)
        return
    fresh_database()
    regions = region_tree()
    for code, name in UNITS:
        unit(name, code=code)
    officer = person(Role.PROJECT_OFFICER, username="bench-officer")
    leader = person(Role.LEADER, username="bench-leader")
    level = services.list_level_create(code="city_units", name="市直单位民生实事")
    today = dt.date(2026, 11, 28)
    project_list = services.project_list_create(actor=officer, year=2026, level=level, name="基准清单",
                                                owner_unit=Unit.objects.get(code="FS-ZJJ"))

    districts = [regions["chancheng"].code, regions["shunde"].code]
    data, wall, cpu = timed(lambda: build_workbook(args.projects, 2026, districts, rng))
    print(f"  workbook: {len(data) / 2**20:.1f} MB, {args.projects:,} projects, {args.projects * 3:,} milestones, "
          f"{args.projects * 2:,} indicators (generated in {wall:.1f} s [{cpu:.1f} s])")

    def run_import():
        return project_import(actor=officer, project_list=project_list, data=data, dry_run=False, today=today)

    report, wall, cpu = timed(lambda: project_import(actor=officer, project_list=project_list, data=data,
                                                     dry_run=True, today=today))
    assert report.ok, report.problems[:5]
    print(f"  import, dry run:   {wall:6.1f} s [{cpu:5.1f} s]")
    report, wall, cpu = timed(run_import)
    print(f"  import, applied:   {wall:6.1f} s [{cpu:5.1f} s]   target < 30 s   created {report.created:,}")
    report, wall, cpu = timed(run_import)
    print(f"  re-import, same:   {wall:6.1f} s [{cpu:5.1f} s]   unchanged {report.unchanged:,}, "
          f"created {report.created}")
    exported, wall, cpu = timed(lambda: list_export(user=officer, project_list=project_list))
    print(f"  export:            {wall:6.1f} s [{cpu:5.1f} s]   target < 10 s   {len(exported) / 2**20:.1f} MB")

    count = snapshots(12, today, rng)
    if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE projects_monthlysnapshot")
            cursor.execute("ANALYZE projects_project")
    print(f"  snapshots: {count:,} ({args.projects:,} projects × 12 months)")
    time_statistics(leader, today, args.runs)


if __name__ == "__main__":
    main()
