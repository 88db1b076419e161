"""Appeals at city scale: 1,000,000 cases on PostgreSQL, then the unit inbox and a month's metrics.

    .venv/bin/python bench/appeals_scale.py [--cases 1000000] [--requests 50] [--keep]

Creates the database ``ms_bench`` (dropped again at the end unless --keep), migrates it, loads the
Foshan regions and units, and generates the cases server-side with ``INSERT … SELECT`` over
``generate_series`` (the bulk path: no Python per row). Five months of cases (1 June – 31 October
2026, looked at on 31 October 20:00), shaped like the published figures: 70% inquiries (85% of them
answered at first contact), 29.5% requests/complaints/reports, 0.45% suggestions; deadlines from
the real working-day calendar and the real deadline policy; lead legs (and 5% assist legs) with
their signing and handling times, callbacks with 90% reached, satisfaction ~98%, some late cases.
Events are not generated (neither the inbox nor the metrics read them).

Then it rolls the metrics up (``rollup.metrics_rollup_refresh`` over the whole history, timed) and
times, over --requests requests each after a warm-up, through Django's test client (URL routing, the
scoped selectors, the template or JSON): a unit handler's inbox page (``appeals:unit_inbox``, the
busiest unit), the metrics of one month city-wide (every day counted live, then from the roll-up:
the function, the API and the statistics page), the refresh of one dirty day, and prints N, the
database and p50/p95 in milliseconds.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from proc_cpu import backend_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "ms_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = dt.date(2026, 6, 1)
DAYS = 153  # June to October 2026
NOW = dt.datetime(2026, 10, 31, 20, 0, tzinfo=TZ)
MONTH = (2026, 9)

KINDS = [("inquiry", 0.70), ("request", 0.835), ("complaint", 0.955), ("report", 0.9955), ("suggestion", 1.0)]
CHANNELS = [("hotline_12345", 0.45), ("mayor_line", 0.60), ("hotline_12319", 0.68), ("wechat", 0.80),
            ("web", 0.88), ("app", 0.95), ("open311", 0.96), ("letter", 0.97), ("visit", 1.0)]
TAXONOMY = {
    "城市管理": {"市容环境": ["占道经营", "乱摆乱卖", "垃圾清运", "违规广告"],
               "违法建设": ["违章搭建", "擅自改建", "天台加建", "围墙占地"]},
    "交通出行": {"道路设施": ["路面破损", "井盖缺失", "路灯不亮", "交通信号灯"],
               "公共交通": ["公交线路", "公交站点", "出租车服务", "停车收费"]},
    "公用事业": {"供水": ["停水", "水质", "水压不足", "水费"], "供电燃气": ["停电", "电费", "燃气泄漏", "燃气安装"]},
    "生态环境": {"噪音": ["施工噪音", "商业噪音", "夜间噪音", "交通噪音"], "污染": ["油烟", "废气", "污水", "扬尘"]},
    "劳动社保": {"劳动关系": ["拖欠工资", "劳动合同", "工伤认定", "加班费"],
               "社会保险": ["社保缴费", "医保报销", "养老金", "失业保险"]},
    "教育卫生": {"教育": ["学位申请", "校外培训", "校园安全", "入学政策"],
               "医疗": ["医院服务", "疫苗接种", "药品价格", "医保定点"]},
    "市场监管": {"消费维权": ["预付卡", "商品质量", "价格欺诈", "食品安全"],
               "证照": ["营业执照", "食品经营许可", "年报", "注销"]},
    "住房建设": {"物业管理": ["物业收费", "电梯故障", "小区绿化", "维修基金"],
               "房屋": ["房屋质量", "办证", "租赁", "拆迁"]},
}
# The department that leads each middle category (the other half of the cases goes to the town office).
DEPARTMENTS = {"市容环境": "FS-CGJ", "违法建设": "FS-ZJJ", "道路设施": "FS-JTJ", "公共交通": "FS-GJ", "供水": "FS-SW",
               "供电燃气": "FS-GDJ", "噪音": "FS-STJ", "污染": "FS-STJ", "劳动关系": "FS-RSJ", "社会保险": "FS-RSJ",
               "教育": "FS-JYJ", "医疗": "FS-WJJ", "消费维权": "FS-SJJ", "证照": "FS-SJJ", "物业管理": "FS-ZJJ",
               "房屋": "FS-ZRJ"}
TEXTS = [
    "路口有商贩长期占道摆卖，早晚高峰影响行人和车辆通行，请相关部门处理。",
    "小区附近工地夜间施工噪音很大，影响居民休息，希望尽快核查处理。",
    "家里从今天上午开始停水，没有收到任何通知，请问什么时候恢复供水？",
    "公司拖欠三个月工资未发，多次协商无果，请求劳动监察部门介入。",
    "道路中间井盖缺失，夜间非常危险，已经有电动车摔倒，请尽快修复。",
    "咨询新生儿入户和医保参保需要准备哪些材料，在哪里办理。",
    "建议在学校门口增设人行横道和减速带，保障学生上下学安全。",
    "预付卡商家突然关门，卡内余额无法退还，请市场监管部门协助维权。",
]


def sh(*command: str, check: bool = True) -> None:
    subprocess.run(command, check=check, capture_output=True)


def create_database() -> None:
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME, check=False)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.config.settings_test")
    import django

    django.setup()


def reference_data() -> dict:
    """Calendar, Foshan regions and units, a taxonomy, the two people whose pages are timed."""
    from django.core.management import call_command

    from minsheng.appeals.services import category_create
    from minsheng.org.choices import Role
    from minsheng.org.demo import load_regions, load_units
    from minsheng.org.services import membership_grant, user_create
    from minsheng.workdays.services import calendar_seed

    call_command("migrate", verbosity=0)
    calendar_seed(first_year=2025)
    demo = load_regions(rng=random.Random(7))
    load_units(demo)
    leaves, departments = [], []
    units = demo.units_by_code
    for top_index, (top, middles) in enumerate(TAXONOMY.items(), start=1):
        root = category_create(code=f"{top_index:02d}", name=top)
        for mid_index, (middle, names) in enumerate(middles.items(), start=1):
            node = category_create(code=f"{top_index:02d}{mid_index:02d}", name=middle, parent=root)
            for leaf_index, name in enumerate(names, start=1):
                leaf = category_create(code=f"{top_index:02d}{mid_index:02d}{leaf_index:02d}", name=name, parent=node)
                leaves.append(leaf.pk)
                departments.append(units[DEPARTMENTS[middle]].pk)
    communities = []
    town_offices = []
    from minsheng.org.choices import RegionLevel
    from minsheng.org.models import Region

    for town in demo.towns:
        for community in Region.objects.filter(parent=town, level=RegionLevel.COMMUNITY):
            communities.append(community.pk)
            town_offices.append(demo.town_office[town.pk].pk)
    leader = user_create(username="bench-leader", password="bench-password-2026", display_name="领导",
                         check_password=False)
    membership_grant(user=leader, role=Role.LEADER)
    return {"leaves": leaves, "departments": departments, "communities": communities,
            "town_offices": town_offices, "leader": leader}


def deadline_table() -> list[tuple]:
    """Per day and kind: the due time and the sign-by time of a case registered at noon (real policy)."""
    from minsheng.appeals.selectors import policy
    from minsheng.workdays.selectors import calendar_current

    rules, calendar = policy(), calendar_current(fresh=True)
    rows = []
    for offset in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=offset)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=TZ)
        sign_due = rules.sign_clock(urgent=False, start=noon).due(calendar)
        for kind, _threshold in KINDS:
            due = rules.handling_clock(kind=kind, urgent=False, start=noon).due(calendar)
            rows.append((day, kind, due, sign_due))
    return rows


def _case_when(column: str, table: list[tuple[str, float]]) -> str:
    arms = " ".join(f"WHEN {column} < {threshold} THEN '{value}'" for value, threshold in table[:-1])
    return f"CASE {arms} ELSE '{table[-1][0]}' END"


PLAN_SQL = """
CREATE UNLOGGED TABLE bench_plan AS
WITH base AS (
    SELECT g AS id, (%(first)s::date + ((g - 1)::bigint * %(days)s / %(n)s)::int) AS day,
           random() AS r_kind, random() AS r_chan, random() AS r_time, random() AS r_intake, random() AS r_sign,
           random() AS r_handle, random() AS r_reach, random() AS r_sat, random() AS r_res, random() AS r_unit,
           floor(random() * %(ncat)s)::int + 1 AS cat_i, floor(random() * %(nreg)s)::int + 1 AS reg_i,
           floor(random() * 8)::int + 1 AS text_i
    FROM generate_series(1, %(n)s) AS g
), kinds AS (
    SELECT b.*, {kind} AS kind, {channel} AS channel,
           ((b.day::timestamp + interval '8 hours' + b.r_time * interval '14 hours')
            AT TIME ZONE 'Asia/Shanghai') AS reg
    FROM base b
), planned AS (
    SELECT k.*, d.due_at, d.sign_due_at,
           (k.kind <> 'inquiry' OR k.r_intake >= 0.85) AS dispatched,
           (%(cats)s::int[])[k.cat_i] AS category_id, (%(regs)s::int[])[k.reg_i] AS region_id,
           CASE WHEN k.r_unit < 0.5 THEN (%(towns)s::int[])[k.reg_i] ELSE (%(depts)s::int[])[k.cat_i] END AS unit_id,
           CASE WHEN k.r_unit < 0.5 THEN (%(depts)s::int[])[k.cat_i] ELSE (%(towns)s::int[])[k.reg_i] END AS assist_id,
           k.reg + interval '10 minutes' AS disp_at,
           k.reg + interval '10 minutes' + CASE WHEN k.r_sign < 0.95 THEN k.r_sign / 0.95 * interval '6 hours'
                                              ELSE interval '1 day' + (k.r_sign - 0.95) / 0.05 * interval '2 days' END
               AS sign_at
    FROM kinds k JOIN bench_due d ON d.day = k.day AND d.kind = k.kind
), timed AS (
    SELECT p.*, p.sign_at + (p.due_at - p.reg) * (0.1 + 0.95 * p.r_handle) AS ans_at
    FROM planned p
), staged AS (
    SELECT t.*, t.ans_at + interval '2 hours' AS rev_at, t.ans_at + interval '1 day' AS cb_at,
           row_number() OVER (PARTITION BY t.day ORDER BY t.reg, t.id) AS seq
    FROM timed t
)
SELECT s.*,
       CASE WHEN NOT s.dispatched THEN CASE WHEN s.reg + interval '5 minutes' <= %(now)s THEN 'closed'
                                            ELSE 'registered' END
            WHEN s.disp_at > %(now)s THEN 'registered'
            WHEN s.sign_at > %(now)s THEN 'dispatched'
            WHEN s.ans_at > %(now)s THEN 'handling'
            WHEN s.rev_at > %(now)s THEN 'answered'
            WHEN s.kind = 'suggestion' THEN 'closed'
            WHEN s.cb_at > %(now)s THEN 'callback'
            ELSE 'closed' END AS state
