"""The authorization matrix of the foundation: each role × each kind of object × read/write, in and out of scope.

Every selector goes through ``minsheng.org.scope.restrict``; this asks the selectors themselves.
"""

import pytest

from minsheng.audit.selectors import audit_event_list
from minsheng.audit.services import audit_record
from minsheng.org.choices import Role
from minsheng.org.selectors import membership_list, region_list, unit_list
from minsheng.org.tests.factories import person, region_tree, unit
from minsheng.workdays.selectors import day_list

ALL_ROLES = list(Role.values)
UNIT_ROLES = {Role.UNIT_HANDLER, Role.UNIT_HEAD}


@pytest.fixture
def world(db):
    regions = region_tree()
    office = unit("佛山市住房和城乡建设局", regions=[regions["city"]])
    other_person = person(Role.CALL_AGENT)
    audit_record(actor=other_person, action="test.event")
    return {"regions": regions, "unit": office, "other_person": other_person}


def persona(role: str, world):
    return person(role, unit=world["unit"] if role in UNIT_ROLES else None)


# (kind of object, action) → roles allowed. Reference data is read by everyone signed in.
EXPECTED = {
    ("region", "read"): set(ALL_ROLES),
    ("region", "write"): {Role.ADMIN},
    ("unit", "read"): set(ALL_ROLES),
    ("unit", "write"): {Role.ADMIN},
    ("calendar_day", "read"): set(ALL_ROLES),
    ("calendar_day", "write"): {Role.ADMIN},
    ("own_membership", "read"): set(ALL_ROLES),
    ("own_membership", "write"): {Role.ADMIN},
    ("others_membership", "read"): {Role.ADMIN},
    ("others_membership", "write"): {Role.ADMIN},
    ("audit_event", "read"): {Role.AUDITOR, Role.LEADER},  # 三员分立: not the administrator
}


def visible(kind: str, action: str, user, world) -> bool:
    if kind == "region":
        return region_list(user=user, action=action).filter(pk=world["regions"]["grid"].pk).exists()
    if kind == "unit":
        return unit_list(user=user, action=action).filter(pk=world["unit"].pk).exists()
    if kind == "calendar_day":
        return day_list(user=user, year=2026, action=action).exists()
    if kind == "own_membership":
        return membership_list(user=user, action=action).filter(user=user).exists()
    if kind == "others_membership":
        return membership_list(user=user, action=action).filter(user=world["other_person"]).exists()
    if kind == "audit_event":
        return audit_event_list(user=user, action="test.event").exists()
    raise AssertionError(kind)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("kind, action", sorted(EXPECTED))
def test_authorization_matrix(world, role, kind, action):
    user = persona(role, world)
    assert visible(kind, action, user, world) == (role in EXPECTED[(kind, action)]), (role, kind, action)


@pytest.mark.parametrize("kind, action", sorted(EXPECTED))
def test_anonymous_sees_nothing(world, kind, action):
    from django.contrib.auth.models import AnonymousUser

    if kind in {"own_membership"}:
        pytest.skip("an anonymous visitor has no memberships")
    assert not visible(kind, action, AnonymousUser(), world)
