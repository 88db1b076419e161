"""The campaign as a plan (pure: no database, no clock): every list, every project's story — its dates,
whether and when it is completed, when each milestone is done and where each indicator stands — and
the figures the plan implies, so a test checks the article's numbers without building 9,482 projects.

The campaign is built *as of* a day (the article's date at full scale): every project has started by
then; the completed ones finished before it with every milestone done and every indicator at its
target; the others are in progress, most on schedule, some behind or with a milestone overdue.
"""

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..choices import ProjectSource
from .catalogue import CATEGORIES, CITY_UNITS, FLAGSHIPS, RESEARCH_TOPICS, THEMES

DIVISIONS = Path(__file__).resolve().parents[2] / "org" / "fixtures" / "foshan_divisions.json"
ORG_UNITS = Path(__file__).resolve().parents[2] / "org" / "fixtures" / "foshan_units.json"


@dataclass(frozen=True)
class Scale:
    """How many projects each list holds and how many of them are completed as of the campaign's day."""

    leaders: int
    topics: int
    leaders_completed: int
    committee: int
    committee_completed: int
    city_units: int
    city_unit_leads: int
    city_units_completed: int
    districts: tuple[int, ...]  # per district, in the organisation's order (禅城, 南海, 顺德, 三水, 高明)
    districts_completed: int
    department: int
    department_completed: int


SCALES = {
    # The article: 52 + 82 + 352 city-level projects, the districts' and departments' lists make 9,482;
    # 18 + 30 + 140 + 3,485 + 48 = 3,721 completed, every other one in progress.
    "full": Scale(leaders=52, topics=26, leaders_completed=18, committee=82, committee_completed=30,
                  city_units=352, city_unit_leads=105, city_units_completed=140,
                  districts=(1620, 2860, 2750, 886, 760), districts_completed=3485,
                  department=120, department_completed=48),
    "small": Scale(leaders=12, topics=6, leaders_completed=4, committee=16, committee_completed=6,
                   city_units=30, city_unit_leads=15, city_units_completed=12,
                   districts=(8, 8, 8, 8, 8), districts_completed=15, department=6, department_completed=2),
}
PACES = [("on_track", 0.70), ("behind", 0.18), ("overdue", 0.12)]  # of the projects in progress


@dataclass
class MilestonePlan:
    title: str
    due: dt.date
    weight: int
    done: dt.date | None  # as of the campaign's day; None = still open


@dataclass
class IndicatorPlan:
    name: str
    unit: str
    baseline: int
    target: int
    final: int | None  # the actual as of the campaign's day
    group: str = ""


@dataclass
class ProjectPlan:
    list_key: str
    code: str
    title: str
    content: str
    type_code: str
    source: str
    lead: str  # unit code
    co: list[str]
    region: str | None  # a town's or district's division code; None = city-wide
    start: dt.date
    end: dt.date
    as_of: dt.date
    pace: str  # completed, on_track, behind, overdue
    milestones: list[MilestonePlan] = field(default_factory=list)
    indicators: list[IndicatorPlan] = field(default_factory=list)
    completion: dt.date | None = None
    research_topic: str = ""
    flagship: bool = False
    responsible_leader: str = ""

    def done_by(self, milestone: MilestonePlan, day: dt.date) -> dt.date | None:
        return milestone.done if milestone.done is not None and milestone.done <= day else None

    def actual(self, indicator: IndicatorPlan, day: dt.date) -> Decimal | None:
        """The indicator's figure at the end of ``day``: rising steadily from the start to its final figure."""
        if indicator.final is None or day < self.start:
            return None
        finish = self.completion or self.as_of
        share = min(1.0, max(0.0, (day - self.start).days / max((finish - self.start).days, 1)))
        return Decimal(round(indicator.baseline + (indicator.final - indicator.baseline) * share))

    def completed_by(self, day: dt.date) -> bool:
        return self.completion is not None and self.completion <= day


@dataclass
class ListPlan:
    key: str
    level: str
    name: str
    owner: str  # unit code
    description: str
    projects: list[ProjectPlan]