FROM staged s
"""

APPEALS_SQL = """
INSERT INTO appeals_appeal (
    id, number, query_code, kind, channel, category_id, region_id, address, lng, lat, title, content,
    caller_name, caller_mobile, citizen_id, anonymous, urgent, urgency, state, version, registered_by_id,
    registered_at, dispatched_at, answered_at, closed_at, close_reason, due_basis_at, due_working_days, due_hours,
    due_at, extended_days, suspended_at, warned_at, breached_at, lead_unit_id, return_count, designated,
    redo_count, answer, knowledge_article_id, parent_id, satisfaction, resolved, suggestion_outcome)
SELECT p.id, 'FS' || to_char(p.day, 'YYYYMMDD') || lpad(p.seq::text, 6, '0'), upper(substr(md5(p.id::text), 1, 12)),
       p.kind, p.channel, p.category_id, p.region_id, '佛山市某街道某路' || (p.id %% 300) || '号', NULL, NULL,
       left((%(texts)s::text[])[p.text_i], 30), (%(texts)s::text[])[p.text_i],
       '市民', '138' || lpad((p.id::bigint * 7919 %% 100000000)::text, 8, '0'), NULL, false, false, '', p.state,
       1 + (p.state <> 'registered')::int * 3, NULL,
       p.reg,
       CASE WHEN p.dispatched AND p.state <> 'registered' THEN p.disp_at END,
       CASE WHEN NOT p.dispatched AND p.state = 'closed' THEN p.reg + interval '5 minutes'
            WHEN p.dispatched AND p.state IN ('answered', 'callback', 'closed') THEN p.ans_at END,
       CASE WHEN p.state = 'closed' THEN
            CASE WHEN NOT p.dispatched THEN p.reg + interval '5 minutes' WHEN p.kind = 'suggestion' THEN p.rev_at
                 ELSE p.cb_at END END,
       CASE WHEN p.state <> 'closed' THEN '' WHEN NOT p.dispatched THEN 'at_intake'
            WHEN p.kind = 'suggestion' THEN 'suggestion' WHEN p.r_reach < 0.9 THEN 'callback' ELSE 'unreachable' END,
       p.reg, CASE p.kind WHEN 'inquiry' THEN 2 WHEN 'request' THEN 10 WHEN 'suggestion' THEN 10 ELSE 15 END, NULL,
       p.due_at, 0, NULL, NULL,
       CASE WHEN (CASE WHEN p.state = 'closed' THEN
                       CASE WHEN NOT p.dispatched THEN p.reg WHEN p.kind = 'suggestion' THEN p.rev_at ELSE p.cb_at END
                  ELSE %(now)s END) > p.due_at THEN p.due_at END,
       CASE WHEN p.dispatched AND p.state <> 'registered' THEN p.unit_id END, 0, false, 0,
       CASE WHEN p.state IN ('answered', 'callback', 'closed') THEN '已处理并答复市民。' ELSE '' END, NULL, NULL,
       CASE WHEN p.state = 'closed' AND p.dispatched AND p.kind <> 'suggestion' AND p.r_reach < 0.9 THEN
            CASE WHEN p.r_sat < 0.90 THEN 'satisfied' WHEN p.r_sat < 0.985 THEN 'basically_satisfied'
                 ELSE 'dissatisfied' END ELSE '' END,
       CASE WHEN p.state = 'closed' AND p.dispatched AND p.kind <> 'suggestion' AND p.r_reach < 0.9
            THEN p.r_res < 0.95 END,
       CASE WHEN p.state = 'closed' AND p.kind = 'suggestion' THEN
            CASE WHEN p.r_sat < 0.2 THEN 'adopted' WHEN p.r_sat < 0.7 THEN 'reference' ELSE 'not_adopted' END
            ELSE '' END
