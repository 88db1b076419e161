"""The scope engine itself: region subtrees, units, owners, leaders who never write, revoked roles."""

import pytest

from minsheng.org.choices import Role
from minsheng.org.models import Unit
from minsheng.org.scope import ObjectScope, can, restrict, roles, scope_forget, user_scope
from minsheng.org.services import membership_revoke
from minsheng.org.tests.factories import person, region_tree, unit

# A rule over units as if they were cases: region roles see units serving their region's subtree,
# unit roles see their own unit, leaders read everything in their region.
RULES = ObjectScope(
    read_region=roles(Role.DISPATCHER, Role.LEADER),
    write_region=roles(Role.DISPATCHER, Role.LEADER),
    read_unit=roles(Role.UNIT_HANDLER),
    write_unit=roles(Role.UNIT_HANDLER),
    region_lookup="regions",
    unit_lookup="pk",
)


@pytest.fixture
def world(db):
    r = region_tree()
    return {
        "r": r,
        "in_chancheng": unit("禅城单位", regions=[r["zumiao"]]),
        "in_shunde": unit("顺德单位", regions=[r["daliang"]]),
    }


def names(qs):
    return sorted(u.name for u in qs)


def test_a_district_dispatcher_sees_only_its_subtree(world):
    dispatcher = person(Role.DISPATCHER, region=world["r"]["chancheng"])
    assert names(restrict(Unit.objects.all(), user=dispatcher, action="read", rules=RULES)) == ["禅城单位"]


def test_a_city_dispatcher_sees_everything(world):
    dispatcher = person(Role.DISPATCHER)
    assert len(restrict(Unit.objects.all(), user=dispatcher, action="read", rules=RULES)) == 2


def test_a_unit_handler_sees_only_their_unit(world):
    handler = person(Role.UNIT_HANDLER, unit=world["in_shunde"])
    assert names(restrict(Unit.objects.all(), user=handler, action="write", rules=RULES)) == ["顺德单位"]
    assert not can(handler, action="read", rules=RULES, obj=world["in_chancheng"])


def test_a_leader_reads_but_never_writes_even_when_a_rule_says_so(world):
    leader = person(Role.LEADER)
    assert restrict(Unit.objects.all(), user=leader, action="read", rules=RULES).count() == 2
    assert restrict(Unit.objects.all(), user=leader, action="write", rules=RULES).count() == 0


def test_a_role_without_a_rule_sees_nothing(world):
    citizen = person(Role.CITIZEN)
    assert not restrict(Unit.objects.all(), user=citizen, action="read", rules=RULES).exists()


def test_two_memberships_add_up(world):
    user = person(Role.UNIT_HANDLER, unit=world["in_shunde"])
    from minsheng.org.services import membership_grant

    membership_grant(user=user, role=Role.DISPATCHER, region=world["r"]["chancheng"])
    scope_forget(user)
    assert names(restrict(Unit.objects.all(), user=user, action="read", rules=RULES)) == ["禅城单位", "顺德单位"]


def test_a_revoked_membership_gives_nothing(world):
    dispatcher = person(Role.DISPATCHER)
    membership_revoke(membership=dispatcher.memberships.get())
    scope_forget(dispatcher)
    assert not restrict(Unit.objects.all(), user=dispatcher, action="read", rules=RULES).exists()


def test_a_superuser_reaches_everything(world):
    root = person(Role.CITIZEN, superuser=True)
    assert restrict(Unit.objects.all(), user=root, action="write", rules=RULES).count() == 2
    assert user_scope(root).has_role(Role.ADMIN)


def test_an_inactive_account_reaches_nothing(world):
    dispatcher = person(Role.DISPATCHER)
    dispatcher.is_active = False
    scope_forget(dispatcher)
    assert not restrict(Unit.objects.all(), user=dispatcher, action="read", rules=RULES).exists()


def test_distinct_only_when_a_lookup_crosses_a_to_many_relation(world):
    from minsheng.org.models import Membership
    from minsheng.org.scope import crosses_to_many

    assert crosses_to_many(Unit, "regions")
    assert crosses_to_many(Unit, "memberships__user")
    assert not crosses_to_many(Membership, "unit__parent")
    assert not crosses_to_many(Membership, "user")
    dispatcher = person(Role.DISPATCHER, region=world["r"]["chancheng"])
    assert restrict(Unit.objects.all(), user=dispatcher, action="read", rules=RULES).query.distinct
