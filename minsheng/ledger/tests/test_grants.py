"""The ledger has no region of its own: only city-wide grants read it (issue 10)."""

import pytest

from minsheng.ledger import selectors
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.FUNDS_OFFICER])
def test_a_district_grant_does_not_read_the_whole_citys_ledger(db, role):
    regions = region_tree()
    district = person(role, region=regions["shunde"])
    assert not selectors.ledger_readable(district)
    assert selectors.ledger_readable(person(role))


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.FUNDS_OFFICER])
def test_a_district_grant_does_not_read_or_keep_the_citys_bank_reconciliation(db, role):
    from minsheng.ledger.reconciliation import selectors as reconciliation

    regions = region_tree()
    district = person(role, region=regions["shunde"])
    assert not reconciliation.reconciliation_readable(district)
    assert not reconciliation.reconciliation_writable(district)
    assert reconciliation.reconciliation_readable(person(role))
