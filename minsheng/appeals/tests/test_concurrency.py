"""Races on PostgreSQL: one winner per case, gap-free numbers under concurrent intake, idempotent retries."""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from minsheng.conflicts import Conflict

from .. import services
from ..models import Appeal, DispatchLeg
from .conftest import at, build_world
from .helpers import MOBILE

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg_world(work_calendar):
    return build_world()


def run_threads(count: int, target) -> list:
    """Start ``count`` threads at once; each returns what ``target(index)`` returned or raised."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # the outcome is the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def intake_args(world, **extra) -> dict:
    return {"kind": "complaint", "channel": "hotline_12345", "category": world.stalls,
            "region": world.regions["community"], "content": "路口有人占道摆卖，影响通行。",
            "caller_mobile": MOBILE, "auto_dispatch": False, **extra}


def test_two_dispatchers_racing_one_wins_the_other_gets_a_conflict(pg_world):
    world = pg_world
    appeal = services.appeal_register(actor=world.agent, **intake_args(world))
    seen = appeal.version
    units = [world.cgj, world.zumiao_office]
    results = run_threads(2, lambda i: services.appeal_dispatch(
        actor=world.dispatcher, appeal=appeal, lead_unit=units[i], version=seen))
    winners = [r for r in results if isinstance(r, Appeal)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert DispatchLeg.objects.filter(appeal=appeal).count() == 1


def test_a_unit_answering_while_the_centre_reassigns_loses_cleanly(pg_world):
    world = pg_world
    appeal = services.appeal_register(actor=world.agent, **intake_args(world))
    appeal = services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj)
    leg = appeal.legs.get()
    services.leg_return(actor=world.handler, leg=leg, reason="不属于本单位职责", legal_basis="权责清单")
    appeal.refresh_from_db()
    seen = appeal.version
    actions = [
        lambda: services.return_decide(actor=world.dispatcher, appeal=appeal, accept=True,
                                       lead_unit=world.zumiao_office, version=seen),
        lambda: services.return_decide(actor=world.dispatcher, appeal=appeal, accept=False,
                                       reason="属你单位职责", version=seen),
    ]
    results = run_threads(2, lambda i: actions[i]())
    assert sum(isinstance(r, Appeal) for r in results) == 1
    assert sum(isinstance(r, Conflict | ValidationError) for r in results) == 1


def test_concurrent_intake_numbers_are_unique_and_gap_free(pg_world):
    world = pg_world
    moment = at(2026, 11, 27, 10)

    def intake(index: int) -> list[str]:
        return [services.appeal_register(actor=world.agent, at=moment, **intake_args(world)).number
                for _ in range(100)]

    results = run_threads(8, intake)
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == 800 and len(set(numbers)) == 800
    sequence = sorted(int(n[-6:]) for n in numbers)
    assert sequence == list(range(1, 801))
    assert Appeal.objects.count() == 800


def test_concurrent_retries_with_one_idempotency_key_store_one_case(pg_world):
    world = pg_world
    args = intake_args(world)

    def submit(index: int):
        return services.appeal_register_idempotent(
            actor=world.agent, key="retry-1", scope="appeals.intake", fingerprint="same-body",
            register=args, render=lambda appeal: {"number": appeal.number})

    results = run_threads(6, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({body["number"] for _status, body in results}) == 1
    assert Appeal.objects.count() == 1
    # the retries that lost were rolled back with their numbers: the day's next case is number 2
    (number,) = {body["number"] for _status, body in results}
    following = services.appeal_register(actor=world.agent, **args)
    assert int(following.number[-6:]) == int(number[-6:]) + 1


def test_intake_failing_after_numbering_leaves_no_gap(pg_world, monkeypatch):
    world = pg_world
    moment = at(2026, 11, 26, 10)
    first = services.appeal_register(actor=world.agent, at=moment, **intake_args(world))

    file_case = services.filing.case_file

    def filed_then_disk_full(*args, **kwargs):  # the number is taken and the rows written, then it fails
        file_case(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(services.filing, "case_file", filed_then_disk_full)
    with pytest.raises(OSError):
        services.appeal_register(actor=world.agent, at=moment, **intake_args(world))
    monkeypatch.undo()
    second = services.appeal_register(actor=world.agent, at=moment, **intake_args(world))
    assert Counter(int(n[-6:]) for n in (first.number, second.number)) == Counter([1, 2])
