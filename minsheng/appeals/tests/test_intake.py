"""Intake through the API with an Idempotency-Key: what it stores, and how few statements it takes."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.org.services import api_key_issue

from ..models import Appeal, AppealEvent, DispatchLeg, IdempotencyKey
from ..services import catalogue_set

BODY = {"kind": "complaint", "channel": "hotline_12345", "category": "010101", "region": "440604012001",
        "content": "路口有人占道摆卖，影响通行。", "caller_name": "陈先生", "caller_mobile": "13800138000"}


@pytest.fixture
def agent_client(world):
    catalogue_set(actor=world.dispatcher, category=world.stalls, region=world.regions["zumiao"],
                  lead_unit=world.zumiao_office, assist_units=[world.cgj])
    _key, raw = api_key_issue(user=world.agent, name="call centre")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, body, key):
    return client.post("/api/appeals/", data=json.dumps(body), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


def test_keyed_intake_stores_the_case_its_legs_events_and_the_receipt(agent_client):
    response = post(agent_client, BODY, "k-1")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(number=response.json()["number"])
    assert appeal.state == "dispatched"
    assert DispatchLeg.objects.filter(appeal=appeal).count() == 2
    assert list(AppealEvent.objects.filter(appeal=appeal).order_by("pk").values_list("action", flat=True)) == [
        "register", "dispatch"]
    row = IdempotencyKey.objects.get(key="k-1")
    assert row.status_code == 201 and row.appeal_id == appeal.pk and row.response["number"] == appeal.number


def test_keyed_intake_that_fails_validation_leaves_the_key_free_for_a_corrected_retry(agent_client):
    bad = post(agent_client, {**BODY, "caller_mobile": "12345"}, "k-2")
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.filter(key="k-2").exists()
    good = post(agent_client, BODY, "k-2")
    assert good.status_code == 201
    assert Appeal.objects.count() == 1


def test_keys_are_per_user(world, agent_client):
    _key, raw = api_key_issue(user=world.dispatcher, name="another system")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    first, second = post(agent_client, BODY, "shared"), post(other, BODY, "shared")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] != second.json()["number"]


def test_blank_or_overlong_idempotency_key_is_422(agent_client):
    assert post(agent_client, BODY, " ").status_code == 422
    assert post(agent_client, BODY, "x" * 101).status_code == 422
    assert Appeal.objects.count() == 0


def test_keyed_intake_takes_a_bounded_number_of_statements(agent_client):
    post(agent_client, BODY, "warm")  # the reference caches (categories, regions, catalogue, calendar) fill
    with CaptureQueriesContext(connection) as queries:
        assert post(agent_client, BODY, "k-3").status_code == 201
    # API key, grants, key row, counter, case, legs, events, receipt: no savepoint of its own
    # (the one around the request here is the test's transaction), no per-row inserts
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("SAVEPOINT" in sql and "RELEASE" not in sql for sql in statements) <= 1, statements
    assert len(statements) <= 12, statements
