"""Demo: Foshan-style "3+X" lists for this year with several months of history, built through the services.

The city leaders' key projects are created one by one and report every month (submit → accept, with
evidence photos and co-unit contributions). The other lists are kept the way many offices keep them:
each month the office re-imports its workbook (the real import service — matched by code, updated,
never duplicated), and completions go through a completion report with evidence and acceptance.
After each month the warnings are recomputed as of the month's end and a monthly snapshot is stored,
so the statistics and their trend come out of the records.
"""

import datetime as dt
import random
import struct
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.org.choices import Role
from minsheng.org.services import membership_grant, user_create

from . import excel, services
from .choices import ProjectSource, ProjectStatus, ReportState, WarningLevel
from .demo_catalogue import CATEGORIES, FLAGSHIP_ACTUALS, LEVELS, RESEARCH_TOPICS, THEMES
from .models import Milestone, Project, ProjectCategory
from .services.notices import notices_paused
from .workbook import project_import

SIZES = {  # projects per list
    "small": {"city_leaders": 12, "committee_government": 16, "city_units": 30, "district": 8, "department": 6},
    "full": {"city_leaders": 52, "committee_government": 82, "city_units": 352, "district": 80, "department": 40},
}
FATES = [("completed", 0.40), ("on_track", 0.36), ("behind", 0.12), ("overdue", 0.08), ("not_started", 0.03),
         ("suspended", 0.01)]


def _png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A small solid-colour PNG (evidence photos for the demo, made here rather than shipped)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


PHOTOS = [_png(c) for c in ((46, 139, 87), (31, 95, 168), (212, 160, 23), (178, 34, 34))]


def _photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.png", rng.choice(PHOTOS), content_type="image/png")


