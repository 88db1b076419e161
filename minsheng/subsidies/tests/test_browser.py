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


def test_on_a_phone_the_enterprise_reads_why_it_was_refused_objects_with_a_photo_and_is_paid(
        chromium, live_server, login, work_calendar, settings, tmp_path):
    from minsheng.subsidies.choices import GrantState

    from .test_money_integrity import gas

    settings.MEDIA_ROOT = tmp_path
    services.reference_data_ensure()
    region_tree()
    refuser = person(Role.FUNDS_OFFICER, username="refuser")
    decider = person(Role.FUNDS_OFFICER, username="decider")
    owner = person(Role.ENTERPRISE, username="owner2")
    mine = enterprise(user=owner, name="佛山市测试陶瓷有限公司", facts={("gas_m3", "2025"): 200000})
    version = services.policy_create(code="gas-phone", name="工业用气补贴", mode="auto_grant", actor=refuser,
                                     rule_text=GAS_RULE, period="2025", budget=1_000_000_00,
                                     legal_reference="佛工信〔2025〕18号")
    version = services.policy_publish(version=version, approver=decider, reviewed_hash=version.terms_hash)
    services.policy_match(version=version)
    services.grant_confirm(grant=mine.grants.get(), user=owner, bank_account_no="6222020200112233445", settle=False)
    gas(mine, 50000)
    services.grant_batch_approve(policy=version.policy, actor=refuser)
    photo = tmp_path / "bill.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 200)

    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, owner.username)
    page.goto(f"{live_server.url}/subsidies/my/")
    refused = page.locator(".history li.grant-refused")
    assert "用气量达标" in refused.inner_text() and "50000.00 立方米" in refused.inner_text()
    refused.locator("a.object").click()
    page.fill("#id_reason", "燃气集团抄表错误，实际用量为 20 万立方米")
    page.set_input_files("#id_files", str(photo))
    page.locator("form.objection-form button[type=submit]").click()
    page.wait_for_selector(".messages li.success")
    assert page.locator(".history li.grant-refused a.object").count() == 0  # one open objection
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    context.close()

    gas(mine, 200000)  # the gas company corrects its reading
    page = page_for(chromium, live_server, login, decider.username)
    page.goto(f"{live_server.url}/subsidies/objections/")
    page.locator("table.list a").first.click()
    page.select_option("select[name=decision]", "uphold")
    page.fill("input[name=note]", "燃气集团已更正读数")
    page.click("#decide-objection")
    page.wait_for_selector(".messages li.success")
    page.context.close()
    assert mine.grants.get().state == GrantState.PAID
