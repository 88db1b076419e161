"""A small world for insight tests: cases in two districts, a project list, and the personas who look at them."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.appeals import services as appeals
from minsheng.org.choices import Role, UnitKind
from minsheng.org.tests.factories import person, region_tree, unit
from minsheng.projects import services as projects

from .samples import BARBECUE, STREETLIGHT  # noqa: F401 (re-exported for the tests)

MOBILE = "13800138000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def build_world():
    regions = region_tree()
    root = appeals.category_create(code="01", name="城市管理")
    middle = appeals.category_create(code="0101", name="市政设施", parent=root)
    lights = appeals.category_create(code="010101", name="路灯损坏", parent=middle)
    fumes = appeals.category_create(code="010102", name="油烟扰民", parent=middle)
    cgj = unit("佛山市城市管理和综合执法局", code="CGJ", regions=[regions["city"]])
    daliang_office = unit("大良街道办事处", code="DL", kind=UnitKind.TOWN_OFFICE, regions=[regions["daliang"]])
    officer = person(Role.PROJECT_OFFICER)
    level = projects.list_level_create(code="x", name="区级民生实事")
    project_list = projects.project_list_create(actor=officer, year=timezone.localdate().year, level=level,
                                                name="民生实事（热点）", owner_unit=cgj, is_published=True)
    return SimpleNamespace(
        regions=regions, lights=lights, fumes=fumes, cgj=cgj, daliang_office=daliang_office,
        officer=officer, project_list=project_list,
        agent=person(Role.CALL_AGENT), dispatcher=person(Role.DISPATCHER), leader=person(Role.LEADER),
        supervisor=person(Role.SUPERVISOR), admin=person(Role.ADMIN),
        shunde_leader=person(Role.LEADER, region=regions["shunde"]),
        cgj_head=person(Role.UNIT_HEAD, unit=cgj), cgj_handler=person(Role.UNIT_HANDLER, unit=cgj),
        daliang_head=person(Role.UNIT_HEAD, unit=daliang_office),
        citizen=person(Role.CITIZEN), other_citizen=person(Role.CITIZEN),
        reviewer=person(Role.REVIEWER), callback=person(Role.CALLBACK_AGENT),
    )


def register(world, text, *, category=None, region=None, citizen=None, anonymous=False, kind="complaint",
             hours_ago=1, caller_name="陈先生"):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return appeals.appeal_register(
        actor=world.agent, kind=kind, channel="hotline_12345", category=category or world.lights,
        region=region or world.regions["grid"], content=text, caller_name=caller_name,
        caller_mobile="" if anonymous else MOBILE, citizen=citizen, anonymous=anonymous, at=at, auto_dispatch=False)


def closed_after_callback(world, text, *, satisfaction="satisfied", **extra):
    """A case through the whole cycle: dispatched to the city bureau, answered, passed, called back."""
    appeal = register(world, text, **extra)
    appeal = appeals.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj)
    leg = appeal.legs.get(role="lead")
    appeals.leg_sign(actor=world.cgj_handler, leg=leg)
    appeals.appeal_answer(actor=world.cgj_handler, leg=leg, text="已安排维修人员更换灯具，现已恢复照明。")
    appeal.refresh_from_db()
    appeals.answer_review(actor=world.reviewer, appeal=appeal, passed=True)
    appeal.refresh_from_db()
    appeals.callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction=satisfaction,
                            resolved=satisfaction != "dissatisfied", dissatisfied_reason="other"
                            if satisfaction == "dissatisfied" else "")
    appeal.refresh_from_db()
    return appeal


def complete(world, project):
    """The lead unit reports completion with a photo; the officer accepts it."""
    report = projects.report_submit(actor=world.cgj_handler, project=project, period=timezone.localdate(),
                                    text="路灯已全部更换为LED并恢复照明。", claims_completion=True,
                                    evidence=[SimpleUploadedFile("done.png", PNG, content_type="image/png")])
    projects.report_accept(actor=world.officer, report=report)
    project.refresh_from_db()
    return project


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
def _fresh_cache():
    """Insight caches slow aggregates (public figures, month rates, hotspots); each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
