"""Seeding, importing and correcting the calendar; the warning before it runs out."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person
from minsheng.workdays.models import CalendarYear, Day
from minsheng.workdays.selectors import calendar_coverage_warning, calendar_current
from minsheng.workdays.services import (
    calendar_changed,
    calendar_extend,
    calendar_import,
    calendar_notice_enter,
    day_set,
    notice_preview,
    parse_schedule,
)

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
    assert not CalendarYear.objects.get(year=2026).provisional


def test_seed_goes_on_with_provisional_years_five_years_ahead(db):
    today = timezone.localdate()
    years = dict(CalendarYear.objects.values_list("year", "provisional"))
    assert all(years[year] for year in range(2027, today.year + 6))
    assert Day.objects.filter(date__year=2027, provisional=True).count() == 365
    assert Day.objects.get(date=dt.date(2027, 2, 5)).name == "春节"
    assert not Day.objects.get(date=dt.date(2027, 2, 5)).is_workday


def test_extending_later_adds_only_the_missing_years_and_never_touches_official_ones(db):
    last = CalendarYear.objects.order_by("-year").first().year
    added = calendar_extend(today=dt.date(last - 3, 6, 1))
    assert added == [last + 1, last + 2]
    assert calendar_extend(today=dt.date(last - 3, 6, 1)) == []
    assert Day.objects.filter(date=dt.date(2026, 10, 1), provisional=False, source="chinesecalendar").exists()


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
    assert not CalendarYear.objects.get(year=2027).provisional
    assert not Day.objects.filter(date__year=2027, provisional=True).exists()
    cal = calendar_current()
    assert cal.is_workday(dt.date(2027, 2, 7))  # a Sunday, make-up working day
    assert not cal.is_workday(dt.date(2027, 2, 8))  # a Monday, holiday
    assert cal.is_workday(dt.date(2027, 3, 1))  # the weekday rule fills the rest
    assert heard == [frozenset({2027})]
    event = AuditEvent.objects.get(action="workdays.import")
    assert event.summary["was_provisional"] == [2027]
    assert not cal.is_provisional(dt.date(2027, 3, 1))


def test_import_with_a_bad_line_imports_nothing(db):
    admin = person(Role.ADMIN)
    with pytest.raises(ValidationError) as excinfo:
        calendar_import(text="2027-01-01,rest,元旦\n2027-13-01,rest,x\n2027-01-02,maybe\n", actor=admin)
    messages = " ".join(excinfo.value.messages)
    assert "2" in messages and "3" in messages
    assert Day.objects.filter(date__year=2027, provisional=True).count() == 365  # untouched


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
        day_set(actor=None, date=dt.date(2099, 1, 1), is_workday=False)


def test_correcting_a_day_of_a_provisional_year_keeps_the_year_provisional(db):
    day_set(actor=None, date=dt.date(2027, 3, 1), is_workday=False, name="台风停工")
    assert CalendarYear.objects.get(year=2027).provisional
    assert Day.objects.get(date=dt.date(2027, 3, 1)).provisional


def test_importing_a_later_year_first_leaves_the_year_between_provisional_not_rest(db):
    admin = person(Role.ADMIN)
    last = CalendarYear.objects.order_by("-year").first().year
    calendar_import(text=f"{last + 2}-01-01,rest,元旦\n", actor=admin)
    between = CalendarYear.objects.get(year=last + 1)
    assert between.provisional
    assert calendar_current().is_workday(dt.date(last + 1, 3, 1) + dt.timedelta(
        days=(7 - dt.date(last + 1, 3, 1).weekday()) % 7))  # the first Monday of March works


# Lines written the way the State Council's notice writes them (a made-up 2027 schedule).
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至12日（周五）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。
三、清明节：4月3日至5日放假，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日放假。
六、中秋节、国庆节：9月15日放假；10月1日至7日放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_the_notice_preview_lists_the_days_that_change_and_stores_nothing(db):
    exceptions, changes = notice_preview(year=2027, text=NOTICE_2027)
    assert exceptions[dt.date(2027, 2, 14)] == (True, "春节调休上班")
    changed = {c.date: c for c in changes}
    # The provisional rule had 9–10 February off as 补休; the notice keeps them off as 春节 (a name change)
    # and makes Sunday 14 February a working day.
    assert changed[dt.date(2027, 2, 14)].was_workday is False and changed[dt.date(2027, 2, 14)].is_workday
    assert changed[dt.date(2027, 2, 11)].is_workday is False
    assert dt.date(2027, 3, 1) not in changed
    assert CalendarYear.objects.get(year=2027).provisional


@pytest.mark.django_db(transaction=True)
def test_entering_the_notice_makes_the_year_official_and_audits_it(work_calendar):
    admin = person(Role.ADMIN)
    changes = calendar_notice_enter(year=2027, text=NOTICE_2027, actor=admin)
    assert changes
    assert not CalendarYear.objects.get(year=2027).provisional
    cal = calendar_current()
    assert cal.is_workday(dt.date(2027, 2, 20)) and not cal.is_workday(dt.date(2027, 10, 7))
    assert not cal.is_provisional(dt.date(2027, 6, 1))
    assert AuditEvent.objects.get(action="workdays.notice").summary["changed_days"] == len(changes)


@pytest.mark.parametrize(("text", "fragment"), [
    ("春节 2月5日至12日", "holidays (放假)"),
    ("春节：2月30日放假", "2月30日"),
    ("：2月5日放假", "name"),
    ("春节：2月12日至5日放假", "ends before"),
    ("春节：2月5日放假。2月5日上班。", "both"),
    ("春节：放假", "no dates"),
    ("", "no days"),
])
def test_a_notice_line_that_cannot_be_read_is_refused_with_its_line_number(db, text, fragment):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        notice_preview(year=2027, text=text)
    message = " ".join(excinfo.value.messages)
    assert fragment in message
    assert message.startswith("line 1: ") or not text
    assert CalendarYear.objects.get(year=2027).provisional


def test_administrators_are_told_while_next_year_is_provisional(db):
    assert calendar_coverage_warning(today=dt.date(2026, 6, 1)) is None
    assert "2027" in calendar_coverage_warning(today=dt.date(2026, 11, 1))
    assert "2027" in calendar_coverage_warning(today=dt.date(2027, 1, 2))
    calendar_notice_enter(year=2027, text=NOTICE_2027, actor=person(Role.ADMIN))
    assert calendar_coverage_warning(today=dt.date(2027, 1, 2)) is None
