"""The insight API: scoped like the pages; the public figures need no login."""

import datetime as dt

from django.utils import timezone

from minsheng.insight.models import HotspotProject

from .conftest import MOBILE, STREETLIGHT, register


def test_public_figures_need_no_login_and_hold_no_personal_data(world, client):
    appeal = register(world, STREETLIGHT[0], caller_name="王秀英")
    response = client.get("/api/insight/public")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json()["appeals"]["registered"] == 1
    for personal in ("王秀英", MOBILE, appeal.number):
        assert personal not in body


def test_dashboard_api_refuses_a_citizen(world, client):
    client.force_login(world.citizen)
    assert client.get("/api/insight/dashboard").status_code == 403


def test_dashboard_api_gives_a_leader_the_figures(world, client):
    register(world, STREETLIGHT[0])
    client.force_login(world.leader)
    data = client.get("/api/insight/dashboard").json()
    assert data["appeals"]["open"] == 1


def test_an_officer_turns_a_hotspot_into_a_project_over_the_api(world, client):
    for i, text in enumerate(STREETLIGHT):
        register(world, text, hours_ago=5 - i)
    client.force_login(world.officer)
    hotspots = client.get("/api/insight/hotspots").json()
    assert [h["size"] for h in hotspots] == [4]
    today = timezone.localdate()
    response = client.post(f"/api/insight/hotspots/{hotspots[0]['key']}/project", {
        "project_list": world.project_list.pk, "lead_unit": world.cgj.pk, "title": "东风路口路灯整治",
        "start_date": today.isoformat(), "end_date": (today + dt.timedelta(days=30)).isoformat(),
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["case_numbers"] == hotspots[0]["case_numbers"]
    assert HotspotProject.objects.count() == 1


def test_an_unknown_hotspot_is_not_found(world, client):
    client.force_login(world.officer)
    today = timezone.localdate().isoformat()
    response = client.post("/api/insight/hotspots/nope/project", {
        "project_list": world.project_list.pk, "lead_unit": world.cgj.pk, "title": "x",
        "start_date": today, "end_date": today}, content_type="application/json")
    assert response.status_code == 404


def test_report_api_with_a_bad_period_is_a_422(world, client):
    client.force_login(world.leader)
    assert client.get("/api/insight/report", {"period": "soon"}).status_code == 422
