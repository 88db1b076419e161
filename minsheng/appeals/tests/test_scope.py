"""Who sees and who may act on which case: the authorization matrix for appeals."""

import pytest

from minsheng.org.choices import Role
from minsheng.org.scope import can
from minsheng.org.tests.factories import person

from ..selectors import APPEAL_SCOPE, appeal_visible, unit_inbox
from .helpers import dispatched, register


@pytest.fixture
def cases(world):
    """One case in 禅城区 dispatched to 城管局, one in 顺德区 dispatched to 大良街道, one raised by a citizen."""
    chancheng = dispatched(world)
    shunde = dispatched(world, unit=world.daliang_office, region=world.regions["daliang"])
    own = register(world, citizen=world.citizen, region=world.regions["zumiao"])
    return {"chancheng": chancheng, "shunde": shunde, "own": own}


# role -> (may read the 禅城 case, may write it, may read the 顺德 case, may write it)
MATRIX = {
    "agent": (True, True, True, True),
    "dispatcher": (True, True, True, True),
    "reviewer": (True, True, True, True),
    "callback": (True, True, True, True),
    "supervisor": (True, True, True, True),
    "leader": (True, False, True, False),
    "handler": (True, True, False, False),          # 城管局: only its own unit's case
    "head": (True, True, False, False),
    "daliang_handler": (False, False, True, True),  # 大良街道: only its own
    "zumiao_handler": (False, False, False, False),  # nothing dispatched to it
    "citizen": (False, False, False, False),        # only the case they raised
    "shunde_dispatcher": (False, False, True, True),  # region-scoped to 顺德区
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_authorization_matrix(world, cases, persona):
    user = getattr(world, persona)
    read_cc, write_cc, read_sd, write_sd = MATRIX[persona]
    assert can(user, action="read", rules=APPEAL_SCOPE, obj=cases["chancheng"]) is read_cc
    assert can(user, action="write", rules=APPEAL_SCOPE, obj=cases["chancheng"]) is write_cc
    assert can(user, action="read", rules=APPEAL_SCOPE, obj=cases["shunde"]) is read_sd
    assert can(user, action="write", rules=APPEAL_SCOPE, obj=cases["shunde"]) is write_sd


def test_a_citizen_sees_only_their_own_case(world, cases):
    assert list(appeal_visible(user=world.citizen)) == [cases["own"]]
    assert list(appeal_visible(user=world.other_citizen)) == []


def test_a_unit_never_sees_another_units_case(world, cases):
    assert {leg.appeal for leg in unit_inbox(user=world.handler)} == {cases["chancheng"]}
    assert {leg.appeal for leg in unit_inbox(user=world.daliang_handler)} == {cases["shunde"]}
    assert unit_inbox(user=world.zumiao_handler) == []
    assert cases["shunde"] not in appeal_visible(user=world.handler)


def test_someone_without_a_role_sees_nothing(world, cases):
    nobody = person(Role.PROJECT_OFFICER)
    assert list(appeal_visible(user=nobody)) == []


def test_an_administrator_sees_everything(world, cases):
    admin = person(Role.ADMIN)
    assert appeal_visible(user=admin).count() == 3
