"""Officer acts check the object against the officer's own grants (issue 10): a district's project officer
neither creates, renames by import, nor publishes or withdraws what lies outside their district."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from minsheng.org.choices import Role, UnitKind
from minsheng.org.services import membership_grant
from minsheng.org.tests.factories import unit
from minsheng.projects import services
from minsheng.projects.models import Project
from minsheng.projects.workbook import project_import

from .test_workbook import project_row, workbook


def test_a_district_officer_cannot_create_a_project_in_another_district(world):
    args = {"project_list": world.project_list, "title": "新项目", "lead_unit": world.lead,
            "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}
    with pytest.raises(PermissionDenied):
        services.project_create(actor=world.district_officer, code="SD-1", region=world.regions["chancheng"], **args)
    with pytest.raises(PermissionDenied):  # no place at all: a city-wide project
        services.project_create(actor=world.district_officer, code="SD-2", region=None, **args)
    assert not Project.objects.filter(code__in=["SD-1", "SD-2"]).exists()
    services.project_create(actor=world.district_officer, code="SD-3", region=world.regions["daliang"], **args)


def test_a_district_officer_cannot_withdraw_the_city_list(world):
    with pytest.raises(PermissionDenied):
        services.project_list_publish(actor=world.district_officer, project_list=world.project_list, published=False)
    world.project_list.refresh_from_db()
    assert world.project_list.is_published
    services.project_list_publish(actor=world.officer, project_list=world.project_list, published=False)


def test_a_district_officer_cannot_import_into_the_city_list(world):
    data = workbook([project_row(code=world.project.code, title="被改掉的名字", region="440604")])
    with pytest.raises(PermissionDenied):
        project_import(actor=world.district_officer, project_list=world.project_list, data=data, dry_run=False)
    world.project.refresh_from_db()
    assert world.project.title == "村级工业园升级改造"


def test_an_import_cannot_rename_a_project_outside_the_officers_district(world):
    shunde_gov = unit("顺德区人民政府", kind=UnitKind.DISTRICT_GOVERNMENT, regions=[world.regions["shunde"]])
    shunde_list = services.project_list_create(actor=world.district_officer, year=2026, level=world.level,
                                               name="2026年顺德区民生实事", owner_unit=shunde_gov)
    chancheng_project = services.project_create(
        actor=world.officer, project_list=shunde_list, code="2026-SD-009", title="禅城的项目", lead_unit=world.lead,
        start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), region=world.regions["chancheng"])
    data = workbook([project_row(code="2026-SD-009", title="被改掉的名字", region="440604")])
    report = project_import(actor=world.district_officer, project_list=shunde_list, data=data, dry_run=False)
    assert not report.applied and any(p.column == "region" for p in report.problems)
    chancheng_project.refresh_from_db()
    assert chancheng_project.title == "禅城的项目"
    # Their own district's project in their own list imports normally.
    ok = project_import(actor=world.district_officer, project_list=shunde_list, dry_run=False,
                        data=workbook([project_row(code="2026-SD-010", region="440606")]))
    assert ok.applied, ok.problems


def test_an_officer_for_one_district_and_supervisor_elsewhere_manages_only_their_district(world):
    officer = world.district_officer
    membership_grant(user=officer, role=Role.SUPERVISOR, region=world.regions["chancheng"])
    with pytest.raises(PermissionDenied):
        services.project_status_change(actor=officer, project=world.project, status="suspended", reason="试图越权")
