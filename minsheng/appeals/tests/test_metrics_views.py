"""The statistics page and the metrics API: who may see them, what they show, bad input."""

import pytest
from django.urls import reverse

from ..services import answer_review, appeal_answer, appeal_dispatch, callback_record, leg_sign
from .conftest import at
from .helpers import register

API = "/api/appeals/metrics/"


@pytest.fixture
def closed_case(world):
    """One complaint closed through the services in March 2026, satisfied and resolved."""
    appeal = register(world, at=at(2026, 3, 2))
    appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj, at=at(2026, 3, 2, 10, 5))
    leg = appeal.legs.get()
    leg_sign(actor=world.handler, leg=leg, at=at(2026, 3, 2, 11))
    appeal_answer(actor=world.handler, leg=leg, text="已联系城管中队现场处置，摊贩已劝离。", at=at(2026, 3, 3))
    appeal.refresh_from_db()
    answer_review(actor=world.reviewer, appeal=appeal, passed=True, at=at(2026, 3, 3, 11))
    appeal.refresh_from_db()
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True,
                    at=at(2026, 3, 4))
    return appeal


def _client(client, user):
    client.force_login(user)
    return client


def test_stats_page_shows_the_rates_for_a_leader(client, world, closed_case):
    response = _client(client, world.leader).get(reverse("appeals:stats"), {"period": "month", "month": "2026-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-kpi="satisfaction"' in page
    assert "100.0%" in page
    assert "佛山市城市管理和综合执法局" in page
    assert 'id="stats-data"' in page
    assert "vendor/echarts/echarts.min.js" in page


def test_stats_page_quarter_and_custom_periods(client, world, closed_case):
    client = _client(client, world.supervisor)
    quarter = client.get(reverse("appeals:stats"), {"period": "quarter", "quarter": "2026-Q1"})
    assert quarter.context["report"].totals.registered == 1
    custom = client.get(reverse("appeals:stats"), {"period": "custom", "start": "2026-03-03", "end": "2026-03-31"})
    assert custom.context["report"].totals.registered == 0
    assert custom.context["report"].totals.valid_callbacks == 1


def test_stats_page_bad_period_shows_a_message_not_an_error(client, world):
    response = _client(client, world.leader).get(reverse("appeals:stats"),
                                                 {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "end" in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()


def test_stats_page_refuses_a_unit_handler(client, world):
    assert _client(client, world.handler).get(reverse("appeals:stats")).status_code == 403


def test_stats_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("appeals:stats"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_api_returns_the_figures_for_a_period(client, world, closed_case):
    response = _client(client, world.leader).get(API, {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert body["totals"]["registered"] == 1
    assert body["rates"]["satisfaction"] == 1.0
    assert body["rates"]["first_contact"] is None
    assert [u["name"] for u in body["by_unit"]] == ["佛山市城市管理和综合执法局"]
    assert len(body["volume"]["by_day"]) == 31


def test_api_filters_by_codes(client, world, closed_case):
    client = _client(client, world.leader)
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    assert client.get(API, {**march, "district": "440606"}).json()["totals"]["registered"] == 0
    assert client.get(API, {**march, "district": "440604"}).json()["totals"]["registered"] == 1
    assert client.get(API, {**march, "unit": "CGJ", "kind": "complaint"}).json()["totals"]["registered"] == 1
    assert client.get(API, {**march, "category": "01", "channel": "web"}).json()["totals"]["registered"] == 0
    assert client.get(API, {**march, "category": "010101"}).json()["totals"]["registered"] == 1
    assert client.get(API, {**march, "category": "020101"}).json()["totals"]["registered"] == 0


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-02-30"}, {"from": "2026-03-31", "to": "2026-03-01"}, {"from": "2020-01-01", "to": "2026-01-01"},
     {"district": "999999"}, {"unit": "NOPE"}, {"channel": "fax"}, {"kind": "praise"}],
)
def test_api_bad_input_is_a_422_with_messages(client, world, params):
    response = _client(client, world.leader).get(API, params)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_api_unit_head_gets_their_unit_only(client, world, closed_case):
    body = _client(client, world.zumiao_handler).get(API, {"from": "2026-03-01", "to": "2026-03-31"})
    assert body.status_code == 403
    head = _client(client, world.head).get(API, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert head["totals"]["registered"] == 1


def test_api_needs_authentication(client):
    assert client.get(API).status_code == 401
