"""The article's campaign: the plan reproduces its figures exactly, the built demo shows what the plan says,
each key programme exists once, completed projects are genuinely complete, and "was lagging" comes
from the warning history."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from minsheng.projects import programmes, services
from minsheng.projects.choices import ProjectSource, ProjectStatus, WarningLevel
from minsheng.projects.demo.catalogue import ARTICLE_DATE, ARTICLE_FIGURES, FLAGSHIPS, LEVELS, ROAD_HAZARDS
from minsheng.projects.demo.plan import SCALES, campaign_plan
from minsheng.projects.models import Milestone, Project
from minsheng.projects.selectors import caught_up_projects
from minsheng.projects.stats import project_statistics
from minsheng.projects.warnings import PlannedMilestone, assess

from .conftest import TODAY, add_plan
from .test_warnings import CAL

FLAGSHIP_TITLES = {theme[1] for theme in FLAGSHIPS}


@pytest.fixture(scope="module")
def article():
    return campaign_plan(scale="full", as_of=ARTICLE_DATE)


def _programme(campaign, title):
    return next(p for p in campaign.projects() if p.title == title)


# --- the plan (no database) ----------------------------------------------------------------------
def test_full_plan_reproduces_the_articles_counts(article):
    figures = article.figures()
    assert {key: figures[key] for key in ("listed", "completed", "in_progress")} == {
        key: ARTICLE_FIGURES[key] for key in ("listed", "completed", "in_progress")}
    leaders = figures["by_level"]["city_leaders"]
    assert (leaders["projects"], leaders["topics"]) == (ARTICLE_FIGURES["city_leaders"]["projects"],
                                                       ARTICLE_FIGURES["city_leaders"]["topics"])
    committee = figures["by_level"]["committee_government"]
    assert (committee["projects"], committee["types"]) == (ARTICLE_FIGURES["committee_government"]["projects"],
                                                           ARTICLE_FIGURES["committee_government"]["types"])
    units = figures["by_level"]["city_units"]
    expected = ARTICLE_FIGURES["city_units"]
    assert (units["projects"], units["units"], units["categories"]) == (
        expected["projects"], expected["units"], expected["categories"])


def test_each_key_programme_exists_once(article):
    titles = [p.title for p in article.projects()]
    for title in FLAGSHIP_TITLES:
        assert titles.count(title) == 1
    assert sum(1 for p in article.projects() if p.flagship) == len(FLAGSHIPS)
    demolition = [i for p in article.projects() for i in p.indicators if i.name == "拆除整理"]
    assert len(demolition) == 1


def test_key_programme_figures_are_the_articles(article):
    parks = _programme(article, FLAGSHIPS[0][1])
    figures = ARTICLE_FIGURES["village_parks"]
    by_name = {i.name: i for i in parks.indicators}
    task = [i for i in parks.indicators if i.group]
    assert sum(i.target for i in task) == figures["task_mu"]
    assert by_name["拆除整理"].final == figures["demolished_mu"]
    assert round(by_name["拆除整理"].final / by_name["拆除整理"].target, 2) == figures["demolished_share"]
    assert by_name["综合整治"].final == figures["renovated_mu"]
    assert by_name["“工改工”项目动工"].final == figures["industrial_started_mu"]
    assert by_name["引进亿元以上项目"].final == figures["big_projects"]
    assert by_name["完成投资"].final == figures["investment_yi"]
    traffic = _programme(article, FLAGSHIPS[1][1])
    figures = ARTICLE_FIGURES["smooth_traffic"]
    hazards = [i for i in traffic.indicators if i.group]
    assert len(hazards) == figures["hazard_categories"] == len(ROAD_HAZARDS)
    assert sum(i.target for i in hazards) == figures["hazards_found"]  # found: what is to be treated
    assert sum(i.final for i in hazards) == figures["hazards_treated"]  # treated: the progress
    by_name = {i.name: i for i in traffic.indicators}
    assert (by_name["部署系统工程"].final, by_name["部署措施"].final, by_name["部署任务"].final,
            by_name["打通断头路"].final) == (figures["system_projects"], figures["measures"], figures["tasks"],
                                          figures["dead_end_roads"])


@pytest.mark.parametrize("scale", ["small", "full"])
def test_completed_projects_in_the_plan_are_genuinely_complete(scale, article):
    campaign = article if scale == "full" else campaign_plan(scale="small", as_of=TODAY)
    for plan in campaign.projects():
        assert plan.start <= campaign.as_of
        if plan.completion is None:
            continue
        assert plan.completion <= campaign.as_of
        assert all(m.done is not None and m.done <= plan.completion for m in plan.milestones)
        assert all(i.final == i.target for i in plan.indicators)


def test_small_plan_has_the_articles_shape():
    size = SCALES["small"]
    campaign = campaign_plan(scale="small", as_of=TODAY)
    figures = campaign.figures()
    assert figures["listed"] == size.leaders + size.committee + size.city_units + sum(size.districts) + size.department
    assert figures["completed"] == (size.leaders_completed + size.committee_completed + size.city_units_completed
                                    + size.districts_completed + size.department_completed)
    assert figures["by_level"]["city_leaders"]["topics"] == size.topics
    assert figures["by_level"]["committee_government"]["types"] == size.committee
    assert figures["by_level"]["city_units"]["units"] == size.city_unit_leads
    assert figures["by_level"]["city_units"]["categories"] == ARTICLE_FIGURES["city_units"]["categories"]
    titles = [p.title for p in campaign.projects()]
    assert all(titles.count(title) == 1 for title in FLAGSHIP_TITLES)


# --- the built demo ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_small_demo_shows_the_figures_of_its_plan(django_user_model):
    from minsheng.projects.demo import campaign_build

    rng = random.Random(7)
    foshan = _foshan(rng)
    campaign = campaign_plan(scale="small", as_of=TODAY, seed=11)
    campaign_build(campaign=campaign, foshan=foshan, rng=rng)
    expected = campaign.figures()
    leader = django_user_model.objects.get(username="leader")
    figures = project_statistics(user=leader, year=TODAY.year, today=TODAY)
    totals = figures["totals"]
    assert (totals["listed"], totals["completed"], totals["in_progress"]) == (
        expected["listed"], expected["completed"], expected["in_progress"])
    level_names = {code: name for code, name, _order in LEVELS}
    shown = {row["name"]: row for row in figures["by_level"]}
    for level, row in expected["by_level"].items():
        got = shown[level_names[level]]
        assert (got["listed"], got["completed"], got["lead_units"], got["categories"], got["types"], got["topics"]) == (
            row["projects"], row["completed"], row["units"], row["categories"], row["types"], row["topics"])
    assert len(figures["by_research_topic"]) == expected["by_level"]["city_leaders"]["topics"]
    # Each key programme once, its figures from its indicators.
    for title in FLAGSHIP_TITLES:
        assert Project.objects.filter(title=title).count() == 1
    programmes_shown = {p["title"]: p for p in figures["programmes"]}
    assert set(programmes_shown) == FLAGSHIP_TITLES
    traffic = programmes_shown[FLAGSHIPS[1][1]]
    hazards = traffic["groups"][0]
    plan_hazards = [i for i in _programme(campaign, FLAGSHIPS[1][1]).indicators if i.group]
    assert (hazards["count"], hazards["target"]) == (len(plan_hazards), sum(i.target for i in plan_hazards))
    assert hazards["actual"] == sum(_programme(campaign, FLAGSHIPS[1][1]).actual(i, TODAY) for i in plan_hazards)
    # Completed means done: every milestone done, progress 100%.
    completed = Project.objects.filter(status=ProjectStatus.COMPLETED)
    assert completed.count() == expected["completed"]
    assert not completed.exclude(progress=1.0).exists()
    assert not Milestone.objects.filter(project__status=ProjectStatus.COMPLETED, done_at__isnull=True).exists()
    assert not completed.filter(evidence__isnull=True).exists()
    # "Was lagging" counts every project ever red or yellow, so never fewer than those lagging now.
    assert totals["was_lagging"] >= totals["lagging"]


def _foshan(rng):
    import io

    from minsheng.org import demo as org_demo

    return org_demo.load(stdout=io.StringIO(), rng=rng, scale="small")


# --- was lagging, thresholds, the new breakdowns --------------------------------------------------
def test_a_project_that_caught_up_still_counts_as_was_lagging(world):
    first, second, indicator = add_plan(world)  # the first milestone (Mar 31) is overdue: red
    assert Project.objects.get(pk=world.project.pk).warning == WarningLevel.RED
    report = services.report_submit(
        actor=world.lead_head, project=world.project, period=TODAY, text="全部节点完成",
        milestone_done={first.pk: dt.date(2026, 5, 10), second.pk: dt.date(2026, 5, 11)},
        indicator_actuals={indicator.pk: Decimal(367000)}, today=TODAY)
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    project = Project.objects.get(pk=world.project.pk)
    assert project.warning == WarningLevel.GREEN
    figures = project_statistics(user=world.leader, today=TODAY)
    assert (figures["totals"]["lagging"], figures["totals"]["was_lagging"]) == (0, 1)
    assert figures["by_level"][0]["was_lagging"] == 1
    assert list(caught_up_projects(user=world.leader)) == [project]


def test_a_project_never_lagging_is_not_was_lagging(world):
    figures = project_statistics(user=world.leader, today=TODAY)
    assert (figures["totals"]["listed"], figures["totals"]["was_lagging"]) == (1, 0)


def test_warning_thresholds_are_settings():
    start, end, today = dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 7, 1)
    milestones = [PlannedMilestone(due_date=dt.date(2026, 12, 1), weight=1, done=False)]
    calendar = CAL
    behind = dict(status=ProjectStatus.IN_PROGRESS, start=start, end=end, milestones=milestones,
                  today=today, calendar=calendar)
    planned = assess(progress=0.0, **behind).planned
    progress = planned - 0.10  # 10 points behind the plan
    assert assess(progress=progress, **behind).warning == WarningLevel.YELLOW
    with override_settings(PROJECTS_WARNING_YELLOW_GAP_POINTS=15):
        assert assess(progress=progress, **behind).warning == WarningLevel.GREEN
    with override_settings(PROJECTS_WARNING_RED_GAP_POINTS=8):
        assert assess(progress=progress, **behind).warning == WarningLevel.RED


def test_statistics_by_type_source_and_research_topic(world):
    topic = "村级工业园改造"
    for number, source in enumerate([ProjectSource.LEADER_RESEARCH, ProjectSource.LEADER_RESEARCH]):
        project = services.project_create(
            actor=world.officer, project_list=world.project_list, code=f"LD-{number}", title=f"项目{number}",
            lead_unit=world.other, category=world.category, source=source, start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31), today=TODAY)
        programmes.project_classify(actor=world.officer, project=project, research_topic=topic)
    figures = project_statistics(user=world.leader, today=TODAY)
    assert [(row["name"], row["listed"]) for row in figures["by_research_topic"]] == [(topic, 2)]
    sources = {row["group"]: row["listed"] for row in figures["by_source"]}
    assert sources == {ProjectSource.LEADER_RESEARCH: 2, ProjectSource.UNIT_PLAN: 1}
    assert [(row["name"], row["listed"]) for row in figures["by_type"]] == [(world.category.name, 2), ("—", 1)]
    assert figures["by_level"][0]["topics"] == 1


def test_programme_figures_add_up_an_indicator_group(world):
    bends = services.indicator_add(actor=world.officer, project=world.project, name="急弯陡坡", unit="处",
                                   target=Decimal(10), today=TODAY)
    services.indicator_add(actor=world.officer, project=world.project, name="路面坑槽", unit="处", target=Decimal(5),
                           today=TODAY)
    report = services.report_submit(actor=world.lead_head, project=world.project, period=TODAY, text="整治隐患",
                                    indicator_actuals={bends.pk: Decimal(7)}, today=TODAY)
    services.report_accept(actor=world.officer, report=report, today=TODAY)
    programmes.project_classify(actor=world.officer, project=world.project, flagship=True,
                                indicator_groups={"急弯陡坡": "道路隐患整治", "路面坑槽": "道路隐患整治"})
    [programme] = project_statistics(user=world.leader, today=TODAY)["programmes"]
    [group] = programme["groups"]
    assert (group["count"], group["target"], group["actual"]) == (2, 15, 7)
    assert round(group["completion"], 4) == round(7 / 15, 4)


def test_classifying_needs_a_project_officer(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        programmes.project_classify(actor=world.lead_head, project=world.project, research_topic="课题")
    assert Project.objects.get(pk=world.project.pk).research_topic == ""


def test_stats_and_warnings_pages_show_was_lagging_in_chinese(world, client):
    add_plan(world)
    client.force_login(world.leader)
    stats_page = client.get(reverse("projects:stats"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "曾滞后" in stats_page and "调研课题" in stats_page
    warnings_page = client.get(reverse("projects:warnings"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "曾滞后" in warnings_page


@pytest.mark.parametrize("number", [0, 7, 9482, 113100, 367000, 1234567])
def test_thousands_groups_like_intcomma(number):
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import translation

    from minsheng.projects.templatetags.project_figures import thousands

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert thousands(number) == intcomma(number)
