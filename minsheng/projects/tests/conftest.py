"""A small world for project tests: Foshan's tree, three units, a list, a project, and personas."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree, unit
from minsheng.projects import services

TODAY = dt.date(2026, 5, 15)


@dataclass
class World:
    regions: dict
    lead: object
    co: object
    other: object
    officer: object
    district_officer: object
    supervisor: object
    leader: object
    lead_handler: object
    lead_head: object
    co_handler: object
    other_handler: object
    citizen: object
    admin: object
    level: object
    category: object
    project_list: object
    project: object


@pytest.fixture
def world(db) -> World:
    regions = region_tree()
    lead = unit("佛山市住房和城乡建设局", code="FS-ZJJ")
    co = unit("佛山市自然资源局", code="FS-ZRJ")
    other = unit("佛山市教育局", code="FS-JYJ")
    officer = person(Role.PROJECT_OFFICER, username="officer")
    level = services.list_level_create(code="city_units", name="市直单位民生实事", order=3)
    top = services.category_create(code="C1", name="城乡建设")
    category = services.category_create(code="C1-01", name="村级工业园改造", parent=top)
    project_list = services.project_list_create(actor=officer, year=2026, level=level, name="2026年市直单位民生实事",
                                                owner_unit=lead, is_published=True)
    project = services.project_create(
        actor=officer, project_list=project_list, code="2026-SZ-001", title="村级工业园升级改造",
        lead_unit=lead, co_units=[co], start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31),
        region=regions["chancheng"], internal_note="内部：资金缺口待协调", today=TODAY)
    return World(
        regions=regions, lead=lead, co=co, other=other, officer=officer,
        district_officer=person(Role.PROJECT_OFFICER, region=regions["shunde"]),
        supervisor=person(Role.SUPERVISOR), leader=person(Role.LEADER),
        lead_handler=person(Role.UNIT_HANDLER, unit=lead), lead_head=person(Role.UNIT_HEAD, unit=lead),
        co_handler=person(Role.UNIT_HANDLER, unit=co), other_handler=person(Role.UNIT_HANDLER, unit=other),
        citizen=person(Role.CITIZEN), admin=person(Role.ADMIN), level=level, category=category,
        project_list=project_list, project=project,
    )


def add_plan(world: World):
    """Two milestones (Mar 31 weight 1, Sep 30 weight 1) and one indicator 0 → 367,000 mu."""
    p = world.project
    first = services.milestone_add(actor=world.officer, project=p, title="完成摸底调查", due_date=dt.date(2026, 3, 31),
                                   today=TODAY)
    second = services.milestone_add(actor=world.officer, project=p, title="完成拆除整理", due_date=dt.date(2026, 9, 30),
                                    today=TODAY)
    indicator = services.indicator_add(actor=world.officer, project=p, name="改造面积", unit="亩",
                                       target=Decimal(367000), today=TODAY)
    return first, second, indicator

