"""Enterprises and their facts are registered and imported only by a funds officer whose own grant covers
the enterprise's region (issue 10)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from minsheng.org.choices import Role
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.models import Enterprise, EnterpriseFact

from .factories import enterprise, new_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def shunde_officer():
    """A funds officer for 顺德 who is also a supervisor for 禅城: the supervisor grant registers nothing."""
    regions = region_tree()
    officer = person(Role.FUNDS_OFFICER, region=regions["shunde"])
    membership_grant(user=officer, role=Role.SUPERVISOR, region=regions["chancheng"])
    return officer


def test_a_district_funds_officer_cannot_register_an_enterprise_in_another_district(shunde_officer):
    regions = region_tree()
    args = {"industry_code": "3360", "scale": "规上", "registered_on": date(2015, 6, 30), "actor": shunde_officer}
    with pytest.raises(PermissionDenied):
        services.enterprise_register(uscc=new_uscc(), name="禅城企业", region=regions["zumiao"], **args)
    assert not Enterprise.objects.exists()
    services.enterprise_register(uscc=new_uscc("440606"), name="顺德企业", region=regions["daliang"], **args)


def test_a_district_funds_officer_cannot_import_enterprises_of_another_district(shunde_officer):
    rows = [{"uscc": new_uscc(), "name": "禅城企业", "region": "440604012", "industry_code": "3360", "scale": "规上",
             "registered_on": "2015-06-30"}]
    with pytest.raises(PermissionDenied):
        services.enterprises_import(rows=rows, actor=shunde_officer)
    assert not Enterprise.objects.exists()


def test_a_district_funds_officer_cannot_import_facts_of_another_districts_enterprise(shunde_officer):
    chancheng = enterprise()
    rows = [{"uscc": chancheng.uscc, "fact": "gas_m3", "period": "2025", "value": "200000"}]
    with pytest.raises(PermissionDenied):
        services.facts_import(rows=rows, actor=shunde_officer)
    assert not EnterpriseFact.objects.filter(enterprise=chancheng).exists()
    services.facts_import(rows=rows, actor=person(Role.FUNDS_OFFICER))  # a city-wide officer may
