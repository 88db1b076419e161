"""The dashboard renders in a real browser: tiles, tables and the ECharts charts, with no CSP errors."""

import pytest

from .conftest import STREETLIGHT, build_world, register


@pytest.mark.browser
def test_dashboard_renders_with_its_charts(live_server, browser_page, login, work_calendar, transactional_db):
    world = build_world()
    for text in STREETLIGHT:
        register(world, text)
    problems = []
    browser_page.on("console", lambda m: problems.append(m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text else None)
    browser_page.on("response", lambda r: problems.append(r.url)
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    login(browser_page, live_server, world.leader.username)
    browser_page.goto(f"{live_server.url}/insight/")
    browser_page.wait_for_selector("#chart-trend[data-rendered=true]")
    browser_page.wait_for_selector("#chart-projects[data-rendered=true]")
    assert "城市驾驶舱" in browser_page.title()
    assert browser_page.locator("#appeal-tiles .kpi").count() == 7
    assert browser_page.locator("#chart-trend canvas").count() == 1
    assert problems == []  # no CSP violation, no script error, no missing asset


@pytest.mark.browser
def test_public_page_renders_without_signing_in(live_server, browser_page, work_calendar, transactional_db):
    build_world()
    browser_page.goto(f"{live_server.url}/insight/public/")
    assert browser_page.locator("#public-figures .kpi").count() == 8