FROM bench_plan p
"""

LEGS_SQL = """
INSERT INTO appeals_dispatchleg (
    appeal_id, unit_id, role, state, dispatched_by_id, dispatched_at, sign_working_days, sign_hours, sign_due_at,
    handle_basis_at, handle_working_days, handle_hours, handle_due_at, signed_at, signed_by_id, answered_at,
    returned_at, return_reason, return_legal_basis, input_text, extended_days, suspended_at,
    remaining_working_days, remaining_seconds, sign_breached, handle_breached_at)
SELECT p.id, CASE WHEN l.role = 'lead' THEN p.unit_id ELSE p.assist_id END, l.role,
       CASE WHEN p.state = 'dispatched' THEN 'pending' WHEN p.state = 'handling' THEN 'signed'
            WHEN l.role = 'assist' THEN 'closed' ELSE 'answered' END,
       NULL, p.disp_at, 1, NULL, p.sign_due_at, p.disp_at,
       CASE WHEN l.role = 'assist' THEN 5 WHEN p.kind = 'inquiry' THEN 2 WHEN p.kind IN ('request', 'suggestion')
            THEN 10 ELSE 15 END, NULL, p.due_at,
       CASE WHEN p.state <> 'dispatched' THEN p.sign_at END, NULL,
       CASE WHEN l.role = 'lead' AND p.state IN ('answered', 'callback', 'closed') THEN p.ans_at END,
       NULL, '', '', CASE WHEN l.role = 'lead' AND p.state IN ('answered', 'callback', 'closed')
                          THEN '已处理并答复市民。' ELSE '' END, 0, NULL, NULL, NULL,
       (p.state <> 'dispatched' AND p.sign_at > p.sign_due_at),
       CASE WHEN (CASE WHEN p.state IN ('answered', 'callback', 'closed') THEN p.ans_at ELSE %(now)s END) > p.due_at
            AND l.role = 'lead' THEN p.due_at END
