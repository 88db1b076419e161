"""One case walked through the real pages in Chromium: intake → dispatch → sign and answer → review →
callback → closed; and a return → reassign path."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .. import services
from ..choices import State
from ..models import Appeal
from .conftest import build_world
from .helpers import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_world(work_calendar):
    return build_world()


def as_user(page, live_server, login, user):
    page.context.clear_cookies()
    login(page, live_server, user.username)


def test_a_case_from_the_call_to_closed(browser_page, live_server, login, browser_world):
    world, page = browser_world, browser_page
    # call agent: the caller's number shows history at once; category by pinyin initials; district > town > community
    services.appeal_register(actor=world.agent, kind="inquiry", channel="hotline_12345", category=world.stalls,
                             region=world.regions["zumiao"], content="以前问过摆摊手续的事情。", caller_mobile=MOBILE,
                             auto_dispatch=False)
    as_user(page, live_server, login, world.agent)
    page.goto(f"{live_server.url}/appeals/intake/")
    page.fill("#id_caller_mobile", MOBILE)
    page.wait_for_selector("#caller-history table")
    page.fill("#id_caller_name", "陈先生")
    page.select_option("#id_kind", "complaint")
    page.fill("#id_category_q", "zdjy")
    expect(page.locator("#id_category option")).to_have_count(2)  # "— choose —" and 占道经营
    page.select_option("#id_category", label="城市管理 > 市容环境 > 占道经营")
    page.select_option("#id_district", label="禅城区")
    page.wait_for_selector("#id_town option:text('祖庙街道')", state="attached")
    page.select_option("#id_town", label="祖庙街道")
    page.wait_for_selector("#id_community option:text('东风社区')", state="attached")
    page.select_option("#id_community", label="东风社区")
    page.fill("#id_address", "祖庙路18号")
    page.fill("#id_content", "祖庙路18号门口有流动摊贩占道经营，行人只能走机动车道。")
    page.click("#intake-save")
    number = page.inner_text(".case-number").strip()
    assert re.fullmatch(r"FS\d{14}", number)
    assert page.inner_text(".query-code").strip()

    # dispatcher
    as_user(page, live_server, login, world.dispatcher)
    page.goto(f"{live_server.url}/appeals/dispatch/")
    row = f"tr[data-number='{number}']"
    page.select_option(f"{row} select[name$='lead_unit']", label=world.cgj.name)
    page.click(f"{row} .dispatch-form button[type=submit]")
    page.wait_for_selector(".messages li.success")

    # unit handler: sign, then answer
    as_user(page, live_server, login, world.handler)
    page.goto(f"{live_server.url}/appeals/inbox/")
    page.click(f"section[data-number='{number}'] .sign-button")
    page.wait_for_selector(".messages li.success")
    page.fill(f"section[data-number='{number}'] .answer-form textarea",
              "已联系城管中队到场处置，摊贩已劝离，并纳入每日巡查。")
    page.click(f"section[data-number='{number}'] .answer-form button[type=submit]")
    page.wait_for_selector(".messages li.success")

    # reviewer passes
    as_user(page, live_server, login, world.reviewer)
    page.goto(f"{live_server.url}/appeals/review/")
    page.select_option(f"section[data-number='{number}'] select[name=passed]", "1")
    page.click(f"section[data-number='{number}'] .review-form button[type=submit]")
    page.wait_for_selector(".messages li.success")

    # callback agent records "satisfied"
    as_user(page, live_server, login, world.callback)
    page.goto(f"{live_server.url}/appeals/callback/")
    form = f"section[data-number='{number}'] .callback-form"
    page.select_option(f"{form} select[name=reached]", "1")
    page.select_option(f"{form} select[name=satisfaction]", "satisfied")
    page.select_option(f"{form} select[name=resolved]", "1")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(".messages li.success")

    page.goto(f"{live_server.url}/appeals/case/{number}/")
    with translation.override("zh-hans"):
        assert page.inner_text("#case-state").strip() == str(State.CLOSED.label)
    appeal = Appeal.objects.get(number=number)
    assert appeal.state == State.CLOSED and appeal.satisfaction == "satisfied"
    actions = page.eval_on_selector_all("#timeline li", "items => items.map(i => i.dataset.action)")
    assert actions == ["register", "dispatch", "sign", "answer", "review_pass", "callback_close"]


def test_a_return_is_accepted_and_the_case_reassigned(browser_page, live_server, login, browser_world):
    world, page = browser_world, browser_page
    appeal = services.appeal_register(actor=world.agent, kind="complaint", channel="hotline_12345",
                                      category=world.stalls, region=world.regions["community"],
                                      content="路口有人占道摆卖，影响通行。", caller_mobile=MOBILE, auto_dispatch=False)
    services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, lead_unit=world.cgj)
    number = appeal.number

    as_user(page, live_server, login, world.handler)
    page.goto(f"{live_server.url}/appeals/inbox/")
    section = f"section[data-number='{number}']"
    page.click(f"{section} details summary >> nth=0")
    page.fill(f"{section} .return-leg-form input[name=reason]", "该路段属街道管辖")
    page.fill(f"{section} .return-leg-form input[name=legal_basis]", "《佛山市城市管理权责清单》")
    page.click(f"{section} .return-leg-form button[type=submit]")
    page.wait_for_selector(".messages li.success")

    as_user(page, live_server, login, world.dispatcher)
    page.goto(f"{live_server.url}/appeals/dispatch/")
    row = f"#return-list tr[data-number='{number}']"
    page.select_option(f"{row} select[name$='accept']", "1")
    page.select_option(f"{row} select[name$='lead_unit']", label=world.zumiao_office.name)
    page.click(f"{row} .return-form button[type=submit]")
    page.wait_for_selector(".messages li.success")

    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED and appeal.lead_unit == world.zumiao_office
    as_user(page, live_server, login, world.zumiao_handler)
    page.goto(f"{live_server.url}/appeals/inbox/")
    assert page.locator(f"section[data-number='{number}']").count() == 1