@dataclass
class Plan:
    """One project's whole story: dates, fate, when each milestone is done, where each indicator ends up."""

    code: str
    title: str
    content: str
    type_code: str
    lead: str
    co: list[str]
    region: str | None
    start: dt.date
    end: dt.date
    fate: str
    milestones: list[tuple[str, dt.date, int]]
    indicators: list[tuple[str, str, int, int]]
    finals: dict = field(default_factory=dict)
    completion: dt.date | None = None
    delays: dict = field(default_factory=dict)

    def share(self, day: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return min(1.0, max(0.0, (day - self.start).days / span))

    def milestone_done(self, index: int, day: dt.date) -> dt.date | None:
        _title, due, _weight = self.milestones[index]
        if self.fate in ("not_started",) or day < self.start:
            return None
        if self.fate == "completed" and self.completion and day >= self.completion:
            return min(due, self.completion)
        if self.fate == "overdue" and index == self.delays.get("stuck", -1):
            return None
        if self.fate == "suspended" and due > self.delays.get("suspended_on", due):
            return None
        done = due - dt.timedelta(days=self.delays.get(index, 3))
        return done if done <= day else None

    def actual(self, name: str, target: int, day: dt.date, today: dt.date) -> Decimal | None:
        if self.fate == "not_started" or day < self.start:
            return None
        if self.fate == "completed" and self.completion:
            span = max((self.completion - self.start).days, 1)
            share = min(1.0, (day - self.start).days / span)
        else:
            offset = {"on_track": 0.04, "behind": -0.16, "overdue": -0.12, "suspended": -0.3}.get(self.fate, 0)
            share = min(1.0, max(0.0, self.share(day) + offset))
        if name in self.finals:
            final_share = self.share(today) or 1
            return Decimal(round(self.finals[name] * min(1.0, self.share(day) / final_share)))
        return Decimal(round(target * share))

    def status(self, day: dt.date) -> str:
        if self.fate == "not_started" or day < self.start:
            return ProjectStatus.NOT_STARTED
        if self.fate == "suspended" and day >= self.delays.get("suspended_on", day + dt.timedelta(days=1)):
            return ProjectStatus.SUSPENDED
        return ProjectStatus.IN_PROGRESS


def _month_ends(today: dt.date, count: int) -> list[dt.date]:
    ends = [today]
    day = today.replace(day=1) - dt.timedelta(days=1)
    while len(ends) < count and day.year == today.year:
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return sorted(ends)


def _fate(rng: random.Random) -> str:
    pick, total = rng.random(), 0.0
    for fate, weight in FATES:
        total += weight
        if pick < total:
            return fate
    return "on_track"


def _plan(rng: random.Random, *, code: str, theme, place: str, region: str | None, year: int, today: dt.date,
          months: list[dt.date], fate: str | None = None) -> Plan:
    type_code, title, content, lead, co, milestone_titles, indicators = theme
    fate = fate or _fate(rng)
    start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 60))
    end = dt.date(year, 12, 31) if rng.random() < 0.75 else dt.date(year, 12, 15)
    if fate == "not_started":
        start = today + dt.timedelta(days=rng.randrange(5, 25))
        end = start + dt.timedelta(days=rng.randrange(120, 240))
    if title == "村级工业园升级改造":
        start, end = dt.date(year, 1, 1), dt.date(year + 2, 12, 31)
    span = (end - start).days
    count = len(milestone_titles)
    milestones = []
    for index, milestone_title in enumerate(milestone_titles, start=1):
        due = start + dt.timedelta(days=round(span * index / (count + 0.3)))
        milestones.append((milestone_title, due, rng.choice([1, 1, 2, 3])))
    plan = Plan(code=code, title=title.format(place=place), content=content, type_code=type_code, lead=lead, co=co,
                region=region, start=start, end=end, fate=fate, milestones=milestones,
                indicators=[(name, unit, baseline, target) for name, unit, baseline, target in indicators],
                finals=FLAGSHIP_ACTUALS.get(title, {}))
    for index in range(count):
        plan.delays[index] = rng.randrange(0, 12)
    if fate == "completed":
        # Completed only where there was time to finish (more than three months before a past month end):
        # a completion before the start left its milestones open and the project "completed" below 100%.
        candidates = [m for m in months[:-1] if m > start + dt.timedelta(days=90)]
        if candidates:
            plan.completion = rng.choice(candidates) - dt.timedelta(days=rng.randrange(0, 10))
            plan.milestones = [(t, min(due, plan.completion), w) for t, due, w in milestones]
        else:
            fate = plan.fate = "on_track"
    if fate == "overdue":
        overdue = [i for i, (_t, due, _w) in enumerate(milestones) if due < today]
        plan.delays["stuck"] = overdue[-1] if overdue else -1
        if not overdue:
            plan.fate = "behind"
    if fate == "suspended":
        plan.delays["suspended_on"] = rng.choice(months[1:] or months)
    if plan.finals:  # a flagship carries the article's figures as of today: not completed (nor early)
        plan.fate = "on_track"
        plan.completion = None
        plan.milestones = milestones
    return plan


def _rows(plans: list[Plan], day: dt.date, today: dt.date, completed: set[str]) -> tuple[list, list, list]:
    projects, milestones, indicators = [], [], []
    for plan in plans:
        status = ProjectStatus.COMPLETED if plan.code in completed else plan.status(day)
        projects.append({"code": plan.code, "title": plan.title, "content": plan.content, "category": plan.type_code,
                         "source": ProjectSource.UNIT_PLAN, "lead_unit": plan.lead, "co_units": "；".join(plan.co),
                         "region": plan.region, "start_date": plan.start, "end_date": plan.end, "status": status})
        for index, (title, due, weight) in enumerate(plan.milestones):
            milestones.append({"project_code": plan.code, "title": title, "due_date": due, "weight": weight,
                               "done_at": plan.milestone_done(index, day)})
        for name, unit, baseline, target in plan.indicators:
            indicators.append({"project_code": plan.code, "name": name, "unit": unit, "baseline": baseline,
                               "target": target, "actual": plan.actual(name, target, day, today)})
    return projects, milestones, indicators


@dataclass
class Cast:
    officer: object
    leader: object
    supervisor: object
    heads: dict  # unit code -> a unit head (created on demand)


