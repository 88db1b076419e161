"""End to end in Chromium: an officer writes a policy, a second one publishes and matches it, the
enterprise confirms its offer and sees it paid, and the leader's statistics count it."""

import pytest

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, region_tree
from minsheng.subsidies import services
from minsheng.subsidies.models import Grant

from .factories import GAS_RULE, enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(chromium, live_server, login, username):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, username)
    return page


def test_publish_offer_confirm_paid_and_counted(chromium, live_server, login, work_calendar):
    services.reference_data_ensure()
    region_tree()
    author = person(Role.FUNDS_OFFICER, username="author")
    approver = person(Role.FUNDS_OFFICER, username="approver")
    owner = person(Role.ENTERPRISE, username="owner")
    person(Role.LEADER, username="leader")
    mine = enterprise(name="佛山市测试陶瓷（佛山）有限公司", facts={("gas_m3", "2025"): 200000})
    services.enterprise_link_user(enterprise=mine, user=owner)

    page = page_for(chromium, live_server, login, author.username)
    page.goto(f"{live_server.url}/subsidies/policies/new/")
    page.fill("#id_code", "gas-e2e")
    page.fill("#id_name", "工业用气补贴")
    page.select_option("#id_mode", "auto_grant")
    page.fill("#id_period", "2025")
    page.fill("#id_budget", "1000000")
    page.fill("#id_legal_reference", "佛工信〔2025〕18号")
    page.fill("#id_rule_text", 'clause 坏: fact("nope") > 1\namount: 1')
    page.click("#policy-form button[type=submit]")
    assert page.locator(".rule-errors li").first.inner_text().startswith(("第 1 行", "Line 1"))
    page.fill("#id_rule_text", GAS_RULE)
    page.click("#policy-form button[type=submit]")
    page.wait_for_url("**/subsidies/policies/*/")
    assert page.locator("#publish-1").count() == 0  # the author cannot publish their own version
    policy_url = page.url
    page.context.close()

    page = page_for(chromium, live_server, login, approver.username)
    page.goto(policy_url)
    page.click("#publish-1")
    page.wait_for_selector("#match")
    page.click("#match")
    page.wait_for_selector(".messages li.success")
    page.context.close()
    assert Grant.objects.filter(enterprise=mine).exists()

    # The enterprise registers its receiving account (a name not its own is refused) ...
    page = page_for(chromium, live_server, login, owner.username)
    page.goto(f"{live_server.url}/subsidies/my/accounts/")
    page.fill("#id_bank_name", "工商银行佛山分行")
    page.fill("#id_account_no", "6222 0202 0011 2233 445")
    page.fill("#id_account_name", "任意个人")
    page.click("form.card button[type=submit]")
    assert page.locator(".has-error").count() == 1
    page.fill("#id_account_name", "佛山市测试陶瓷(佛山)有限公司")  # half-width brackets are the same name
    page.click("form.card button[type=submit]")
    page.wait_for_selector(".messages li.success")
    page.context.close()
    # ... a funds officer who did not ask approves it ...
    page = page_for(chromium, live_server, login, approver.username)
    page.goto(f"{live_server.url}/subsidies/accounts/review/")
    page.click("button[name=approve]")
    page.wait_for_selector(".messages li.success")
    page.context.close()
    # ... and the offer is confirmed to that account.
    page = page_for(chromium, live_server, login, owner.username)
    page.goto(f"{live_server.url}/subsidies/my/")
    offer = page.locator(".offer").first
    assert "20,000.00" in offer.inner_text()
    assert "****3445" in offer.locator("select[name=bank_account_no]").inner_text()
    offer.locator("button[type=submit]").click()
    page.wait_for_selector(".history li.grant-paid")
    assert page.locator(".offer").count() == 0
    page.context.close()

    page = page_for(chromium, live_server, login, "leader")
    page.goto(f"{live_server.url}/subsidies/stats/")
    assert page.locator("tr[data-policy=gas-e2e] td.paid").inner_text() == "1"
    page.wait_for_selector("#chart-policies canvas")
    page.context.close()
