"""Pages: each renders for the right people, refuses the others, and never leaks internal data in public."""

import datetime as dt
import os

import pytest
from django.urls import reverse

from minsheng.projects import services
from minsheng.projects.models import Project

from .conftest import add_plan
from .test_services import photo
from .test_workbook import MILESTONES, project_row, workbook


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


@pytest.mark.parametrize("name", ["list_index", "my_projects", "warnings", "stats"])
def test_overview_pages_render_for_an_officer(world, as_user, name):
    add_plan(world)
    response = as_user(world.officer).get(reverse(f"projects:{name}"))
    assert response.status_code == 200


def test_list_and_project_pages_render(world, as_user):
    add_plan(world)
    client = as_user(world.officer)
    assert client.get(reverse("projects:list_detail", args=[world.project_list.pk])).status_code == 200
    page = client.get(reverse("projects:project_detail", args=[world.project.pk]))
    assert page.status_code == 200 and "村级工业园升级改造" in page.content.decode()
    assert client.get(reverse("projects:project_edit", args=[world.project.pk])).status_code == 200


def test_project_of_another_unit_is_not_found(world, as_user):
    response = as_user(world.other_handler).get(reverse("projects:project_detail", args=[world.project.pk]))
    assert response.status_code == 404


def test_lead_unit_submits_a_report_through_the_page(world, as_user):
    first, _second, indicator = add_plan(world)
    client = as_user(world.lead_handler)
    response = client.post(reverse("projects:report_new", args=[world.project.pk]), {
        "period": "2026-05-01", "text": "本月完成摸底", f"milestone_{first.pk}": "2026-03-30",
        f"indicator_{indicator.pk}": "50000", "evidence": [photo()]})
    assert response.status_code == 302
    report = world.project.reports.get()
    assert report.indicator_actuals == {str(indicator.pk): "50000.00"}
    assert report.evidence.count() == 1


def test_co_unit_cannot_open_the_report_form(world, as_user):
    response = as_user(world.co_handler).get(reverse("projects:report_new", args=[world.project.pk]))
    assert response.status_code == 403


def test_import_preview_then_confirm(world, as_user):
    client = as_user(world.officer)
    url = reverse("projects:list_import", args=[world.project_list.pk])
    data = workbook([project_row()], MILESTONES)
    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post(url, {"file": SimpleUploadedFile("清单.xlsx", data)})
    assert preview.status_code == 200 and not Project.objects.filter(code="2026-SZ-101").exists()
    token = preview.context["token"]
    done = client.post(url, {"token": token, "file_name": "清单.xlsx"})
    assert done.status_code == 302
    assert Project.objects.filter(code="2026-SZ-101").count() == 1


def test_garbage_upload_gets_a_report_not_an_error(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_user(world.officer)
    response = client.post(reverse("projects:list_import", args=[world.project_list.pk]),
                           {"file": SimpleUploadedFile("清单.xlsx", os.urandom(10 * 1024 * 1024))})
    assert response.status_code == 200
    assert response.context["report"].problems


def test_unit_cannot_import(world, as_user):
    response = as_user(world.lead_handler).get(reverse("projects:list_import", args=[world.project_list.pk]))
    assert response.status_code == 403


def test_export_downloads_a_workbook(world, as_user):
    response = as_user(world.officer).get(reverse("projects:list_export", args=[world.project_list.pk]))
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_public_pages_need_no_login_and_hide_internal_notes(world, client):
    services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1),
                           text="公开进展", today=dt.date(2026, 5, 15))
    assert client.get(reverse("projects:public_index")).status_code == 200
    assert client.get(reverse("projects:public_list", args=[world.project_list.pk])).status_code == 200
    page = client.get(reverse("projects:public_project", args=[world.project.pk])).content.decode()
    assert "村级工业园升级改造" in page
    assert "内部" not in page
    assert str(world.lead_handler) not in page


def test_unpublished_list_has_no_public_page(world, client):
    world.project_list.is_published = False
    world.project_list.save()
    assert client.get(reverse("projects:public_project", args=[world.project.pk])).status_code == 404


