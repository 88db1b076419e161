"""The authorization matrix for projects: who reads, edits, reports, contributes, manages."""

import pytest

from minsheng.projects import selectors as sel

# persona → (read, edit, report as lead unit, contribute as co-unit, manage as officer, supervise)
MATRIX = {
    "officer": (True, True, False, False, True, True),
    "admin": (True, True, True, False, True, True),
    "district_officer": (False, False, False, False, False, False),  # the project is in 禅城区, not 顺德区
    "supervisor": (True, False, False, False, False, True),
    "leader": (True, False, False, False, False, False),
    "lead_handler": (True, True, True, False, False, False),
    "lead_head": (True, True, True, False, False, False),
    "co_handler": (True, False, False, True, False, False),
    "other_handler": (False, False, False, False, False, False),
    "citizen": (False, False, False, False, False, False),
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_project_authorization_matrix(world, persona):
    user = getattr(world, persona)
    p = world.project
    got = (sel.project_can_read(user, p), sel.project_can_edit(user, p), sel.project_can_report(user, p),
           sel.project_can_contribute(user, p), sel.project_can_manage(user, p), sel.project_can_supervise(user, p))
    assert got == MATRIX[persona]


def test_district_officer_reaches_projects_in_their_district(world):
    from minsheng.projects import services

    project = services.project_create(actor=world.officer, project_list=world.project_list, code="SD-001",
                                      title="大良河涌整治", lead_unit=world.other, region=world.regions["daliang"],
                                      start_date=world.project.start_date, end_date=world.project.end_date)
    assert sel.project_can_manage(world.district_officer, project)
    assert list(sel.project_scope(user=world.district_officer)) == [project]


def test_anonymous_reads_nothing_internal_but_the_public_list(world):
    from django.contrib.auth.models import AnonymousUser

    assert not sel.project_scope(user=AnonymousUser()).exists()
    assert list(sel.public_projects()) == [world.project]


def test_unpublished_list_is_not_public(world):
    world.project_list.is_published = False
    world.project_list.save()
    assert not sel.public_projects().exists()


def test_unit_sees_only_lists_holding_its_projects(world):
    assert list(sel.project_list_index(user=world.co_handler)) == [world.project_list]
    assert not sel.project_list_index(user=world.other_handler).exists()


def test_my_projects_lists_led_and_assisted(world):
    assert list(sel.my_projects(user=world.lead_handler)) == [world.project]
    assert list(sel.my_projects(user=world.co_handler)) == [world.project]
    assert not sel.my_projects(user=world.other_handler).exists()
