"""The statistics page in Chromium: a case closed through the services shows in the KPIs and charts."""

import pytest

from ..services import answer_review, appeal_answer, appeal_dispatch, callback_record, leg_sign
from .conftest import build_world
from .helpers import register

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_stats_page_counts_a_case_closed_through_the_services(live_server, browser_page, login, work_calendar):
    world = build_world()
    appeal = register(world)
    appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj)
    leg = appeal.legs.get()
    leg_sign(actor=world.handler, leg=leg)
    appeal_answer(actor=world.handler, leg=leg, text="已联系城管中队现场处置，摊贩已劝离。")
    appeal.refresh_from_db()
    answer_review(actor=world.reviewer, appeal=appeal, passed=True)
    appeal.refresh_from_db()
    callback_record(actor=world.callback, appeal=appeal, reached=True, satisfaction="satisfied", resolved=True)

    page = browser_page
    login(page, live_server, world.leader.username)
    page.goto(f"{live_server.url}/appeals/stats/")
    assert page.locator("h1").inner_text().startswith("诉求统计")
    assert page.locator('[data-kpi="volume"] .value').inner_text() == "1"
    assert page.locator('[data-kpi="satisfaction"] .value').inner_text() == "100.0%"
    assert page.locator('[data-kpi="resolution"] .value').inner_text() == "100.0%"
    assert page.locator('[data-kpi="first_contact"] .value').inner_text() == "—"
    for chart in ("by-day", "by-kind", "by-channel", "by-district", "by-unit"):
        page.wait_for_selector(f'#chart-{chart}[data-rendered="true"] canvas')
    assert "佛山市城市管理和综合执法局" in page.locator("#stats-units").inner_text()

    # The period picker: a custom period before the case shows no volume and no rates.
    page.select_option("[data-period-mode]", "custom")
    page.fill('input[name="start"]', "2026-01-01")
    page.fill('input[name="end"]', "2026-01-31")
    page.click('form[data-stats-filters] button[type="submit"]')
    page.wait_for_url("**/appeals/stats/?*")
    assert page.locator('[data-kpi="volume"] .value').inner_text() == "0"
    assert page.locator('[data-kpi="satisfaction"] .value').inner_text() == "—"
