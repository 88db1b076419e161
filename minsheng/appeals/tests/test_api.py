import json

import pytest
from django.test import Client

from minsheng.org.services import api_key_issue

from ..models import Appeal, DispatchCatalogue
from ..services import catalogue_set

BODY = {"kind": "complaint", "channel": "hotline_12345", "category": "010101", "region": "440604012001",
        "content": "路口有人占道摆卖，影响通行。", "caller_name": "陈先生", "caller_mobile": "13800138000"}


@pytest.fixture
def agent_client(world):
    _key, raw = api_key_issue(user=world.agent, name="call centre")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_intake_returns_a_receipt(agent_client):
    response = post(agent_client, "/api/appeals/", BODY)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("FS") and data["query_code"] and data["due_at"]


def test_intake_with_bad_input_is_422_and_stores_nothing(agent_client):
    for bad in ({**BODY, "kind": "rant"}, {**BODY, "category": "nope"}, {**BODY, "caller_mobile": "12345"},
                {**BODY, "lng": 200.0, "lat": 10.0}, {**BODY, "urgent": True}, {"kind": 5}, {**BODY, "content": ""}):
        response = post(agent_client, "/api/appeals/", bad)
        assert response.status_code == 422, (bad, response.content)
    assert Appeal.objects.count() == 0


def test_intake_retry_with_same_idempotency_key_returns_the_first_case(agent_client):
    first = post(agent_client, "/api/appeals/", BODY, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = post(agent_client, "/api/appeals/", BODY, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Appeal.objects.count() == 1


def test_same_idempotency_key_with_a_different_body_is_refused(agent_client):
    post(agent_client, "/api/appeals/", BODY, HTTP_IDEMPOTENCY_KEY="abc-2")
    response = post(agent_client, "/api/appeals/", {**BODY, "content": "另一件事情，完全不同。"},
                    HTTP_IDEMPOTENCY_KEY="abc-2")
    assert response.status_code == 409
    assert Appeal.objects.count() == 1


def test_unambiguous_catalogue_dispatches_automatically(world, agent_client):
    catalogue_set(actor=world.dispatcher, category=world.stalls, region=world.regions["zumiao"],
                  lead_unit=world.zumiao_office, assist_units=[world.cgj])
    data = post(agent_client, "/api/appeals/", BODY).json()
    assert data["state"] == "dispatched" and data["lead_unit"] == world.zumiao_office.name
    assert DispatchCatalogue.objects.count() == 1


def test_follow_by_query_code_needs_no_login(agent_client):
    data = post(agent_client, "/api/appeals/", BODY).json()
    response = Client().get("/api/appeals/follow", {"number": data["number"], "code": data["query_code"]})
    assert response.status_code == 200
    assert response.json()["state"] == "registered"
    assert Client().get("/api/appeals/follow", {"number": data["number"], "code": "WRONG"}).status_code == 404


def test_open311_services_and_create(world):
    _key, raw = api_key_issue(user=world.agent, name="open311 client")
    services = Client().get("/api/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} >= {"010101", "010102"}
    response = Client().post("/api/open311/v2/requests.json", {
        "api_key": raw, "service_code": "010101", "lat": "22.97", "long": "113.01",
        "description": "人行道被占用，请处理。", "phone": "13800138000"})
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    one = Client().get(f"/api/open311/v2/requests/{number}.json").json()
    assert one[0]["status"] == "open" and one[0]["address_id"] == "440604012001"  # the community, not the grid


def test_open311_create_without_key_is_refused(world):
    response = Client().post("/api/open311/v2/requests.json", {"service_code": "010101", "description": "x"})
    assert response.status_code == 403