def test_evidence_of_an_unaccepted_report_is_not_public(world, client, as_user):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1),
                                    text="进展", evidence=[photo()], today=dt.date(2026, 5, 15))
    evidence = report.evidence.get()
    url = reverse("projects:evidence_file", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert as_user(world.officer).get(url).status_code == 200


def test_private_evidence_is_not_served_to_the_public(world, client):
    report = services.report_submit(actor=world.lead_handler, project=world.project, period=dt.date(2026, 5, 1),
                                    text="进展", evidence=[photo()], today=dt.date(2026, 5, 15))
    services.report_accept(actor=world.officer, report=report, today=dt.date(2026, 5, 15))
    evidence = report.evidence.get()
    assert client.get(reverse("projects:evidence_file", args=[evidence.pk])).status_code == 404  # private by default
    services.evidence_publish(actor=world.officer, evidence=evidence, public=True)
    assert client.get(reverse("projects:evidence_file", args=[evidence.pk])).status_code == 200
    services.evidence_publish(actor=world.officer, evidence=evidence, public=False)
    assert client.get(reverse("projects:evidence_file", args=[evidence.pk])).status_code == 404


def test_stats_reproduce_counts_from_records(world, as_user):
    for number in range(3):
        services.project_create(actor=world.officer, project_list=world.project_list, code=f"X-{number}",
                                title=f"项目{number}", lead_unit=world.other, start_date=dt.date(2026, 1, 1),
                                end_date=dt.date(2026, 12, 31))
    response = as_user(world.leader).get(reverse("projects:stats"))
    totals = response.context["figures"]["totals"]
    assert (totals["listed"], totals["not_started"], totals["completed"]) == (4, 4, 0)


def test_api_lists_projects_and_reports(world, as_user):
    first, _second, _indicator = add_plan(world)
    client = as_user(world.lead_handler)
    assert client.get("/api/projects/lists").json()[0]["name"] == world.project_list.name
    detail = client.get(f"/api/projects/projects/{world.project.pk}").json()
    assert len(detail["milestones"]) == 2
    created = client.post(f"/api/projects/projects/{world.project.pk}/reports",
                          {"period": "2026-05-01", "text": "接口提交", "milestone_done": {str(first.pk): "2026-03-30"}},
                          content_type="application/json")
    assert created.status_code == 201
    refused = client.post(f"/api/projects/reports/{created.json()['id']}/accept")
    assert refused.status_code == 403
    accepted = as_user(world.officer).post(f"/api/projects/reports/{created.json()['id']}/accept")
    assert accepted.json()["state"] == "accepted"


def test_api_bad_report_is_a_422(world, as_user):
    response = as_user(world.lead_handler).post(f"/api/projects/projects/{world.project.pk}/reports",
                                                {"period": "2026-05-01", "text": " "},
                                                content_type="application/json")
    assert response.status_code == 422


def test_api_public_lists_need_no_login(world, client):
    assert client.get("/api/projects/public/lists").status_code == 200
    projects = client.get(f"/api/projects/public/lists/{world.project_list.pk}/projects").json()
    assert projects[0]["code"] == world.project.code and "internal_note" not in projects[0]


def test_api_stats(world, as_user):
    figures = as_user(world.leader).get("/api/projects/stats").json()
    assert figures["totals"]["listed"] == 1


def test_pages_in_chinese_use_the_project_wording_not_the_appeals_one(world, as_user, client):
    add_plan(world)
    officer = as_user(world.officer)
    pages = [officer.get(reverse("projects:list_detail", args=[world.project_list.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"),
             officer.get(reverse("projects:project_detail", args=[world.project.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")]
    for page in pages:
        assert page.status_code == 200
        assert "牵头单位" in page.content.decode() and "主办单位" not in page.content.decode()
    assert "实施区域" in pages[1].content.decode()
    stats = officer.get(reverse("projects:stats"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "完成率" in stats and "办结率" not in stats


def test_the_export_in_chinese_heads_its_columns_with_the_project_wording(world, as_user):
    from .test_workbook import _cells

    response = as_user(world.officer).get(reverse("projects:list_export", args=[world.project_list.pk]),
                                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    header = _cells(response.content)["projects"][0]
    assert {"牵头单位", "项目内容", "实施区域"} <= set(header) and "主办单位" not in header


def test_public_project_page_and_api_show_the_content_without_personal_data(world, client):
    Project.objects.filter(pk=world.project.pk).update(
        content="村级工业园升级改造，联系人：李大明，电话13700001111。")
    page = client.get(reverse("projects:public_project", args=[world.project.pk])).content.decode()
    api = client.get(f"/api/projects/public/lists/{world.project_list.pk}/projects").json()
    for body in (page, api[0]["content"]):
        assert "村级工业园升级改造" in body
        assert "13700001111" not in body and "李大明" not in body
