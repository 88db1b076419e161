"""Seeding, importing and correcting the calendar; the warning before it runs out."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.workdays.models import Day
from minsheng.workdays.selectors import calendar_coverage_warning, calendar_current
from minsheng.workdays.services import calendar_changed, calendar_import, day_set, parse_schedule

SCHEDULE_2027 = """# 2027 (an example file in the import format)
2027-01-01,rest,元旦
2027-02-06,rest,春节
2027-02-07,work,春节调休
2027-02-08,rest,春节
"""


def test_seed_covers_2020_to_2026_with_holiday_names(db):
    assert Day.objects.filter(date__year=2026).count() == 365
    assert Day.objects.get(date=dt.date(2025, 10, 1)).name == "国庆节"
    assert Day.objects.get(date=dt.date(2025, 10, 11)).name == "国庆节调休上班"


@pytest.mark.django_db(transaction=True)
def test_import_adds_a_year_and_notifies_listeners(work_calendar):
    admin = person(Role.ADMIN)
    heard = []

    def listener(sender, years, **kwargs):
        heard.append(years)

    calendar_changed.connect(listener)
    try:
        stored = calendar_import(text=SCHEDULE_2027, actor=admin)
    finally:
        calendar_changed.disconnect(listener)
    assert stored == {2027: 365}
    cal = calendar_current()
    assert cal.is_workday(dt.date(2027, 2, 7))  # a Sunday, make-up working day
    assert not cal.is_workday(dt.date(2027, 2, 8))  # a Monday, holiday
    assert cal.is_workday(dt.date(2027, 3, 1))  # the weekday rule fills the rest
    assert heard == [frozenset({2027})]
    assert AuditEvent.objects.filter(action="workdays.import").exists()


def test_import_with_a_bad_line_imports_nothing(db):
    admin = person(Role.ADMIN)
    with pytest.raises(ValidationError) as excinfo:
        calendar_import(text="2027-01-01,rest,元旦\n2027-13-01,rest,x\n2027-01-02,maybe\n", actor=admin)
    messages = " ".join(excinfo.value.messages)
    assert "2" in messages and "3" in messages
    assert not Day.objects.filter(date__year=2027).exists()


def test_parse_schedule_reports_duplicates_and_empty_files():
    _, problems = parse_schedule("2027-01-01,rest\n2027-01-01,work\n")
    assert [p.line for p in problems] == [2]
    _, problems = parse_schedule("# nothing\n")
    assert problems


def test_correcting_one_day_is_audited_and_seen_at_once(db):
    admin = person(Role.ADMIN)
    day_set(actor=admin, date=dt.date(2026, 12, 31), is_workday=False, name="临时调整")
    assert not calendar_current().is_workday(dt.date(2026, 12, 31))
    event = AuditEvent.objects.get(action="workdays.day_set")
    assert event.summary["before"] == {"is_workday": True, "name": ""}


def test_correcting_a_day_of_a_missing_year_is_refused(db):
    with pytest.raises(ValidationError):
        day_set(actor=None, date=dt.date(2031, 1, 1), is_workday=False)


def test_administrators_are_warned_from_november_of_the_last_year(db):
    assert calendar_coverage_warning(today=dt.date(2026, 6, 1)) is None
    assert "2026-12-31" in calendar_coverage_warning(today=dt.date(2026, 11, 1))
    assert "2026-12-31" in calendar_coverage_warning(today=dt.date(2027, 1, 2))
