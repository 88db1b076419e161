"""Property: over random sets of grants, what a person reads or may act on is exactly what ONE of their grants
allows (issue 10). The oracle below is written from the rules in words, not from ``org/scope.py``."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.org.choices import Role
from minsheng.org.scope import can
from minsheng.org.tests.factories import person_with_grants

from .. import selectors
from ..choices import LegState
from ..selectors import APPEAL_SCOPE
from ..services import leg_return, return_decide
from .helpers import dispatched, lead_leg, register

CENTRE = [Role.CALL_AGENT, Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK_AGENT, Role.SUPERVISOR, Role.LEADER]
UNIT = [Role.UNIT_HANDLER, Role.UNIT_HEAD]
PLACES = ["city", "chancheng", "shunde", "zumiao", "daliang"]
UNITS = ["cgj", "zumiao_office", "daliang_office"]
HOLDING = {LegState.PENDING, LegState.SIGNED, LegState.RETURN_PENDING, LegState.ANSWERED, LegState.CLOSED}

grant = st.one_of(
    st.tuples(st.sampled_from(CENTRE), st.sampled_from(PLACES)),
    st.tuples(st.sampled_from(UNIT), st.sampled_from(UNITS)),
    st.tuples(st.just(Role.CITIZEN), st.just("")),
)
grant_sets = st.lists(grant, min_size=1, max_size=3, unique=True)


@pytest.fixture
def cases(world):
    chancheng = dispatched(world)
    shunde = dispatched(world, unit=world.daliang_office, region=world.regions["daliang"])
    waiting = register(world, region=world.regions["daliang"])
    moved = dispatched(world, region=world.regions["zumiao"])
    leg_return(actor=world.handler, leg=lead_leg(moved), reason="属地管理，应由街道处理。", legal_basis="职责清单")
    moved.refresh_from_db()
    return_decide(actor=world.dispatcher, appeal=moved, accept=True, reason="改派属地", lead_unit=world.zumiao_office)
    return [chancheng, shunde, waiting, moved]


def _covers(world, place: str, appeal) -> bool:
    return place == "city" or appeal.region.path.startswith(world.regions[place].path)


def _holds(world, unit_name: str, appeal) -> bool:
    unit = getattr(world, unit_name)
    return any(leg.unit_id == unit.pk and leg.state in HOLDING for leg in appeal.legs.all())


def _one_grant_reads(world, grant, appeal) -> bool:
    role, where = grant
    if role in CENTRE:
        return _covers(world, where, appeal)
    if role in UNIT:
        return _holds(world, where, appeal)
    return False  # a citizen reads only cases they raised; these were raised by the call centre


def _one_grant_acts(world, grant, appeal, action_role) -> bool:
    role, where = grant
    return role == action_role and role != Role.LEADER and _covers(world, where, appeal)




@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=grant_sets)
def test_what_a_person_reads_and_does_is_what_one_of_their_grants_allows(world, cases, grants):
    with transaction.atomic():
        user = person_with_grants(world, grants)
        readable = set(selectors.appeal_visible(user=user).values_list("pk", flat=True))
        expected = {a.pk for a in cases if any(_one_grant_reads(world, g, a) for g in grants)}
        assert readable == expected, grants
        for action_role in (Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK_AGENT, Role.SUPERVISOR):
            for appeal in cases:
                allowed = can(user, action="write", rules=APPEAL_SCOPE, obj=appeal, only_roles=[action_role])
                assert allowed == any(_one_grant_acts(world, g, appeal, action_role) for g in grants), (
                    grants, action_role, appeal.region.name)
        queue = {a.pk for a in selectors.dispatch_queue(user=user)["registered"]}
        assert queue == {a.pk for a in cases if a.state == "registered"
                         and any(_one_grant_acts(world, g, a, Role.DISPATCHER) for g in grants)}
        transaction.set_rollback(True)
