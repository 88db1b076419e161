"""Test-wide fixtures: the working-day calendar seeded once per test database."""

import pytest


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