def _head(cast: Cast, foshan, code: str):
    if code not in cast.heads:
        unit = foshan.units_by_code[code]
        existing = get_user_model().objects.filter(memberships__unit=unit, memberships__role=Role.UNIT_HEAD).first()
        if existing is None:
            # Acting persons only (no password: hashing one per unit would dominate the demo's time).
            existing = user_create(username=f"head-{code.lower()}", password=None,
                                   display_name=f"{unit.short_name or unit.name}负责人")
            membership_grant(user=existing, role=Role.UNIT_HEAD, unit=unit)
        cast.heads[code] = existing
    return cast.heads[code]


@notices_paused()  # the demo's months are history, not news for the lead units
def load(*, stdout, rng: random.Random, scale: str, foshan) -> None:
    today = timezone.localdate()
    year = today.year
    months = _month_ends(today, 5 if scale == "full" else 4)
    sizes = SIZES[scale]
    User = get_user_model()
    cast = Cast(officer=User.objects.get(username="projects"), leader=User.objects.get(username="leader"),
                supervisor=User.objects.get(username="supervisor"), heads={})
    cast.heads["FS-CGJ"] = User.objects.get(username="head")

    levels = {code: services.list_level_create(code=code, name=name, order=order) for code, name, order in LEVELS}
    for order, (code, name, types) in enumerate(CATEGORIES, start=1):
        top = services.category_create(code=code, name=name, order=order)
        for type_order, (type_code, type_name) in enumerate(types, start=1):
            services.category_create(code=type_code, name=type_name, parent=top, order=type_order)
    city_office = foshan.units_by_code["FS-ZFB"]

    def new_list(level: str, name: str, owner, description: str = ""):
        return services.project_list_create(actor=cast.officer, year=year, level=levels[level], name=name,
                                            owner_unit=owner, description=description, is_published=True)

    # --- the city leaders' key projects: created and reported on one by one ---------------------------
    leaders_list = new_list("city_leaders", f"{year}年市领导领衔推进重点民生项目", city_office,
                            "由市领导调研课题形成，市领导领衔推进，逐月报告进展。")
    flagship_themes = [t for t in THEMES if t[1] in FLAGSHIP_ACTUALS]
    themes = flagship_themes + [t for t in THEMES if t not in flagship_themes]
    leader_plans = []
    for number in range(sizes["city_leaders"]):
        theme = themes[number % len(themes)]
        plan = _plan(rng, code=f"{year}-LD-{number + 1:03d}", theme=theme, place="全市", region=None, year=year,
                     today=today, months=months, fate="on_track" if number < 2 else None)
        if number >= len(themes):
            plan.title = f"{plan.title}（二期）"
        leader_plans.append(plan)
    leader_projects = {}
    categories = {c.code: c for c in ProjectCategory.objects.all()}
    for number, plan in enumerate(leader_plans):
        project = services.project_create(
            actor=cast.officer, project_list=leaders_list, code=plan.code, title=plan.title, content=plan.content,
            category=categories[plan.type_code], source=ProjectSource.LEADER_RESEARCH,
            source_reference=f"市领导调研课题：{RESEARCH_TOPICS[(number // 2) % len(RESEARCH_TOPICS)]}",
            lead_unit=foshan.units_by_code[plan.lead], co_units=[foshan.units_by_code[c] for c in plan.co],
            responsible_leader=rng.choice(["市长", "常务副市长", "分管副市长"]), start_date=plan.start,
            end_date=plan.end, today=months[0])
        for title, due, weight in plan.milestones:
            services.milestone_add(actor=cast.officer, project=project, title=title, due_date=due, weight=weight,
                                   today=months[0])
        for name, unit, baseline, target in plan.indicators:
            services.indicator_add(actor=cast.officer, project=project, name=name, unit=unit,
                                   baseline=Decimal(baseline), target=Decimal(target), today=months[0])
        leader_projects[plan.code] = project

    # --- the other lists: one workbook per list, re-imported every month -----------------------------
    workbooks = []
    committee = new_list("committee_government", f"{year}年市委市政府民生实事", city_office,
                         "面向社会公开征集，经市委常委会、市政府常务会议审定，31 类民生实事。")
    workbooks.append((committee, [
        _plan(rng, code=f"{year}-SW-{n + 1:03d}", theme=THEMES[n % len(THEMES)], place="全市", region=None, year=year,
              today=today, months=months) for n in range(sizes["committee_government"])]))
    units_list = new_list("city_units", f"{year}年市直单位民生实事", city_office, "市直单位结合职能提出的民生实事。")
    workbooks.append((units_list, [
        _plan(rng, code=f"{year}-SZ-{n + 1:04d}", theme=THEMES[n % len(THEMES)], place="全市", region=None,
              year=year, today=today, months=months) for n in range(sizes["city_units"])]))
    for district in foshan.districts:
        government = foshan.district_government[district.pk]
        towns = [t for t in foshan.towns if t.parent_id == district.pk]
        district_list = new_list("district", f"{year}年{district.name}民生实事", government)
        plans = []
        for n in range(sizes["district"]):
            town = towns[n % len(towns)]
            plans.append(_plan(rng, code=f"{year}-{district.code}-{n + 1:03d}", theme=THEMES[(n * 7) % len(THEMES)],
                               place=town.name, region=town.code, year=year, today=today, months=months))
        workbooks.append((district_list, plans))
    cgj = foshan.units_by_code["FS-CGJ"]
    department_list = new_list("department", f"{year}年市城管执法局民生实事", cgj)
    cgj_themes = [t for t in THEMES if t[3] == "FS-CGJ"]
    workbooks.append((department_list, [
        _plan(rng, code=f"{year}-CG-{n + 1:03d}", theme=cgj_themes[n % len(cgj_themes)],
              place=foshan.towns[n % len(foshan.towns)].name, region=foshan.towns[n % len(foshan.towns)].code,
              year=year, today=today, months=months) for n in range(sizes["department"])]))

    completed: set[str] = set()
    for month_end in months:
        for project_list, plans in workbooks:
            data = excel.write_workbook(*_rows(plans, month_end, today, completed))
            report = project_import(actor=cast.officer, project_list=project_list, data=data, dry_run=False,
                                    file_name=f"{project_list.name}-{month_end:%Y%m}.xlsx", today=month_end)
            if not report.ok:
                raise RuntimeError(f"demo workbook refused: {[str(p) for p in report.problems[:5]]}")
            for plan in plans:
                if plan.completion and plan.completion <= month_end and plan.code not in completed:
                    _complete(rng, cast, foshan, Project.objects.get(code=plan.code), plan, month_end)
                    completed.add(plan.code)
        for plan in leader_plans:
            _report_month(rng, cast, foshan, leader_projects[plan.code], plan, month_end, today, completed)
        services.projects_recompute(today=month_end)
        services.snapshot_take(month=month_end, today=month_end)

    _supervision(rng, cast, foshan, today)
    total = Project.objects.count()
    done = Project.objects.filter(status=ProjectStatus.COMPLETED).count()
    lagging = Project.objects.filter(warning__in=[WarningLevel.RED, WarningLevel.YELLOW]).count()
    stdout.write(f"  lists: {len(workbooks) + 1}, projects: {total} (completed {done}, lagging {lagging}), "
                 f"months of history: {len(months)}")


