"""Deadlines at the calendar's edges (issue 9): the city's zone, provisional years, the official schedule
entered later, one case's failure in a recompute, and pages that never answer 500 for a calendar problem."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.workdays.models import Day
from minsheng.workdays.selectors import calendar_forget
from minsheng.workdays.services import calendar_notice_enter, day_set

from ..choices import Action, State
from ..models import Appeal
from ..services import deadlines_mark, deadlines_recompute
from .conftest import TZ, at
from .helpers import dispatched, lead_leg, register

UTC = dt.UTC


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TZ)


# --- the city's zone --------------------------------------------------------------------------
def test_a_request_registered_at_1231_beijing_time_is_due_at_the_end_of_the_16th_in_beijing(world):
    """The demo's case: 2026-12-02 12:31 Beijing time is 04:31 UTC; it was due '2026-12-16 23:59:59+00:00'."""
    appeal = register(world, kind="request", at=dt.datetime(2026, 12, 2, 4, 31, tzinfo=UTC))
    assert appeal.due_at == end_of(dt.date(2026, 12, 16))
    appeal.refresh_from_db()
    assert appeal.due_at == dt.datetime(2026, 12, 16, 15, 59, 59, tzinfo=UTC)


def test_a_case_registered_before_8am_counts_from_its_own_date_not_the_utc_date_before(world):
    # 07:30 on Wednesday 2 December in the city is 23:30 UTC on Tuesday 1 December.
    appeal = register(world, kind="inquiry", at=dt.datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    assert appeal.due_at == end_of(dt.date(2026, 12, 4))


def test_the_unit_s_clocks_are_the_city_s_too(world):
    appeal = dispatched(world, at=dt.datetime(2026, 12, 1, 23, 30, tzinfo=UTC))  # Wed 07:30 in the city
    leg = lead_leg(appeal)
    assert leg.sign_due_at == end_of(dt.date(2026, 12, 3))
    assert leg.handle_due_at == end_of(dt.date(2026, 12, 23))


def test_yellow_is_one_working_day_before_the_due_date_in_the_city(world):
    appeal = register(world, kind="inquiry", at=at(2026, 12, 2, 9))  # due Fri 4 December
    # Thursday 3 December 07:00 in the city (Wednesday 23:00 UTC): one working day left — yellow.
    counts = deadlines_mark(now=dt.datetime(2026, 12, 2, 23, 0, tzinfo=UTC))
    assert counts["warned"] == 1
    appeal.refresh_from_db()
    assert appeal.warned_at is not None


# --- provisional years ----------------------------------------------------------------------
@pytest.fixture
def december_20():
    with time_machine.travel(at(2026, 12, 20, 10), tick=False):
        yield


def test_a_complaint_on_2026_12_20_is_due_in_january_on_the_provisional_calendar(world, december_20):
    appeal = register(world)
    # 21–25, 28–31 December (9), 1 January is 元旦, 4–8 January (14), 11 January (15).
    assert appeal.due_at == end_of(dt.date(2027, 1, 11))
    event = appeal.events.get(action=Action.REGISTER)
    assert event.payload["due_provisional"] is True
    page = client_for(world.agent).get(reverse("appeals:receipt", args=[appeal.number]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "2027-01-11 23:59" in text and "以国务院公布的节假日安排为准" in text


def test_the_api_and_open311_say_the_due_date_is_provisional(world, december_20):
    from ..open311 import _request

    appeal = register(world)
    client = client_for(world.agent)
    body = client.get(f"/api/appeals/{appeal.number}").json()
    assert body["due_provisional"] is True and "以国务院公布的节假日安排为准" in body["due_note"]
    follow = Client().get("/api/appeals/follow", {"number": appeal.number, "code": appeal.query_code}).json()
    assert follow["due_provisional"] is True
    assert "以国务院公布的节假日安排为准" in _request(appeal)["service_notice"]


def test_an_urgent_case_is_never_provisional(world, december_20):
    appeal = register(world, urgent=True, urgency="water")
    body = client_for(world.agent).get(f"/api/appeals/{appeal.number}").json()
    assert body["due_provisional"] is False


# The 2027 notice as an administrator would type it: 元旦 1–3 January and a make-up Saturday on 9 January.
NOTICE_WITH_MAKE_UP_DAY = "一、元旦：1月1日（周五）至3日（周日）放假，共3天。1月9日（周六）上班。\n"


def test_entering_the_official_schedule_moves_the_due_date_and_removes_the_mark(
        world, december_20, django_capture_on_commit_callbacks):
    appeal = register(world)
    assert appeal.due_at == end_of(dt.date(2027, 1, 11))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_notice_enter(year=2027, text=NOTICE_WITH_MAKE_UP_DAY, actor=person(Role.ADMIN))
    calendar_forget()
    appeal.refresh_from_db()
    assert appeal.due_at == end_of(dt.date(2027, 1, 9))  # the make-up Saturday counts
    recompute = appeal.events.get(action=Action.RECOMPUTE)
    assert recompute.payload["from"].startswith("2027-01-11") and recompute.payload["to"].startswith("2027-01-09")
    assert recompute.payload["provisional_before"] is True and recompute.payload["provisional"] is False
    assert appeal.events.get(action=Action.REGISTER).payload["due_provisional"] is True
    page = client_for(world.agent).get(reverse("appeals:detail", args=[appeal.number]),
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "以国务院公布的节假日安排为准" not in page
    # The trail shows both: the provisional date at registration, and the move.
    assert "Due 2027-01-11 23:59, counted on the provisional calendar." in page
    assert "The due date moved from 2027-01-11 23:59 to 2027-01-09 23:59." in page
    assert "It now follows the official holiday schedule." in page


def test_a_breach_recorded_on_a_provisional_date_is_withdrawn_when_the_schedule_moves_it_later(
        world, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 12, 20, 10), tick=False):
        appeal = register(world)  # provisional due: 11 January 2027
    deadlines_mark(now=at(2027, 1, 12, 9))
    appeal.refresh_from_db()
    assert appeal.breached_at == end_of(dt.date(2027, 1, 11))
    with time_machine.travel(at(2027, 1, 12, 10), tick=False), django_capture_on_commit_callbacks(execute=True):
        # The notice makes 4 and 5 January holidays too: the 15th working day is 13 January.
        calendar_notice_enter(year=2027, text="元旦：1月1日至5日放假\n", actor=person(Role.ADMIN))
    appeal.refresh_from_db()
    assert appeal.due_at == end_of(dt.date(2027, 1, 13))
    assert appeal.breached_at is None
    assert appeal.events.get(action=Action.RECOMPUTE).payload["breach_withdrawn"] is True


def test_a_breach_on_an_official_date_stays_a_breach(world, django_capture_on_commit_callbacks):
    appeal = register(world, at=at(2026, 11, 2))  # due 23 November, all official days
    deadlines_mark(now=at(2026, 11, 25))
    with django_capture_on_commit_callbacks(execute=True):
        day_set(actor=None, date=dt.date(2026, 11, 20), is_workday=False, name="台风停工")
    appeal.refresh_from_db()
    assert appeal.due_at == end_of(dt.date(2026, 11, 24))
    assert appeal.breached_at is not None


# --- recompute, case by case -------------------------------------------------------------
def test_one_case_that_cannot_be_recomputed_is_listed_and_the_others_still_move(world):
    good = register(world, at=at(2026, 11, 2))
    bad = register(world, at=at(2026, 11, 2))
    # A clock counted from before the calendar's first day: this case cannot be recomputed.
    Appeal.objects.filter(pk=bad.pk).update(due_basis_at=at(2019, 12, 20))
    Day.objects.filter(date=dt.date(2026, 11, 20)).update(is_workday=False)
    result = deadlines_recompute(years=[2026])
    good.refresh_from_db()
    assert good.due_at == end_of(dt.date(2026, 11, 24))
    assert result.cases == 1
    assert len(result.failures) == 1 and result.failures[0].startswith(bad.number)
    audit = AuditEvent.objects.filter(action="appeals.deadlines_recompute").latest("id")
    assert audit.summary["failures"] == result.failures


# --- no 500 for a calendar problem ---------------------------------------------------------------
def _empty_calendar():
    Day.objects.all().delete()
    calendar_forget()


def test_the_intake_page_keeps_the_form_and_says_why_when_the_calendar_cannot_count(world):
    _empty_calendar()
    response = client_for(world.agent).post(reverse("appeals:intake"), {
        "caller_mobile": "13800138000", "caller_name": "陈先生", "channel": "hotline_12345", "kind": "complaint",
        "category": world.stalls.pk, "district": world.regions["chancheng"].pk, "town": world.regions["zumiao"].pk,
        "community": world.regions["community"].pk, "content": "路口有人占道摆卖，影响通行。"},
        HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200
    assert "working-day calendar is empty" in text
    assert "路口有人占道摆卖，影响通行。" in text and "13800138000" in text
    assert not Appeal.objects.exists()


def test_the_citizen_page_keeps_the_form_and_says_why(world):
    _empty_calendar()
    response = client_for(world.citizen).post(reverse("appeals:citizen_new"), {
        "kind": "complaint", "category": world.stalls.pk, "district": world.regions["chancheng"].pk,
        "town": world.regions["zumiao"].pk, "community": world.regions["community"].pk,
        "content": "小区门口夜间施工噪音很大。"}, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200, text[:500]
    assert "小区门口夜间施工噪音很大。" in text and "working-day calendar is empty" in text
    assert not Appeal.objects.exists()


def test_dispatch_on_an_empty_calendar_goes_back_with_the_message(world):
    appeal = register(world)
    _empty_calendar()
    response = client_for(world.dispatcher).post(
        reverse("appeals:dispatch", args=[appeal.pk]),
        {f"a{appeal.pk}-lead_unit": world.cgj.pk, f"a{appeal.pk}-version": appeal.version}, follow=True,
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "working-day calendar is empty" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.REGISTERED


def test_the_api_answers_422_with_the_message_not_503(world):
    from minsheng.org.services import api_key_issue

    _empty_calendar()
    _key, secret = api_key_issue(actor=None, user=world.agent, name="test")
    response = Client().post("/api/appeals/", {
        "kind": "complaint", "channel": "hotline_12345", "category": world.stalls.code,
        "region": world.regions["community"].code, "content": "路口有人占道摆卖。", "caller_mobile": "13800138000",
    }, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 422
    errors = str(response.json()["errors"])
    assert "calendar is empty" in errors or "工作日历为空" in errors


# --- the stored due dates computed in UTC are corrected ------------------------------------------------
def test_the_migration_corrects_due_dates_stored_in_utc(world):
    import importlib

    migration = importlib.import_module("minsheng.appeals.migrations.0006_due_dates_in_city_time")
    appeal = register(world, kind="request", at=dt.datetime(2026, 12, 2, 4, 31, tzinfo=UTC))
    wrong = dt.datetime(2026, 12, 16, 23, 59, 59, tzinfo=UTC)  # what the old code stored
    Appeal.objects.filter(pk=appeal.pk).update(due_at=wrong)
    migration.correct(apps, None)
    appeal.refresh_from_db()
    assert appeal.due_at == end_of(dt.date(2026, 12, 16))
    event = appeal.events.get(action=Action.RECOMPUTE)
    assert event.payload["correction"] == "city_time_zone"
