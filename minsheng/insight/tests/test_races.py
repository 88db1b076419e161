"""Two project officers turn the same hotspot into a project at the same moment: one wins, one is told."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from minsheng.conflicts import Conflict
from minsheng.insight import selectors, services
from minsheng.insight.models import HotspotProject
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.projects.models import Project

from .conftest import STREETLIGHT, build_world, register


@pytest.mark.postgres_only
def test_the_same_hotspot_turned_into_a_project_twice_at_once_makes_one_project(
        work_calendar, transactional_db):
    world = build_world()
    for i, text in enumerate(STREETLIGHT):
        register(world, text, hours_ago=5 - i)
    officers = [world.officer, person(Role.PROJECT_OFFICER)]
    hotspot = selectors.hotspot_list(user=world.officer, now=timezone.now())[0].hotspot
    today = timezone.localdate()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def act(officer):
        try:
            barrier.wait()
            services.hotspot_project_create(
                actor=officer, hotspot=hotspot, project_list=world.project_list, lead_unit=world.cgj,
                title="东风路口路灯整治", start_date=today, end_date=today + dt.timedelta(days=30))
            outcomes.append("created")
        except Exception as exc:  # the test inspects which one it was
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(type, outcomes), key=str) == sorted([str, Conflict], key=str), outcomes
    assert HotspotProject.objects.count() == 1
    assert Project.objects.filter(source="appeal_hotspot").count() == 1