def _complete(rng, cast: Cast, foshan, project: Project, plan: Plan, month_end: dt.date) -> None:
    head = _head(cast, foshan, plan.lead)
    report = services.report_submit(
        actor=head, project=project, period=month_end, text=f"{plan.title}已全面完成，各项指标达到目标，申请验收。",
        claims_completion=True, evidence=[_photo(rng, "竣工验收")], today=month_end)
    services.report_accept(actor=cast.officer, report=report, today=month_end)
    _show_evidence(cast, report)


def _show_evidence(cast: Cast, report) -> None:
    """The officer shows an accepted report's photos to the public (evidence is private until then)."""
    for evidence in report.evidence.all():
        if evidence.is_image:
            services.evidence_publish(actor=cast.officer, evidence=evidence, public=True)


def _report_month(rng, cast: Cast, foshan, project: Project, plan: Plan, month_end: dt.date, today: dt.date,
                  completed: set[str]) -> None:
    if plan.code in completed or month_end < plan.start or plan.fate in ("not_started", "suspended"):
        return
    project.refresh_from_db()
    head = _head(cast, foshan, plan.lead)
    milestones = list(Milestone.objects.filter(project=project).order_by("due_date", "pk"))
    by_title = {m.title: m for m in milestones}
    done = {}
    for index, (title, _due, _weight) in enumerate(plan.milestones):
        day = plan.milestone_done(index, month_end)
        milestone = by_title.get(title)
        if day and milestone and milestone.done_at is None:
            done[milestone.pk] = day
    actuals = {i.pk: plan.actual(i.name, int(i.target), month_end, today) for i in project.indicators.all()}
    actuals = {k: v for k, v in actuals.items() if v is not None}
    finishing = plan.completion is not None and plan.completion <= month_end
    text = (f"{month_end:%m}月：{plan.title}" + ("全面完成，申请验收。" if finishing else
            rng.choice(["按计划推进，完成月度任务。", "加快施工进度，协调解决用地问题。", "推进顺利，群众反映良好。",
                        "受天气影响进度略有延后，已制定赶工计划。"])))
    evidence = [_photo(rng, f"{plan.code}-{month_end:%Y%m}")] if finishing or rng.random() < 0.5 else []
    period = month_end.replace(day=1)
    report = services.report_submit(actor=head, project=project, period=period, text=text, milestone_done=done,
                                    indicator_actuals=actuals, claims_completion=finishing, evidence=evidence,
                                    today=month_end)
    if plan.co and rng.random() < 0.4:
        co_unit = foshan.units_by_code[plan.co[0]]
        co_head = _head(cast, foshan, co_unit.code)
        services.report_contribute(actor=co_head, report=report,
                                   text=f"{co_unit.short_name}：配合完成相关审批和协调工作。")
    if month_end == today and rng.random() < 0.25:
        return  # this month's report waits for the project officer
    if month_end == today and rng.random() < 0.1:
        services.report_return(actor=cast.officer, report=report, reason="请补充现场照片和指标佐证材料。")
        return
    services.report_accept(actor=cast.officer, report=report, today=month_end)
    _show_evidence(cast, report)
    if finishing:
        completed.add(plan.code)


