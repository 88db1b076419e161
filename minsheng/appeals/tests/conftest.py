"""Shared fixtures for appeals tests: a small taxonomy, units, a catalogue and the personas."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from minsheng.org.choices import Role, UnitKind
from minsheng.org.tests.factories import person, region_tree, unit

from ..services import category_create

TZ = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def build_world():
    regions = region_tree()
    root = category_create(code="01", name="城市管理")
    middle = category_create(code="0101", name="市容环境", parent=root)
    stalls = category_create(code="010101", name="占道经营", parent=middle)
    noise = category_create(code="010102", name="噪音扰民", parent=middle)
    water_root = category_create(code="02", name="公用事业")
    water_mid = category_create(code="0201", name="供水", parent=water_root)
    water = category_create(code="020101", name="停水", parent=water_mid)
    cgj = unit("佛山市城市管理和综合执法局", code="CGJ", regions=[regions["city"]])
    water_co = unit("佛山水业集团", code="WATER", kind=UnitKind.PUBLIC_UTILITY, regions=[regions["city"]])
    zumiao_office = unit("祖庙街道办事处", code="ZM", kind=UnitKind.TOWN_OFFICE, regions=[regions["zumiao"]])
    daliang_office = unit("大良街道办事处", code="DL", kind=UnitKind.TOWN_OFFICE, regions=[regions["daliang"]])
    return SimpleNamespace(
        regions=regions, stalls=stalls, noise=noise, water=water, middle=middle,
        cgj=cgj, water_co=water_co, zumiao_office=zumiao_office, daliang_office=daliang_office,
        agent=person(Role.CALL_AGENT), dispatcher=person(Role.DISPATCHER), reviewer=person(Role.REVIEWER),
        callback=person(Role.CALLBACK_AGENT), supervisor=person(Role.SUPERVISOR), leader=person(Role.LEADER),
        handler=person(Role.UNIT_HANDLER, unit=cgj), head=person(Role.UNIT_HEAD, unit=cgj),
        zumiao_handler=person(Role.UNIT_HANDLER, unit=zumiao_office),
        daliang_handler=person(Role.UNIT_HANDLER, unit=daliang_office),
        water_handler=person(Role.UNIT_HANDLER, unit=water_co),
        citizen=person(Role.CITIZEN), other_citizen=person(Role.CITIZEN),
        shunde_dispatcher=person(Role.DISPATCHER, region=regions["shunde"]),
    )


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids; the UI default is zh-Hans."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Each test builds its own taxonomy: forget the per-process lookups of codes and parents."""
    from ..selectors import reference_caches_clear

    reference_caches_clear()
    yield
    reference_caches_clear()
