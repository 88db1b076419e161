"""In Chromium: an officer imports a list, the lead unit reports with evidence, the officer accepts,
the warning lights follow, and the public page shows the result."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, unit
from minsheng.projects import services
from minsheng.projects.demo import PHOTOS
from minsheng.projects.excel import INDICATOR_COLUMNS, MILESTONE_COLUMNS, PROJECT_COLUMNS
from minsheng.projects.models import Project


def _workbook(today: dt.date) -> bytes:
    start, end = today - dt.timedelta(days=100), today + dt.timedelta(days=200)
    book = Workbook()
    book.remove(book.active)
    rows = {
        "projects": (PROJECT_COLUMNS, [
            {"code": "BR-001", "title": "祖庙街道老旧小区改造", "content": "改造老旧小区 12 个", "lead_unit": "FS-ZJJ",
             "start_date": start, "end_date": end, "status": "in_progress"},
            {"code": "BR-002", "title": "祖庙街道新增公共停车位", "content": "新增停车位 100 个", "lead_unit": "FS-ZJJ",
             "start_date": start, "end_date": end, "status": "in_progress"},
        ]),
        "milestones": (MILESTONE_COLUMNS, [
            {"project_code": "BR-001", "title": "完成居民意愿征询", "due_date": today - dt.timedelta(days=10),
             "weight": 1},
            {"project_code": "BR-001", "title": "完成改造", "due_date": end - dt.timedelta(days=10), "weight": 1},
        ]),
        "indicators": (INDICATOR_COLUMNS, [
            {"project_code": "BR-001", "name": "完成改造小区", "unit": "个", "baseline": 0, "target": 100},
            {"project_code": "BR-002", "name": "新增停车位", "unit": "个", "baseline": 0, "target": 100, "actual": 10},
        ]),
    }
    for name, (columns, data) in rows.items():
        sheet = book.create_sheet(name)
        sheet.append([str(header) for _key, header in columns])
        for row in data:
            sheet.append([row.get(key) for key, _header in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _warning(page, code: str) -> str:
    return page.locator(f"tr:has(td:text-is('{code}')) .warning-badge").get_attribute("data-warning")


@pytest.mark.browser
def test_import_report_accept_and_public_page(live_server, browser_page, login, work_calendar, transactional_db,
                                              tmp_path):
    today = timezone.localdate()
    lead = unit("佛山市住房和城乡建设局", code="FS-ZJJ")
    officer = person(Role.PROJECT_OFFICER, username="officer")
    person(Role.UNIT_HANDLER, unit=lead, username="zjj-handler")
    level = services.list_level_create(code="district", name="区级民生实事")
    project_list = services.project_list_create(actor=officer, year=today.year, level=level, name="祖庙街道民生实事",
                                                owner_unit=lead, is_published=True)
    workbook = tmp_path / "清单.xlsx"
    workbook.write_bytes(_workbook(today))
    photo = tmp_path / "现场.png"
    photo.write_bytes(PHOTOS[0])
    page = browser_page

    # The officer imports the list: upload, preview, confirm.
    login(page, live_server, "officer")
    page.goto(f"{live_server.url}/projects/lists/{project_list.pk}/import/")
    page.set_input_files("input[type=file]", str(workbook))
    page.click("#preview-import")
    assert page.inner_text("#preview-created") == "2"
    page.click("#confirm-import")
    page.wait_for_url(f"{live_server.url}/projects/lists/{project_list.pk}/")
    assert _warning(page, "BR-001") == "red"  # a milestone is overdue
    assert _warning(page, "BR-002") == "yellow"  # behind the plan
    page.context.clear_cookies()

    # The lead unit reports: the milestone done, the indicator figure, a photo as evidence.
    project = Project.objects.get(code="BR-001")
    milestone = project.milestones.get(title="完成居民意愿征询")
    indicator = project.indicators.get()
    login(page, live_server, "zjj-handler")
    page.goto(f"{live_server.url}/projects/p/{project.pk}/")
    page.click("#new-report")
    page.fill("textarea[name=text]", "已完成居民意愿征询，12 个小区中 7 个已动工。")
    page.fill(f"input[name=milestone_{milestone.pk}]", (today - dt.timedelta(days=12)).isoformat())
    page.fill(f"input[name=indicator_{indicator.pk}]", "60")
    page.set_input_files("input[name=evidence]", str(photo))
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/projects/p/{project.pk}/")
    assert page.locator("#project-warning .warning-badge").get_attribute("data-warning") == "red"  # not yet accepted
    page.context.clear_cookies()

    # The officer accepts: the project turns green.
    login(page, live_server, "officer")
    page.goto(f"{live_server.url}/projects/p/{project.pk}/")
    page.click("button.accept-report")
    page.wait_for_selector("#project-warning .warning-badge[data-warning=green]")
    assert "推进中" in page.inner_text("#project-status")
    # Evidence is private until the officer shows it to the public.
    page.click("#evidence button.evidence-toggle")
    page.wait_for_selector("#evidence .badge.green")
    page.context.clear_cookies()

    # The public sees the progress and the photo without signing in.
    page.goto(f"{live_server.url}/projects/public/p/{project.pk}/")
    assert "12 个小区中 7 个已动工" in page.inner_text("#public-latest")
    assert page.inner_text("#public-progress") == "53%"
    assert page.locator(".evidence img").count() == 1
    assert page.evaluate("document.querySelector('.evidence img').naturalWidth") > 0


@pytest.mark.browser
def test_statistics_page_draws_its_charts_without_errors(live_server, browser_page, login, work_calendar,
                                                          transactional_db):
    today = timezone.localdate()
    lead = unit("佛山市教育局", code="FS-JYJ")
    officer = person(Role.PROJECT_OFFICER, username="officer")
    person(Role.LEADER, username="leader")
    level = services.list_level_create(code="city_units", name="市直单位民生实事")
    project_list = services.project_list_create(actor=officer, year=today.year, level=level, name="市直单位民生实事",
                                                owner_unit=lead)
    services.project_create(actor=officer, project_list=project_list, code="ST-1", title="新建公办幼儿园",
                            lead_unit=lead, start_date=today - dt.timedelta(days=30),
                            end_date=today + dt.timedelta(days=300))
    services.snapshot_take(month=today)
    problems = []
    browser_page.on("console", lambda m: problems.append(m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text else None)
    browser_page.on("response", lambda r: problems.append(r.url)
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    login(browser_page, live_server, "leader")
    browser_page.goto(f"{live_server.url}/projects/stats/")
    browser_page.wait_for_selector("#chart-trend canvas")
    assert browser_page.inner_text("#kpi-listed") == "1"
    assert problems == []