def _supervision(rng, cast: Cast, foshan, today: dt.date) -> None:
    red = list(Project.objects.filter(warning=WarningLevel.RED).order_by("code")[:12])
    for number, project in enumerate(red):
        notice = services.supervision_issue(actor=cast.supervisor, project=project,
                                            text="该项目节点逾期，请于 5 个工作日内报送整改措施并加快推进。",
                                            respond_by=today + dt.timedelta(days=7))
        if number % 2 == 0:
            services.supervision_acknowledge(actor=_head(cast, foshan, project.lead_unit.code), notice=notice,
                                             response="已召开专题会议，倒排工期，本月底前完成滞后节点。")
    for project in Project.objects.filter(project_list__level__code="city_leaders").order_by("code")[:6]:
        services.instruction_give(actor=cast.leader, project=project,
                                  text="要以钉钉子精神抓好落实，确保年底前见到实效。")
    pending = Project.objects.filter(status=ProjectStatus.IN_PROGRESS, warning=WarningLevel.YELLOW).order_by("code")
    for project in pending[:3]:
        services.deadline_change_request(actor=_head(cast, foshan, project.lead_unit.code), project=project,
                                         requested_date=project.end_date + dt.timedelta(days=60),
                                         reason="受征地拆迁影响，申请延长完成时限。")
    waiting = Project.objects.filter(lead_unit__code="FS-CGJ", reports__state=ReportState.SUBMITTED).exists()
    if not waiting:
        project = Project.objects.filter(lead_unit__code="FS-CGJ", status=ProjectStatus.IN_PROGRESS).first()
        if project is not None:
            services.report_submit(actor=cast.heads["FS-CGJ"], project=project, period=today,
                                   text="本月完成投放点建设 40 个。", today=today)
