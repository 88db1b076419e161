"""Statistics come out of the records: totals, breakdowns and the monthly trend."""

import datetime as dt

from minsheng.projects import services
from minsheng.projects.choices import ProjectStatus
from minsheng.projects.stats import project_statistics

from .conftest import TODAY, add_plan


def _project(world, code, region=None, lead=None):
    return services.project_create(actor=world.officer, project_list=world.project_list, code=code, title=code,
                                   lead_unit=lead or world.other, region=region, category=world.category,
                                   start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), today=TODAY)


def test_totals_and_breakdowns_count_each_project_once(world):
    add_plan(world)  # the world's project (禅城区) turns red
    _project(world, "P-2", region=world.regions["shunde"])
    cancelled = _project(world, "P-3")
    services.project_status_change(actor=world.officer, project=cancelled, status=ProjectStatus.CANCELLED,
                                   reason="合并", today=TODAY)
    figures = project_statistics(user=world.leader, today=TODAY)
    totals = figures["totals"]
    assert (totals["listed"], totals["not_started"], totals["cancelled"], totals["red"]) == (3, 2, 1, 1)
    assert totals["lagging"] == 1
    by_district = {row["name"]: row["listed"] for row in figures["by_district"]}
    assert by_district == {"禅城区": 1, "顺德区": 1, "全市": 1}
    assert [row["listed"] for row in figures["by_category"]] == [2, 1]  # 城乡建设 (via its type) and none
    assert sum(row["listed"] for row in figures["by_lead_unit"]) == 3
    assert figures["by_level"][0]["listed"] == 3


def test_trend_reads_the_stored_snapshots(world):
    services.snapshot_take(month=dt.date(2026, 4, 1), today=dt.date(2026, 4, 30))
    _project(world, "P-2")
    services.snapshot_take(month=TODAY, today=TODAY)
    trend = project_statistics(user=world.leader, today=TODAY)["trend"]
    assert [(row["month"], row["listed"]) for row in trend] == [("2026-04", 1), ("2026-05", 2)]


def test_a_unit_sees_statistics_of_its_own_projects_only(world):
    _project(world, "P-2")
    assert project_statistics(user=world.lead_handler, today=TODAY)["totals"]["listed"] == 1


def test_city_wide_trend_from_figures_equals_the_trend_from_snapshots(world):
    from minsheng.projects.models import Project
    from minsheng.projects.stats import snapshot_trend

    add_plan(world)
    _project(world, "P-2")
    services.snapshot_take(month=dt.date(2026, 4, 1), today=dt.date(2026, 4, 30))
    services.snapshot_take(month=TODAY, today=TODAY)
    from_snapshots = snapshot_trend(projects=Project.objects.all(), today=TODAY)
    from_figures = snapshot_trend(projects=Project.objects.all(), today=TODAY, summary={"year": 2026})
    assert from_figures == from_snapshots
    assert project_statistics(user=world.leader, today=TODAY)["trend"] == from_snapshots
