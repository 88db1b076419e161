"""Demo: hotspots found in the demo's appeals become projects; one is completed and its citizens are told.

Runs after the appeals, projects and subsidies demos. When their appeals hold fewer than two
hotspots (their texts are varied on purpose), a few groups of similar cases are raised through
the appeals service first — real cases, as a street with a broken light would produce.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.appeals import services as appeals
from minsheng.appeals.models import Category
from minsheng.appeals.rollup import metrics_rollup_refresh
from minsheng.org.choices import RegionLevel
from minsheng.org.models import Region, Unit
from minsheng.projects import services as projects
from minsheng.projects.models import ListLevel, ProjectList

from . import selectors, services
from .models import HotspotProject, Notification

# (category keywords, texts): how people describe one problem, each in their own words.
CLUSTERS = [
    (("路面坑洼", "道路设施", "路面"), [
        "{road}靠近{cross}路段路面坑洼严重，电动车经过容易摔倒",
        "{road}{cross}路口路面坑坑洼洼，下雨积水，请尽快修补",
        "{road}路面坑洼多处，车辆经过颠簸，存在安全隐患",
        "{cross}与{road}交界路面塌陷坑洼，晚上看不清容易摔倒",
        "{road}路面坑洼一直没修，下雨天积水严重",
    ]),
    (("占道经营", "市容环境"), [
        "{road}夜市烧烤摊占道经营，油烟大，堵塞人行道",
        "晚上{road}烧烤摊占道经营到凌晨，油烟噪音扰民",
        "{road}人行道被烧烤摊占道经营，行人只能走机动车道",
        "{road}烧烤摊占道经营，油烟熏人，多次反映未解决",
    ]),
]
ROADS = ["东风路", "汾江路", "季华路", "文华路", "岭南大道", "佛山大道", "绿景路", "南海大道"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def load(*, stdout, rng: random.Random, scale: str, foshan) -> None:
    users = get_user_model().objects
    officer, admin, agent = (users.filter(username=name).first() for name in ("projects", "admin", "agent"))
    citizen = users.filter(username="citizen").first()
    if officer is None or admin is None:
        stdout.write("  insight: the demo accounts are missing; skipped")
        return
    found = selectors.hotspot_list(user=officer, days=30, level="community")
    if len([v for v in found if v.link is None]) < 2:
        _raise_similar_cases(rng=rng, foshan=foshan, agent=agent, citizen=citizen)
        found = selectors.hotspot_list(user=officer, days=30, level="community")
    candidates = [v for v in found if v.link is None][:2]
    if not candidates:
        stdout.write("  insight: no appeals to find hotspots in; skipped")
        return
    project_list = _project_list(officer=officer, foshan=foshan)
    today = timezone.localdate()
    links = []
    for view in candidates:
        place = view.place
        town = Region.objects.filter(pk=place.parent_id).first() if place else None
        lead = foshan.town_office.get(town.pk) if town else None
        lead = lead or Unit.objects.filter(code="FS-CGJ").first() or Unit.objects.first()
        topic = view.category.name if view.category else "群众反映"
        links.append(services.hotspot_project_create(
            actor=officer, hotspot=view.hotspot, project_list=project_list, lead_unit=lead,
            title=f"{place.name if place else ''}{topic}问题集中整治", start_date=today - dt.timedelta(days=20),
            end_date=today + dt.timedelta(days=70), today=today))
    report = projects.report_submit(
        actor=admin, project=links[0].project, period=today, claims_completion=True,
        text="问题点位已全部整治完毕，经现场核查群众反映问题已解决。",
        evidence=[SimpleUploadedFile("hotspot-done.png", PNG, content_type="image/png")], today=today)
    projects.report_accept(actor=officer, report=report, today=today)
    told = services.hotspot_outcomes_notify()
    services.public_figures_refresh()
    stdout.write(f"  hotspots: {len(found)}, turned into projects: {HotspotProject.objects.count()}, "
                 f"citizens told: {told} (notifications: {Notification.objects.count()})")


def _raise_similar_cases(*, rng: random.Random, foshan, agent, citizen) -> None:
    communities = list(Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("code"))
    leaves = list(Category.objects.filter(level=3, is_active=True).order_by("code"))
    if not communities:
        return
    if not leaves:
        leaves = _minimal_taxonomy()
    now = timezone.now()
    for number, (keywords, texts) in enumerate(CLUSTERS):
        category = next((c for k in keywords for c in leaves if k in c.full_name), leaves[number % len(leaves)])
        community = rng.choice(communities)
        grids = list(Region.objects.filter(parent=community)) or [community]
        road, cross = rng.sample(ROADS, 2)
        for i, text in enumerate(texts):
            raised_by_account = citizen is not None and number == 0 and i == 0
            appeals.appeal_register(
                actor=agent, kind="complaint", channel=rng.choice(["hotline_12345", "wechat", "app"]),
                category=category, region=rng.choice(grids), content=text.format(road=road, cross=cross),
                address=f"{community.name}{road}", caller_name=rng.choice(["陈先生", "李女士", "黄伯", "梁小姐"]),
                caller_mobile="" if raised_by_account else f"139{rng.randrange(10**8):08d}",
                citizen=citizen if raised_by_account else None,
                at=now - dt.timedelta(days=rng.uniform(1, 20)))
    metrics_rollup_refresh()  # registered in the past: roll those days up again (as the appeals demo does)


def _minimal_taxonomy() -> list[Category]:
    """Only when the appeals demo made no categories: the two this demo's cases need."""
    root = appeals.category_create(code="99", name="城市管理")
    middle = appeals.category_create(code="9901", name="市容环境", parent=root)
    return [appeals.category_create(code="990101", name="路面坑洼", parent=middle),
            appeals.category_create(code="990102", name="占道经营", parent=middle)]


def _project_list(*, officer, foshan) -> ProjectList:
    year = timezone.localdate().year
    existing = ProjectList.objects.filter(year=year, is_published=True).order_by("level__order", "id").last()
    if existing is not None:
        return existing
    level = ListLevel.objects.order_by("-order").first() or projects.list_level_create(
        code="x", name="区级和部门民生实事", order=4)
    owner = Unit.objects.filter(code="FS-CGJ").first() or Unit.objects.first()
    return projects.project_list_create(actor=officer, year=year, level=level, name=f"{year}年群众诉求热点民生实事",
                                        owner_unit=owner, is_published=True)