FROM bench_plan p
JOIN (VALUES ('lead'), ('assist')) AS l(role) ON l.role = 'lead' OR p.id %% 20 = 0
WHERE p.dispatched AND p.state <> 'registered'
ORDER BY p.disp_at
"""

CALLBACKS_SQL = """
INSERT INTO appeals_callback (appeal_id, attempt, agent_id, at, reached, satisfaction, resolved,
                              dissatisfied_reason, comment)
SELECT a.id, n.attempt, NULL, a.closed_at - (3 - n.attempt) * interval '2 hours', a.close_reason = 'callback',
       CASE WHEN a.close_reason = 'callback' THEN a.satisfaction ELSE '' END,
       CASE WHEN a.close_reason = 'callback' THEN a.resolved END,
       CASE WHEN a.satisfaction = 'dissatisfied' THEN 'other' ELSE '' END, ''
FROM appeals_appeal a
JOIN generate_series(1, 3) AS n(attempt) ON n.attempt = 1 OR a.close_reason = 'unreachable'
WHERE a.close_reason IN ('callback', 'unreachable')
"""


def generate(n: int, ref: dict) -> dict[str, float]:
    from django.db import connection

    timings = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE UNLOGGED TABLE bench_due (day date, kind text, due_at timestamptz, "
                       "sign_due_at timestamptz, PRIMARY KEY (day, kind))")
        due_rows = deadline_table()  # before COPY: the calendar is read on this same connection
        with cursor.cursor.copy("COPY bench_due FROM STDIN") as copy:
            for row in due_rows:
                copy.write_row(row)
        params = {"first": FIRST_DAY, "days": DAYS, "n": n, "now": NOW, "ncat": len(ref["leaves"]),
                  "nreg": len(ref["communities"]), "cats": ref["leaves"], "regs": ref["communities"],
                  "towns": ref["town_offices"], "depts": ref["departments"], "texts": TEXTS}
        cursor.execute(PLAN_SQL.format(kind=_case_when("b.r_kind", KINDS), channel=_case_when("b.r_chan", CHANNELS)),
                       params)
        timings["plan"] = time.perf_counter() - started
        # Generated rows reference existing rows by construction: skip the per-row foreign-key triggers.
        cursor.execute("SET session_replication_role = replica")
        for name, sql in (("appeals", APPEALS_SQL), ("legs", LEGS_SQL), ("callbacks", CALLBACKS_SQL)):
            started = time.perf_counter()
            cursor.execute(sql, params)
            timings[name] = time.perf_counter() - started
        cursor.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        cursor.execute("INSERT INTO appeals_casecounter (day, last) SELECT day, max(seq) FROM bench_plan GROUP BY day")
        for table in ("appeals_appeal", "appeals_dispatchleg", "appeals_callback"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("DROP TABLE bench_plan")
        cursor.execute("DROP TABLE bench_due")
        cursor.execute("VACUUM ANALYZE appeals_appeal")
        cursor.execute("VACUUM ANALYZE appeals_dispatchleg")
        cursor.execute("VACUUM ANALYZE appeals_callback")
        timings["analyze"] = time.perf_counter() - started
    return timings


def _backend_cpu_seconds() -> float:
    from django.db import connection

    return backend_cpu_seconds(connection) or 0.0


# Covering indexes for the three metric cohorts (recommended to appeals core; created here with
# --covering-indexes): the month's rows are then read from the index alone, never from the wide heap.
COVERING_INDEXES = [
    "CREATE INDEX IF NOT EXISTS appeals_metrics_registered ON appeals_appeal (registered_at) INCLUDE "
    "(kind, channel, category_id, region_id, lead_unit_id, state, closed_at, close_reason, dispatched_at)",
    "CREATE INDEX IF NOT EXISTS appeals_metrics_closed ON appeals_appeal (closed_at) INCLUDE "
    "(region_id, lead_unit_id, kind, close_reason, satisfaction, resolved, suggestion_outcome)",
    "CREATE INDEX IF NOT EXISTS appeals_metrics_due ON appeals_appeal (due_at) INCLUDE "
    "(state, region_id, lead_unit_id, closed_at, breached_at)",
]


def covering_indexes(create: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in COVERING_INDEXES:
            if create:
                cursor.execute(sql)
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {sql.split(' ')[5]}")
        cursor.execute("DROP INDEX IF EXISTS bench_cover_registered, bench_cover_closed, bench_cover_due")
        cursor.execute("VACUUM ANALYZE appeals_appeal")


def timed(label: str, call, requests: int, warmup: int = 3) -> dict:
    """Wall time per call, and the CPU the call really used (this process + its database backend): on a
    machine shared with other work the wall time is inflated, the CPU time is what the call costs."""
    for _ in range(warmup):
        call()
    samples, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time() + _backend_cpu_seconds()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() + _backend_cpu_seconds() - cpu_started) * 1000)
    return {"label": label, "n": requests, **_percentiles(samples), "cpu": _percentiles(cpu)}


def _percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"p50": statistics.median(samples), "p95": samples[max(0, round(0.95 * len(samples)) - 1)],
            "max": samples[-1]}


def report(result: dict, target: bool = True) -> None:
    """Print the figures; ``target``: against the 300 ms p95 of a page (not for background work)."""
    def verdict(p95: float) -> str:
        return (" [ok]" if p95 < 300 else " [OVER 300 ms]") if target else ""

    load = os.getloadavg()[0]
    cpu = result["cpu"]
    print(f"{result['label']}: n={result['n']}\n"
          f"    wall: p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms, max {result['max']:.0f} ms"
          f"{verdict(result['p95'])} (load average {load:.1f} on {os.cpu_count()} cores)\n"
          f"    CPU (app + database backend): p50 {cpu['p50']:.0f} ms, p95 {cpu['p95']:.0f} ms{verdict(cpu['p95'])}",
          flush=True)


def rollup(*, fresh: bool) -> None:
    """Roll the whole history up (``metrics_rollup_refresh``, as the periodic task does on its first run),
    then print its time and size."""
    from django.db import connection

    from minsheng.appeals.models import AppealDayCounts, AppealDirtyDays, AppealRolledDay
    from minsheng.appeals.rollup import metrics_rollup_refresh

    if fresh:
        for model in (AppealDayCounts, AppealRolledDay, AppealDirtyDays):
            model.objects.all().delete()
    started, cpu_started = time.perf_counter(), time.process_time() + _backend_cpu_seconds()
    done = metrics_rollup_refresh()
    wall, cpu = time.perf_counter() - started, time.process_time() + _backend_cpu_seconds() - cpu_started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appealdaycounts")
    month = AppealDayCounts.objects.filter(day__year=MONTH[0], day__month=MONTH[1]).count()
    print(f"roll-up of {done['days']} days: wall {wall:.1f} s, CPU (app + database backend) {cpu:.1f} s; "
          f"{AppealDayCounts.objects.count():,} rows, {month:,} for {MONTH[0]}-{MONTH[1]:02d} "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)


def refresh_one_dirty_day(requests: int) -> None:
    """A change to a past case marks its days dirty; time the refresh that rolls one such day up again."""
    from minsheng.appeals.rollup import metrics_rollup_refresh, rollup_mark

    day = dt.date(MONTH[0], MONTH[1], 15)

    def refresh():
        rollup_mark([day])
        assert metrics_rollup_refresh()["days"] == 1

    report(timed(f"refresh of one dirty day ({day}, background work)", refresh, requests, warmup=1), target=False)


def measure(requests: int, ref: dict, only: set[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from minsheng.appeals.metrics import Period, appeal_metrics
    from minsheng.org.choices import Role
    from minsheng.org.models import Unit
    from minsheng.org.services import membership_grant, user_create

    period = Period.month(*MONTH)
    leader = ref["leader"]
    client = Client()
    client.force_login(leader)
    if "inbox" in only:
        with connection.cursor() as cursor:
            cursor.execute("SELECT unit_id, count(*) FROM appeals_dispatchleg WHERE state IN ('pending', 'signed', "
                           "'return_pending') GROUP BY unit_id ORDER BY 2 DESC LIMIT 1")
            unit_id, open_legs = cursor.fetchone()
        unit = Unit.objects.get(pk=unit_id)
        handler = user_create(username="bench-handler", password="bench-password-2026", display_name="承办",
                              check_password=False)
        membership_grant(user=handler, role=Role.UNIT_HANDLER, unit=unit)
        inbox = Client()
        inbox.force_login(handler)
        url = reverse("appeals:unit_inbox")

        def get_inbox():
            response = inbox.get(url)
            assert response.status_code == 200, response.status_code

        report(timed(f"unit inbox page ({unit.name}, {open_legs} open legs)", get_inbox, requests))
        from minsheng.appeals.selectors import unit_inbox

        report(timed("unit inbox selector alone (200 legs)", lambda: unit_inbox(user=handler), requests))
    if "live" in only:
        report(timed(f"metrics {period} city-wide: appeal_metrics(rollup=False), every day counted live",
                     lambda: appeal_metrics(user=leader, period=period, rollup=False), requests))
    if "function" in only:
        def function():
            assert len(appeal_metrics(user=leader, period=period).rolled_days) == len(period.days)

        report(timed(f"metrics {period} city-wide: appeal_metrics() from the roll-up", function, requests))
    if "api" in only:
        query = {"from": period.first.isoformat(), "to": period.last.isoformat()}

        def get_api():
            response = client.get("/api/appeals/metrics/", query)
            assert response.status_code == 200, response.content[:300]

        report(timed(f"metrics {period} city-wide: GET /api/appeals/metrics/", get_api, requests))
    if "page" in only:
        def get_page():
            response = client.get(reverse("appeals:stats"), {"period": "month", "month": f"{MONTH[0]}-{MONTH[1]:02d}"})
            assert response.status_code == 200, response.status_code

        report(timed(f"metrics {period} city-wide: statistics page", get_page, requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the ms_bench database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure an ms_bench database kept earlier")
    parser.add_argument("--covering-indexes", action="store_true",
                        help="add the covering indexes recommended for the metrics (default: core's indexes only)")
    parser.add_argument("--only", default="inbox,live,function,api,page,dirty",
                        help="what to time: inbox, live, function, api, page, dirty (comma-separated)")
    parser.add_argument("--keep-rollup", action="store_true",
                        help="with --reuse: keep the roll-up made earlier (default: roll the history up again)")
    args = parser.parse_args()

    if not args.reuse:
        create_database()
    setup_django()
    try:
        from django.db import connection

        if args.reuse:
            from django.contrib.auth import get_user_model
            from django.core.management import call_command

            from minsheng.appeals.models import Appeal

            call_command("migrate", verbosity=0)  # the database may predate this checkout's migrations
            ref = {"leader": get_user_model().objects.get(username="bench-leader")}
            get_user_model().objects.filter(username="bench-handler").delete()
            n = Appeal.objects.count()
        else:
            started = time.perf_counter()
            ref = reference_data()
            setup_seconds = time.perf_counter() - started
            timings = generate(args.cases, ref)
            n = args.cases
            total = sum(timings.values())
            print(f"database: PostgreSQL {connection.pg_version // 10000} ({DB_NAME}), cases: {n:,}")
            print(f"setup (migrate, calendar, regions, units, taxonomy): {setup_seconds:.1f} s")
            print("generation: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                  + f" — total {total:.1f} s ({n / total:,.0f} cases/s)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM appeals_dispatchleg), "
                           "(SELECT count(*) FROM appeals_callback), pg_size_pretty(pg_database_size(%s))", [DB_NAME])
            cases, legs, callbacks, size = cursor.fetchone()
            cursor.execute("SELECT kind, count(*) FROM appeals_appeal GROUP BY kind ORDER BY 2 DESC")
            mix = ", ".join(f"{kind} {count / cases:.1%}" for kind, count in cursor.fetchall())
        print(f"rows: {cases:,} cases, {legs:,} legs, {callbacks:,} callbacks; database size {size}; mix: {mix}")
        covering_indexes(args.covering_indexes)
        print("indexes: " + ("core's + the recommended covering indexes" if args.covering_indexes else
                             "core's model indexes only"), flush=True)
        rollup(fresh=not args.keep_rollup)
        measure(args.requests, ref, set(args.only.split(",")))
        if "dirty" in args.only.split(","):
            refresh_one_dirty_day(max(3, args.requests // 5))
    finally:
        if not args.keep:
            drop_database()
            print(f"dropped {DB_NAME}")


if __name__ == "__main__":
    main()