@dataclass
class Campaign:
    as_of: dt.date
    months: list[dt.date]  # the month ends whose state is stored (the last one is ``as_of``)
    lists: list[ListPlan]
    city_units: list[tuple[str, str]]  # (code, name) of the city-level units the demo adds

    def projects(self) -> Iterator[ProjectPlan]:
        for project_list in self.lists:
            yield from project_list.projects

    def figures(self) -> dict:
        """What the statistics must show, counted from the plan."""
        projects = list(self.projects())
        by_level: dict[str, dict] = {}
        types = {type_code: top for top, _name, kinds in CATEGORIES for type_code, _n in kinds}
        for project in projects:
            level = next(p.level for p in self.lists if p.key == project.list_key)
            row = by_level.setdefault(level, {"projects": 0, "completed": 0, "topics": set(), "types": set(),
                                              "units": set(), "categories": set()})
            row["projects"] += 1
            row["completed"] += project.completion is not None
            row["types"].add(project.type_code)
            row["categories"].add(types[project.type_code])
            row["units"].add(project.lead)
            if project.research_topic:
                row["topics"].add(project.research_topic)
        completed = sum(1 for p in projects if p.completion is not None)
        return {
            "listed": len(projects), "completed": completed, "in_progress": len(projects) - completed,
            "by_level": {level: {key: len(value) if isinstance(value, set) else value for key, value in row.items()}
                         for level, row in by_level.items()},
            "flagships": [p.title for p in projects if p.flagship],
        }


def month_ends(as_of: dt.date, count: int) -> list[dt.date]:
    """``as_of`` and the ends of the ``count - 1`` months before it, oldest first."""
    ends = [as_of]
    day = as_of.replace(day=1) - dt.timedelta(days=1)
    while len(ends) < count:
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return sorted(ends)


def foshan_districts() -> list[dict]:
    return json.loads(DIVISIONS.read_text(encoding="utf-8"))["districts"]


def city_unit_codes(count: int) -> tuple[list[str], list[tuple[str, str]]]:
    """``count`` city-level unit codes: the organisation's departments and utilities first, then the
    demo's own city units (returned as (code, name) to be created)."""
    data = json.loads(ORG_UNITS.read_text(encoding="utf-8"))
    existing = [u["code"] for group in ("municipal_departments", "public_utilities") for u in data[group]]
    extra_needed = max(0, count - len(existing))
    if extra_needed > len(CITY_UNITS):
        raise ValueError(f"the catalogue names {len(CITY_UNITS)} extra city units, {extra_needed} are needed")
    extra = [(f"FS-SZ{n + 1:03d}", f"佛山{name}") for n, name in enumerate(CITY_UNITS[:extra_needed])]
    return (existing + [code for code, _name in extra])[:count], extra


