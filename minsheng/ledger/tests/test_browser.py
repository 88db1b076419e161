"""In Chromium: a funds officer opens the ledger, finds a budget and reads its transfers."""

import pytest

from minsheng.ledger.services import pending_post, transfer_create
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

from .helpers import budget, enterprise


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_funds_officer_follows_a_budget_to_its_payments(live_server, browser_page, login, work_calendar):
    gas, firm = budget(funded=1_000_000_00), enterprise(42)
    reservation = transfer_create(key="grant:gas:42", debit=gas, credit=firm, amount=12_345_67, pending=True)
    pending_post(key="grant:gas:42:post", pending=reservation)
    officer = person(Role.FUNDS_OFFICER)

    login(browser_page, live_server, officer.username)
    browser_page.goto(f"{live_server.url}/ledger/")
    browser_page.select_option("select[name=kind]", "budget")
    browser_page.click("form.filters button[type=submit]")
    browser_page.click("text=budget:gas")
    browser_page.wait_for_url("**/ledger/accounts/budget:gas/")
    assert browser_page.locator("tbody tr").count() == 3  # funding, reservation, posting
    assert "grant:gas:42:post" in browser_page.content()
    assert "987,654.33" in browser_page.locator(".kpis").inner_text()  # available
