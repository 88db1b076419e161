"""Public outputs show what the disclosure policy allows: no caller, no house number, no exact point,
and text through the one redaction function (docs/disclosure.md)."""

import json

from django.test import Client

from ..services import answer_review, appeal_answer, appeal_register
from .helpers import lead_leg, signed

HOME = "祖庙路18号3楼"
CONTENT = "我家住祖庙路18号3楼，楼下烧烤店油烟扰民。我叫王建国，电话13912345678。"


def _case_with_a_home_address(world):
    return appeal_register(
        actor=world.agent, kind="complaint", channel="hotline_12345", category=world.stalls,
        region=world.regions["grid"], content=CONTENT, address=HOME, lat=22.973456, lng=113.012345,
        caller_name="王建国", caller_mobile="13912345678", auto_dispatch=False)


def _leaks(body: str) -> list[str]:
    return [s for s in ("18号", "3楼", "13912345678", "王建国", "22.973456", "113.012345", "44060401200101")
            if s in body]


def test_open311_list_shows_no_home_address_phone_name_or_exact_point(world):
    _case_with_a_home_address(world)
    response = Client().get("/api/open311/v2/requests.json")
    assert response.status_code == 200
    body = response.content.decode()
    assert _leaks(body) == []
    (case,) = response.json()
    assert case["address"] == "祖庙路"
    assert (case["lat"], case["long"]) == (22.97, 113.01)
    assert case["address_id"] == world.regions["community"].code
    assert "油烟扰民" in case["description"]


def test_open311_one_request_is_redacted_like_the_list(world):
    appeal = _case_with_a_home_address(world)
    body = Client().get(f"/api/open311/v2/requests/{appeal.number}.json").content.decode()
    assert _leaks(body) == []


def _closed_with_an_answer_naming_people(world):
    appeal = signed(world)
    appeal_answer(actor=world.handler, leg=lead_leg(appeal),
                  text="已联系业主李大明（13700001111）整改，地址人民路8号2单元。")
    answer_review(actor=world.reviewer, appeal=appeal, passed=True)
    appeal.refresh_from_db()
    return appeal


def test_public_follow_page_shows_the_answer_without_personal_data(world):
    appeal = _closed_with_an_answer_naming_people(world)
    page = Client().get("/appeals/follow/", {"number": appeal.number, "code": appeal.query_code})
    body = page.content.decode()
    assert "已联系业主" in body
    assert all(s not in body for s in ("李大明", "13700001111", "8号", "2单元"))


def test_follow_api_shows_the_answer_without_personal_data(world):
    appeal = _closed_with_an_answer_naming_people(world)
    data = Client().get("/api/appeals/follow", {"number": appeal.number, "code": appeal.query_code}).json()
    text = json.dumps(data, ensure_ascii=False)
    assert "已联系业主" in data["answer"]
    assert all(s not in text for s in ("李大明", "13700001111", "8号", "2单元"))
