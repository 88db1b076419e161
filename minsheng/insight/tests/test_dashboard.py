"""The dashboard, reports and the public page: figures from the records, in the viewer's scope."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from minsheng.appeals import metrics
from minsheng.appeals.services import appeal_dispatch
from minsheng.insight import selectors, services
from minsheng.insight.periods import month_of
from minsheng.insight.tasks import insight_refresh_public_figures
from minsheng.projects import services as projects

from .conftest import MOBILE, STREETLIGHT, closed_after_callback, register


def dispatched(world, text, unit, **extra):
    appeal = register(world, text, **extra)
    return appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=unit)


def two_units(world):
    ours = dispatched(world, STREETLIGHT[0], world.cgj)
    theirs = dispatched(world, STREETLIGHT[1], world.daliang_office, region=world.regions["daliang"])
    return ours, theirs


def test_an_empty_city_shows_zeros_not_errors(world):
    data = selectors.dashboard(user=world.leader)
    assert data["appeals"]["open"] == 0
    assert data["appeals"]["satisfaction"] is None
    assert data["projects"]["listed"] == 0
    assert data["funds"]["paid_fen"] == 0
    assert data["districts"] == []


def test_a_leader_sees_the_whole_city(world):
    two_units(world)
    data = selectors.dashboard(user=world.leader)
    assert data["appeals"]["open"] == 2
    assert data["appeals"]["today"] + data["appeals"]["month"] >= 2


def test_a_unit_heads_dashboard_shows_only_their_unit(world):
    two_units(world)
    assert selectors.dashboard(user=world.cgj_head)["appeals"]["open"] == 1
    assert selectors.dashboard(user=world.daliang_head)["appeals"]["open"] == 1


def test_a_district_leader_sees_only_their_district(world):
    two_units(world)
    data = selectors.dashboard(user=world.shunde_leader)
    assert data["appeals"]["open"] == 1
    assert [d["code"] for d in data["districts"]] == ["440606"]


def test_unit_heads_see_only_their_units_projects(world):
    today = timezone.localdate()
    for code, unit in (("P-1", world.cgj), ("P-2", world.daliang_office)):
        projects.project_create(actor=world.officer, project_list=world.project_list, code=code, title=code,
                                lead_unit=unit, start_date=today, end_date=today + dt.timedelta(days=90))
    assert selectors.dashboard(user=world.leader)["projects"]["listed"] == 2
    assert selectors.dashboard(user=world.cgj_head)["projects"]["listed"] == 1


def test_an_overdue_case_is_red_and_its_unit_is_lagging(world):
    dispatched(world, STREETLIGHT[0], world.cgj, hours_ago=24 * 40)
    data = selectors.dashboard(user=world.supervisor)
    assert data["appeals"]["overdue"] == 1
    assert data["lagging_units"][0]["name"] == world.cgj.name


def test_dashboard_page_renders_for_a_leader_with_chart_data(world, client):
    two_units(world)
    client.force_login(world.leader)
    response = client.get(reverse("insight:dashboard"))
    assert response.status_code == 200
    assert b'id="dashboard-data"' in response.content
    assert b"echarts.min.js" in response.content


def test_dashboard_is_refused_to_a_citizen_and_asks_strangers_to_sign_in(world, client):
    assert client.get(reverse("insight:dashboard")).status_code == 302
    client.force_login(world.citizen)
    assert client.get(reverse("insight:dashboard")).status_code == 403


def test_report_page_and_csv_carry_the_same_figures(world, client):
    two_units(world)
    client.force_login(world.leader)
    period = month_of(timezone.localdate()).code
    page = client.get(reverse("insight:report"), {"period": period})
    assert page.status_code == 200
    csv = client.get(reverse("insight:report"), {"period": period, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "System,Figure,Value,Formula"
    assert "Registered,2," in text


def test_report_with_a_bad_period_says_why(world, client):
    client.force_login(world.leader)
    response = client.get(reverse("insight:report"), {"period": "next month"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    # The error names the formats (not only that the text is too long), whatever today's quarter is.
    assert "a month (2026-11) or a quarter (2026Q4)" in response.content.decode()


def test_report_for_a_district_counts_only_that_district(world):
    two_units(world)
    period = month_of(timezone.localdate())
    city = selectors.period_report(user=world.leader, period=period)
    shunde = selectors.period_report(user=world.leader, period=period, district=world.regions["shunde"])
    assert (city["appeals"]["registered"], shunde["appeals"]["registered"]) == (2, 1)


def test_public_page_needs_no_login_and_shows_nothing_personal(world, client):
    appeal = register(world, "我家门口的井盖松动，车辆经过响声很大", caller_name="王秀英")
    response = client.get(reverse("insight:public"))
    assert response.status_code == 200
    body = response.content.decode()
    for personal in ("王秀英", MOBILE, MOBILE[-4:], appeal.number, appeal.query_code, "井盖"):
        assert personal not in body
    assert 'id="public-figures"' in body


def test_public_figures_are_counts_only(world):
    register(world, STREETLIGHT[0])
    figures = selectors.public_figures(year=timezone.localdate().year)
    assert figures["appeals"]["registered"] == 1

    def leaves(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        else:
            yield value

    assert all(v is None or isinstance(v, int | float) for v in leaves(figures))


def test_dashboard_rates_are_the_appeal_statistics_rates(world):
    closed_after_callback(world, STREETLIGHT[0], satisfaction="satisfied")
    closed_after_callback(world, STREETLIGHT[1], satisfaction="dissatisfied")
    register(world, STREETLIGHT[2])
    live = selectors.dashboard(user=world.leader)["appeals"]
    today = timezone.localdate()
    stats = metrics.appeal_metrics(user=world.leader, period=metrics.Period.month(today.year, today.month)).rates
    assert live["satisfaction"] == stats["satisfaction"] == 0.5
    assert live["handling_rate"] == stats["completion"]
    assert selectors.public_figures(year=today.year)["appeals"]["satisfaction"] == 0.5


def test_a_district_leader_cannot_report_on_another_district(world, client):
    client.force_login(world.shunde_leader)
    period = month_of(timezone.localdate()).code
    other = client.get(reverse("insight:report"), {"period": period, "district": world.regions["chancheng"].pk})
    assert other.status_code == 400
    own = client.get(reverse("insight:report"), {"period": period, "district": world.regions["shunde"].pk})
    assert own.status_code == 200
    assert selectors.districts_for(user=world.shunde_leader) == [world.regions["shunde"]]


def test_the_public_page_shows_the_periodic_count_while_it_is_fresh(world, client):
    register(world, STREETLIGHT[0])
    assert client.get("/api/insight/public").json()["appeals"]["registered"] == 1  # no count yet: counted live
    insight_refresh_public_figures.enqueue()
    register(world, STREETLIGHT[1])
    data = client.get("/api/insight/public").json()
    assert data["appeals"]["registered"] == 1  # the periodic task's count, with its time
    assert data["counted_at"]
    services.public_figures_refresh()
    assert client.get("/api/insight/public").json()["appeals"]["registered"] == 2


def test_a_stale_public_count_is_not_shown(world, client):
    services.public_figures_refresh(now=timezone.now() - dt.timedelta(hours=2))
    register(world, STREETLIGHT[0])
    assert client.get("/api/insight/public").json()["appeals"]["registered"] == 1


def test_the_dashboard_counts_on_past_the_official_calendar_and_says_which_deadlines_are_provisional(world):
    """From 2026-12-30 the dashboard asked the calendar about 2027 and raised (issue 9)."""
    import time_machine

    with time_machine.travel(dt.datetime(2026, 12, 21, 10, tzinfo=dt.UTC), tick=False):
        register(world, "小区路灯不亮")
    with time_machine.travel(dt.datetime(2026, 12, 30, 2, tzinfo=dt.UTC), tick=False):
        data = selectors.dashboard(user=world.leader)
        assert data["appeals"]["open"] == 1
        assert data["appeals"]["provisional_due"] == 1
        assert data["appeals"]["provisional_from"] == dt.date(2027, 1, 1)
        client_page = reverse("insight:dashboard")
        from django.test import Client

        client = Client()
        client.force_login(world.leader)
        response = client.get(client_page)
        assert response.status_code == 200
        assert 'class="badge provisional"' in response.content.decode()
