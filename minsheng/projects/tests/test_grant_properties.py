"""Property: over random sets of grants, which projects a person reads and manages is exactly what ONE of
their grants allows (issue 10). The oracle is written from the rules in words, not from the scope code."""

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person_with_grants
from minsheng.projects import selectors as sel
from minsheng.projects import services

REGION_ROLES = [Role.PROJECT_OFFICER, Role.SUPERVISOR, Role.LEADER]
UNIT = [Role.UNIT_HANDLER, Role.UNIT_HEAD]
PLACES = ["city", "chancheng", "shunde", "zumiao", "daliang"]
UNITS = ["lead", "co", "other"]

grant = st.one_of(
    st.tuples(st.sampled_from(REGION_ROLES), st.sampled_from(PLACES)),
    st.tuples(st.sampled_from(UNIT), st.sampled_from(UNITS)),
    st.tuples(st.sampled_from([Role.CITIZEN, Role.DISPATCHER]), st.just("city")),
)


def _projects(world):
    made = [world.project]  # 禅城, lead FS-ZJJ, co FS-ZRJ
    for code, region, lead in (("P-SD", "daliang", world.other), ("P-CITY", None, world.co)):
        made.append(services.project_create(
            actor=world.officer, project_list=world.project_list, code=code, title=code, lead_unit=lead,
            start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31),
            region=world.regions[region] if region else None))
    return made


def _covers(world, place, project) -> bool:
    if place == "city":
        return True
    return project.region is not None and project.region.path.startswith(world.regions[place].path)


def _reads(world, grant, project) -> bool:
    role, where = grant
    if role in REGION_ROLES:
        return _covers(world, where, project)
    if role in UNIT:
        unit = getattr(world, where)
        return project.lead_unit_id == unit.pk or project.co_units.filter(pk=unit.pk).exists()
    return False


def _manages(world, grant, project) -> bool:
    role, where = grant
    return role == Role.PROJECT_OFFICER and _covers(world, where, project)




@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=st.lists(grant, min_size=1, max_size=3, unique=True))
def test_what_a_person_reads_and_manages_is_what_one_of_their_grants_allows(world, grants):
    projects = getattr(world, "_grant_projects", None) or _projects(world)
    world._grant_projects = projects
    with transaction.atomic():
        user = person_with_grants(world, grants)
        readable = set(sel.project_scope(user=user).values_list("pk", flat=True))
        assert readable == {p.pk for p in projects if any(_reads(world, g, p) for g in grants)}, grants
        for project in projects:
            assert sel.project_can_manage(user, project) == any(_manages(world, g, project) for g in grants), (
                grants, project.code)
            assert sel.project_officer_covers(user, project.region) == any(
                _manages(world, g, project) for g in grants), (grants, project.code)
        transaction.set_rollback(True)
