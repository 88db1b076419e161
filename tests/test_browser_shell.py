"""The shell in a real browser: sign in, see the role's home page in Chinese, switch to English."""

import pytest

from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_home_and_language_switch(live_server, browser_page, login, work_calendar):
    person(Role.CALLBACK_AGENT, username="sunhuifang")
    errors = []
    browser_page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    login(browser_page, live_server, "sunhuifang")
    assert browser_page.locator("h2").first.inner_text() == "回访员"
    assert browser_page.get_by_text("回访队列").count() == 1
    browser_page.get_by_role("button", name="English").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("h2").first.inner_text() == "Callback agent"
    assert not [e for e in errors if "Content Security Policy" in e], errors
