"""A hotspot becomes a project; when the project is completed, everyone who raised it is told, once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from minsheng.appeals.services import appeal_merge
from minsheng.insight import selectors, services
from minsheng.insight.models import HotspotProject, Notification
from minsheng.insight.tasks import insight_notify_hotspot_outcomes, insight_warm_hotspots
from minsheng.projects.choices import ProjectSource

from .conftest import BARBECUE, STREETLIGHT, complete, register


def streetlight_hotspot(world, *, citizens=()):
    cases = [register(world, text, citizen=citizens[i] if i < len(citizens) else None, hours_ago=10 - i)
             for i, text in enumerate(STREETLIGHT)]
    for text in BARBECUE:
        register(world, text, category=world.fumes)
    found = selectors.hotspot_list(user=world.officer, days=30, level="community")
    hotspot = next(v.hotspot for v in found if v.hotspot.category_id == world.lights.pk)
    return hotspot, cases


def turn_into_project(world, hotspot, actor=None):
    today = timezone.localdate()
    return services.hotspot_project_create(
        actor=actor or world.officer, hotspot=hotspot, project_list=world.project_list, lead_unit=world.cgj,
        title="东风路口路灯整治", start_date=today, end_date=today + dt.timedelta(days=60))


def test_hotspot_page_lists_the_clusters_with_their_cases(world):
    hotspot, cases = streetlight_hotspot(world)
    assert sorted(hotspot.appeal_ids) == sorted(c.pk for c in cases)
    sizes = sorted(v.hotspot.size for v in selectors.hotspot_list(user=world.leader, days=30, level="community"))
    assert sizes == [3, 4]


def test_inquiries_are_not_hotspots(world):
    for text in STREETLIGHT:
        register(world, text, kind="inquiry")
    assert selectors.hotspot_list(user=world.leader) == []


def test_turning_a_hotspot_into_a_project_records_source_and_cases(world):
    hotspot, cases = streetlight_hotspot(world)
    link = turn_into_project(world, hotspot)
    project = link.project
    assert project.source == ProjectSource.APPEAL_HOTSPOT
    assert hotspot.key in project.source_reference
    assert all(c.number in project.source_reference for c in cases)
    assert sorted(link.appeal_ids) == sorted(c.pk for c in cases)
    assert link.case_numbers == [c.number for c in sorted(cases, key=lambda c: c.registered_at)]
    assert project.region == world.regions["community"]


def test_the_same_hotspot_cannot_become_two_projects(world):
    hotspot, _ = streetlight_hotspot(world)
    turn_into_project(world, hotspot)
    with pytest.raises(ValidationError):
        turn_into_project(world, hotspot)
    assert HotspotProject.objects.count() == 1


def test_a_leader_cannot_turn_a_hotspot_into_a_project(world):
    hotspot, _ = streetlight_hotspot(world)
    with pytest.raises(PermissionDenied):
        turn_into_project(world, hotspot, actor=world.leader)
    assert not HotspotProject.objects.exists()


def test_nobody_is_told_while_the_project_is_not_completed(world):
    hotspot, _ = streetlight_hotspot(world)
    turn_into_project(world, hotspot)
    assert services.hotspot_outcomes_notify() == 0
    assert not Notification.objects.exists()


def test_completion_tells_everyone_who_raised_the_cases_once(world):
    hotspot, cases = streetlight_hotspot(world, citizens=[world.citizen])
    link = turn_into_project(world, hotspot)
    complete(world, link.project)

    assert services.hotspot_outcomes_notify() == len(cases)
    told = {n.appeal_id: n for n in Notification.objects.all()}
    assert set(told) == {c.pk for c in cases}
    assert told[cases[0].pk].citizen == world.citizen
    assert told[cases[0].pk].channel == "account"
    assert told[cases[1].pk].channel == "sms"
    assert cases[0].number in told[cases[0].pk].message
    assert services.hotspot_outcomes_notify() == 0  # a second sweep tells nobody twice
    assert Notification.objects.count() == len(cases)
    link.refresh_from_db()
    assert link.notified_at is not None


def test_an_anonymous_caller_is_recorded_as_unreachable(world):
    cases = [register(world, text, anonymous=True, caller_name="", hours_ago=5 - i)
             for i, text in enumerate(STREETLIGHT)]
    hotspot = selectors.hotspot_list(user=world.officer)[0].hotspot
    link = turn_into_project(world, hotspot)
    complete(world, link.project)
    services.hotspot_outcomes_notify()
    assert set(Notification.objects.values_list("channel", flat=True)) == {"none"}
    assert Notification.objects.count() == len(cases)


def test_cases_merged_into_the_hotspot_cases_are_told_too(world):
    hotspot, cases = streetlight_hotspot(world)
    link = turn_into_project(world, hotspot)
    duplicate = register(world, "东风路口路灯坏了，之前反映过", citizen=world.other_citizen)
    appeal_merge(actor=world.dispatcher, appeal=duplicate, parent=cases[0])
    complete(world, link.project)
    services.hotspot_outcomes_notify()
    assert Notification.objects.filter(appeal=duplicate, citizen=world.other_citizen).exists()


def test_the_periodic_task_and_the_command_run_the_same_sweep(world):
    hotspot, cases = streetlight_hotspot(world)
    link = turn_into_project(world, hotspot)
    complete(world, link.project)
    result = insight_notify_hotspot_outcomes.enqueue()
    assert result.return_value == len(cases)
    call_command("notify_hotspot_outcomes", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Notification.objects.count() == len(cases)


def test_a_citizen_sees_only_their_own_outcome_messages(world, client):
    hotspot, _ = streetlight_hotspot(world, citizens=[world.citizen])
    link = turn_into_project(world, hotspot)
    complete(world, link.project)
    services.hotspot_outcomes_notify()
    assert len(selectors.notifications_for(user=world.citizen)) == 1
    assert selectors.notifications_for(user=world.other_citizen) == []


def test_people_who_see_the_same_cases_share_one_clustering(world, monkeypatch):
    for i, text in enumerate(STREETLIGHT):
        register(world, text, hours_ago=5 - i)
    assert insight_warm_hotspots.enqueue().return_value == 1

    def fail(*args, **kwargs):
        raise AssertionError("clustered again")

    monkeypatch.setattr(selectors.hotspots, "cluster", fail)
    for viewer in (world.leader, world.supervisor, world.officer):
        assert [h.size for h in selectors.hotspot_clusters(user=viewer, days=30, level="community", min_size=3)] == [4]
    register(world, "东风路口路灯还是不亮", hours_ago=0)  # a new case in the window: counted again
    with pytest.raises(AssertionError):
        selectors.hotspot_clusters(user=world.leader, days=30, level="community", min_size=3)