def _spread(total: int, sizes: tuple[int, ...]) -> list[int]:
    """``total`` split over lists in proportion to their sizes, by largest remainder (sums exactly)."""
    whole = sum(sizes)
    shares = [total * size / whole for size in sizes]
    counts = [int(share) for share in shares]
    order = sorted(range(len(sizes)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _theme_for_type() -> dict[str, tuple]:
    themes: dict[str, tuple] = {}
    for theme in THEMES:
        themes.setdefault(theme[0], theme)
    return themes


class _Planner:
    def __init__(self, rng: random.Random, as_of: dt.date, months: list[dt.date]):
        self.rng = rng
        self.as_of = as_of
        self.months = months
        base = dt.date(as_of.year, 1, 1)
        if (as_of - base).days < 150:  # early in the year: the campaign began the year before
            base = as_of - dt.timedelta(days=240)
        self.base = base

    def project(self, *, list_key: str, code: str, theme: tuple, place: str, region: str | None, lead: str,
                co: list[str], source: str, completed: bool, title: str | None = None) -> ProjectPlan:
        rng = self.rng
        type_code, title_pattern, content, _lead, _co, milestone_titles, indicators = theme[:7]
        start = self.base + dt.timedelta(days=rng.randrange(0, 45))
        if completed:
            earliest = max(start + dt.timedelta(days=45), self.months[0] - dt.timedelta(days=25))
            completion = earliest + dt.timedelta(days=rng.randrange(0, max((self.as_of - earliest).days, 1)))
            completion = min(completion, self.as_of)
            end = max(completion, dt.date(completion.year, 12, 31) - dt.timedelta(days=rng.choice([0, 16, 61])))
            pace = "completed"
        else:
            completion = None
            end = dt.date(self.as_of.year, 12, 31) if rng.random() < 0.75 else dt.date(self.as_of.year, 12, 15)
            end = max(end, self.as_of + dt.timedelta(days=60))
            pace = self._pace()
        plan = ProjectPlan(list_key=list_key, code=code, title=title or title_pattern.format(place=place),
                           content=content, type_code=type_code, source=source, lead=lead,
                           co=[c for c in co if c != lead], region=region, start=start, end=end, as_of=self.as_of,
                           pace=pace, completion=completion)
        span = (end - start).days
        count = len(milestone_titles)
        for index, milestone_title in enumerate(milestone_titles, start=1):
            due = start + dt.timedelta(days=round(span * index / (count + 0.3)))
            plan.milestones.append(MilestonePlan(title=milestone_title, due=due, weight=rng.choice([1, 1, 2, 3]),
                                                 done=None))
        for name, unit, baseline, target, *rest in indicators:
            plan.indicators.append(IndicatorPlan(name=name, unit=unit, baseline=baseline, target=target,
                                                 final=rest[0] if rest else None, group=rest[1] if rest else ""))
        self._progress(plan)
        return plan

    def _pace(self) -> str:
        pick, total = self.rng.random(), 0.0
        for pace, weight in PACES:
            total += weight
            if pick < total:
                return pace
        return "on_track"

    def _progress(self, plan: ProjectPlan) -> None:
        """Milestone done dates and indicators' final figures as of the campaign's day, by pace."""
        rng = self.rng
        if plan.completion is not None:  # done: every milestone by the completion day, every target reached
            for milestone in plan.milestones:
                early = milestone.due - dt.timedelta(days=rng.randrange(0, 12))
                milestone.done = max(plan.start, min(early, plan.completion))
            for indicator in plan.indicators:
                indicator.final = indicator.target if indicator.final is None else indicator.final
            return
        overdue = [m for m in plan.milestones if m.due < self.as_of]
        stuck = overdue[-1] if plan.pace == "overdue" and overdue else None
        for milestone in plan.milestones:
            done = milestone.due - dt.timedelta(days=rng.randrange(0, 12))
            if milestone is not stuck and done <= self.as_of:
                milestone.done = max(plan.start, done)
        elapsed = (self.as_of - plan.start).days / max((plan.end - plan.start).days, 1)
        offset = {"on_track": 0.04, "behind": -0.16, "overdue": -0.12}.get(plan.pace, 0.0)
        for indicator in plan.indicators:
            if indicator.final is None:
                share = min(0.95, max(0.0, elapsed + offset))
                indicator.final = round(indicator.baseline + (indicator.target - indicator.baseline) * share)


def campaign_plan(*, scale: str, as_of: dt.date, seed: int = 20210630, year: int | None = None) -> Campaign:
    """The whole campaign at ``scale`` ("full": the article's 9,482 projects; "small": the same shape, small)."""
    size = SCALES[scale]
    rng = random.Random(seed)
    year = year or as_of.year
    months = month_ends(as_of, 4)
    planner = _Planner(rng, as_of, months)
    themes = _theme_for_type()
    type_codes = [type_code for _top, _name, kinds in CATEGORIES for type_code, _n in kinds]
    lists: list[ListPlan] = []

    # City leaders: 2 projects per research topic (the two key programmes first), by the leaders' units.
    leaders: list[ProjectPlan] = []
    for number in range(size.leaders):
        topic = RESEARCH_TOPICS[(number * size.topics // size.leaders) % len(RESEARCH_TOPICS)]
        flagship = FLAGSHIPS[number] if number < len(FLAGSHIPS) else None
        theme = flagship or THEMES[(number * 5) % len(THEMES)]
        plan = planner.project(list_key="city_leaders", code=f"{year}-LD-{number + 1:03d}", theme=theme,
                               place="全市", region=None, lead=theme[3], co=list(theme[4]),
                               source=ProjectSource.LEADER_RESEARCH, completed=False)
        plan.research_topic = topic
        plan.responsible_leader = rng.choice(["市长", "常务副市长", "分管副市长"])
        if flagship:
            plan.flagship = True
            plan.start, plan.end = dt.date(year, 1, 1), dt.date(year + 2, 12, 31)
            plan.pace = "on_track"
            _restage(plan, rng)
        leaders.append(plan)
    _complete_some(planner, leaders, size.leaders_completed)
    lists.append(ListPlan("city_leaders", "city_leaders", f"{year}年市领导领衔推进重点民生项目", "FS-ZFB",
                          f"市领导开展 {size.topics} 个专题调研，形成有具体内容、进度安排的重点民生项目。", leaders))

    # The committee and government's projects: every type at least once (82 projects in 31 types).
    committee = []
    for number in range(size.committee):
        theme = themes[type_codes[number % len(type_codes)]]
        committee.append(planner.project(
            list_key="committee_government", code=f"{year}-SW-{number + 1:03d}", theme=theme, place="全市",
            region=None, lead=theme[3], co=list(theme[4]), source=ProjectSource.PUBLIC_SOLICITATION,
            completed=False, title=_numbered(theme[1].format(place="全市"), number, len(type_codes))))
    _complete_some(planner, committee, size.committee_completed)
    lists.append(ListPlan("committee_government", "committee_government", f"{year}年市委市政府民生实事", "FS-ZFB",
                          "面向社会公开征集，经市委常委会、市政府常务会议审定。", committee))

    # City-level units: each of the 105 units leads at least one project, over the 6 categories.
    unit_codes, extra_units = city_unit_codes(size.city_unit_leads)
    by_category = [[themes[t] for t, _n in kinds] for _top, _name, kinds in CATEGORIES]
    units_projects = []
    for number in range(size.city_units):
        kinds = by_category[number % len(by_category)]
        theme = kinds[(number // len(by_category)) % len(kinds)]
        lead = unit_codes[number % len(unit_codes)]
        units_projects.append(planner.project(
            list_key="city_units", code=f"{year}-SZ-{number + 1:04d}", theme=theme, place="全市", region=None,
            lead=lead, co=[theme[3]], source=ProjectSource.UNIT_PLAN, completed=False,
            title=f"{theme[1].format(place='全市')}（第{number + 1}项）"))
    _complete_some(planner, units_projects, size.city_units_completed)
    lists.append(ListPlan("city_units", "city_units", f"{year}年市直单位民生实事", "FS-ZFB",
                          "市直单位结合职能提出的民生实事。", units_projects))

    # The districts' lists: by town, led by the town office or the district government.
    districts = foshan_districts()
    completed_per_district = _spread(size.districts_completed, size.districts)
    sources = [ProjectSource.PUBLIC_SOLICITATION, ProjectSource.UNIT_PLAN, ProjectSource.UNIT_PLAN,
               ProjectSource.APPEAL_HOTSPOT]
    for district, count, completed in zip(districts, size.districts, completed_per_district, strict=True):
        towns = district["towns"]
        projects = []
        for number in range(count):
            town = towns[number % len(towns)]
            theme = THEMES[(number * 7 + number // len(THEMES)) % len(THEMES)]
            lead = f"FS-{town['division_code']}" if number % 10 < 7 else f"FS-{district['division_code']}"
            projects.append(planner.project(
                list_key=f"district-{district['division_code']}", code=f"{year}-{district['division_code']}-"
                f"{number + 1:04d}", theme=theme, place=town["name"], region=town["division_code"], lead=lead,
                co=[theme[3]], source=sources[number % len(sources)], completed=False,
                title=f"{theme[1].format(place=town['name'])}（第{number // len(towns) + 1}批）"))
        _complete_some(planner, projects, completed)
        lists.append(ListPlan(f"district-{district['division_code']}", "district",
                              f"{year}年{district['name']}民生实事", f"FS-{district['division_code']}", "", projects))

    # A department's list: the 城管执法局's own projects in the towns.
    towns = [town for district in districts for town in district["towns"]]
    cgj_themes = [t for t in THEMES if t[3] == "FS-CGJ"]
    department = []
    for number in range(size.department):
        theme = cgj_themes[number % len(cgj_themes)]
        town = towns[number % len(towns)]
        department.append(planner.project(
            list_key="department", code=f"{year}-CG-{number + 1:03d}", theme=theme, place=town["name"],
            region=town["division_code"], lead="FS-CGJ", co=list(theme[4]), source=ProjectSource.UNIT_PLAN,
            completed=False, title=f"{theme[1].format(place=town['name'])}（第{number // len(towns) + 1}批）"))
    _complete_some(planner, department, size.department_completed)
    lists.append(ListPlan("department", "department", f"{year}年市城管执法局民生实事", "FS-CGJ", "", department))
    return Campaign(as_of=as_of, months=months, lists=lists, city_units=extra_units)


def _numbered(title: str, number: int, cycle: int) -> str:
    return title if number < cycle else f"{title}（{'二三四五'[min(number // cycle - 1, 3)]}期）"


def _restage(plan: ProjectPlan, rng: random.Random) -> None:
    """A key programme runs over years: milestones spread over its own span, its figures as published."""
    span = (plan.end - plan.start).days
    for index, milestone in enumerate(plan.milestones, start=1):
        milestone.due = plan.start + dt.timedelta(days=round(span * index / (len(plan.milestones) + 0.3)))
        milestone.done = None
    plan.completion = None


def _complete_some(planner: _Planner, plans: list[ProjectPlan], count: int) -> None:
    """Exactly ``count`` of ``plans`` are completed as of the campaign's day (chosen by the seeded draw)."""
    eligible = [index for index, plan in enumerate(plans) if not plan.flagship]  # key programmes run for years
    if count > len(eligible):
        raise ValueError(f"{count} completed out of {len(eligible)} projects")
    chosen = sorted(planner.rng.sample(eligible, count))
    for index in chosen:
        old = plans[index]
        theme = _theme_of(old)
        replacement = planner.project(list_key=old.list_key, code=old.code, theme=theme, place="", region=old.region,
                                      lead=old.lead, co=old.co, source=old.source, completed=True, title=old.title)
        replacement.research_topic, replacement.responsible_leader = old.research_topic, old.responsible_leader
        plans[index] = replacement


def _theme_of(plan: ProjectPlan) -> tuple:
    milestones = [m.title for m in plan.milestones]
    indicators = [(i.name, i.unit, i.baseline, i.target) for i in plan.indicators]
    return (plan.type_code, plan.title, plan.content, plan.lead, plan.co, milestones, indicators)
