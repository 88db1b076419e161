"""Test-wide fixtures: the clock frozen at one instant, the working-day calendar seeded once per test database.

Tests never read the machine's clock. The whole run starts at ``MINSHENG_TEST_NOW`` (a local date and time
in the city's zone, default ``DEFAULT_TEST_NOW``; ``bin/test --at "2027-02-05 10:00"`` sets it) and the clock
ticks on from there, so a suite that passes at one instant passes on any day the machine happens to run it.
A test that needs another moment travels there itself (``time_machine.travel``).
"""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

DEFAULT_TEST_NOW = "2026-06-15 10:00"


def test_now() -> dt.datetime:
    """The instant the run starts at, aware, in the city's zone."""
    local = dt.datetime.fromisoformat(os.environ.get("MINSHENG_TEST_NOW") or DEFAULT_TEST_NOW)
    return local.replace(tzinfo=ZoneInfo(os.environ.get("TIME_ZONE", "Asia/Shanghai")))


_traveller = None


def pytest_configure(config):
    global _traveller
    _traveller = time_machine.travel(test_now(), tick=True)
    _traveller.start()


def pytest_unconfigure(config):
    if _traveller is not None:
        _traveller.stop()


def pytest_report_header(config):
    return f"minsheng: the clock starts at {test_now().isoformat()} (MINSHENG_TEST_NOW)"


def pytest_runtest_setup(item):
    """``@pytest.mark.postgres_only`` (row locks, real concurrency): skipped unless the suite runs on PostgreSQL."""
    if item.get_closest_marker("postgres_only") and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("needs PostgreSQL (row locks, real concurrency)")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from minsheng.workdays.services import calendar_seed

    with django_db_blocker.unblock():
        calendar_seed(first_year=2020)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    from minsheng.workdays.selectors import calendar_forget

    calendar_forget()
    yield
    calendar_forget()


@pytest.fixture
def work_calendar(django_db_blocker):
    """The calendar for tests on a transactional database (flushed after each test): seed when empty."""
    from minsheng.workdays.models import Day
    from minsheng.workdays.selectors import calendar_current
    from minsheng.workdays.services import calendar_seed

    with django_db_blocker.unblock():
        if not Day.objects.exists():
            calendar_seed(first_year=2020)
        return calendar_current(fresh=True)


# --- browser tests: Debian's Chromium driven by Playwright (no browser download) -------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the session. Playwright's sync API runs an event loop in this thread, so
    Django's async-safety guard is told that the ORM calls made by the test itself are fine."""
    import os
    import shutil

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: bin/setup --test installs Debian's chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh context (cookies, language zh-Hans) and page per test."""
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def browser_login(page, live_server, username: str, password: str | None = None) -> None:
    """Sign in through the real login form."""
    from minsheng.org.tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/**")


@pytest.fixture
def login():
    return browser_login
