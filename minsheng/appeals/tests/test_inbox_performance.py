"""The unit inbox at volume: a fixed number of queries whatever the number of legs, and paging."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .. import selectors
from ..services import leg_note, leg_sign
from .helpers import dispatched, lead_leg

ASSIST_INPUT = "供水管网已排查，无异常。"


def _inbox(client: Client, page: int | None = None):
    response = client.get(reverse("appeals:unit_inbox"), {"page": page} if page else {})
    assert response.status_code == 200
    return response


def _cases_with_assist_input(world, n: int) -> list:
    """n cases led by the city management bureau, half signed, each with the water company's input."""
    cases = []
    for i in range(n):
        appeal = dispatched(world, assists=[world.water_co])
        if i % 2:
            leg_sign(actor=world.handler, leg=lead_leg(appeal))
        assist = appeal.legs.get(role="assist")
        leg_sign(actor=world.water_handler, leg=assist)
        leg_note(actor=world.water_handler, leg=assist, text=ASSIST_INPUT)
        cases.append(appeal)
    return cases


def _numbers(response) -> list[str]:
    return re.findall(r'class="card leg" data-number="([^"]+)"', response.content.decode())


def test_inbox_query_count_does_not_grow_with_the_number_of_legs(world, django_assert_max_num_queries):
    client = Client()
    client.force_login(world.handler)
    _cases_with_assist_input(world, 2)
    _inbox(client)  # warm the per-process caches (calendar, session)
    with CaptureQueriesContext(connection) as few:
        _inbox(client)
    _cases_with_assist_input(world, 10)
    with django_assert_max_num_queries(len(few)):
        response = _inbox(client)
    assert len(_numbers(response)) == 12
    assert response.content.decode().count(ASSIST_INPUT) == 12


def test_inbox_is_paged_soonest_deadline_first_with_page_links(world, monkeypatch):
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 2)
    cases = [dispatched(world) for _ in range(5)]
    client = Client()
    client.force_login(world.handler)
    first = _inbox(client)
    assert 'href="?page=2"' in first.content.decode() and 'href="?page=3"' in first.content.decode()
    pages = [_numbers(first), _numbers(_inbox(client, 2)), _numbers(_inbox(client, 3))]
    assert [len(p) for p in pages] == [2, 2, 1]
    expected = [leg.appeal.number for leg in selectors.unit_inbox(user=world.handler)]
    assert [number for p in pages for number in p] == expected
    assert sorted(expected) == sorted(a.number for a in cases)


def test_inbox_page_out_of_range_shows_the_last_page(world, monkeypatch):
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 2)
    for _ in range(3):
        dispatched(world)
    client = Client()
    client.force_login(world.handler)
    assert len(_numbers(_inbox(client, 99))) == 1
    assert _numbers(client.get(reverse("appeals:unit_inbox"), {"page": "x"})) == _numbers(_inbox(client))
