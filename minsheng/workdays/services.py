"""Changing the calendar: seed it, import a year's schedule, correct one day.

After every change ``calendar_changed`` is sent, so the apps that keep deadlines can recompute
the open ones (appeals listens; the calendar knows nothing about them).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record

from .models import Day
from .selectors import calendar_forget

# Sent with ``years``: the set of years whose days changed.
calendar_changed = django.dispatch.Signal()

WORK_WORDS = {"work", "workday", "班", "上班", "1", "true"}
REST_WORDS = {"rest", "holiday", "休", "休息", "0", "false"}


def _weekday_rule(day: dt.date) -> bool:
    return day.weekday() < 5


def _year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def _store_year(year: int, exceptions: dict[dt.date, tuple[bool, str]], source: str) -> int:
    Day.objects.filter(date__year=year).delete()
    rows = []
    for day in _year_days(year):
        is_workday, name = exceptions.get(day, (_weekday_rule(day), ""))
        rows.append(Day(date=day, is_workday=is_workday, name=name, source=source))
    Day.objects.bulk_create(rows)
    return len(rows)


def _notify(years: set[int]) -> None:
    calendar_forget()
    transaction.on_commit(lambda: calendar_changed.send(sender=Day, years=frozenset(years)))


@transaction.atomic
def calendar_seed(*, first_year: int = 2004, last_year: int | None = None, actor=None) -> int:
    """Fill the calendar from the ``chinesecalendar`` package (it covers 2004–2026)."""
    import chinese_calendar

    covered = chinese_calendar.constants.holidays.keys() | chinese_calendar.constants.workdays.keys()
    package_last = max(covered).year
    last_year = min(last_year or package_last, package_last)
    total = 0
    for year in range(first_year, last_year + 1):
        exceptions: dict[dt.date, tuple[bool, str]] = {}
        for day in _year_days(year):
            is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            if is_holiday == _weekday_rule(day) or holiday:  # differs from the weekday rule, or a named day
                exceptions[day] = (not is_holiday, _holiday_name_zh(holiday or "", is_holiday))
        total += _store_year(year, exceptions, "chinesecalendar")
    audit_record(actor=actor, action="workdays.seed", summary={"years": [first_year, last_year], "days": total})
    _notify(set(range(first_year, last_year + 1)))
    return total


HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name_zh(name: str, is_holiday: bool) -> str:
    if not name:
        return ""
    zh = HOLIDAY_NAMES_ZH.get(name, name)
    return zh if is_holiday else f"{zh}调休上班"


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str


def parse_schedule(text: str) -> tuple[dict[int, dict[dt.date, tuple[bool, str]]], list[ImportProblem]]:
    """Parse a schedule file: one line per exception to the weekday rule, ``date,work|rest,name``.

    Lines starting with ``#`` and blank lines are skipped. Every day of each year named in the
    file is then set: weekdays work, weekends rest, the listed days as listed.
    """
    years: dict[int, dict[dt.date, tuple[bool, str]]] = {}
    problems: list[ImportProblem] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            problems.append(ImportProblem(number, _("Expected date,work|rest[,name].")))
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            problems.append(ImportProblem(number, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row[0]}))
            continue
        kind = row[1].strip().lower()
        if kind not in WORK_WORDS | REST_WORDS:
            problems.append(ImportProblem(number, _("“%(value)s” must be work or rest.") % {"value": row[1]}))
            continue
        bucket = years.setdefault(day.year, {})
        if day in bucket:
            problems.append(ImportProblem(number, _("%(day)s is listed twice.") % {"day": day.isoformat()}))
            continue
        bucket[day] = (kind in WORK_WORDS, row[2].strip() if len(row) > 2 else "")
    if not years and not problems:
        problems.append(ImportProblem(0, _("The file lists no days.")))
    return years, problems


@transaction.atomic
def calendar_import(*, text: str, actor, ip: str | None = None) -> dict[int, int]:
    """Import a schedule file (see ``parse_schedule``): all or nothing. Returns days stored per year."""
    years, problems = parse_schedule(text)
    if problems:
        raise ValidationError(
            [_("line %(number)s: %(message)s") % {"number": p.line, "message": p.message} for p in problems]
        )
    stored = {year: _store_year(year, exceptions, "import") for year, exceptions in sorted(years.items())}
    audit_record(actor=actor, action="workdays.import", summary={"years": sorted(stored)}, ip=ip)
    _notify(set(stored))
    return stored


@transaction.atomic
def day_set(*, actor, date: dt.date, is_workday: bool, name: str = "", ip: str | None = None) -> Day:
    """Correct one day (the admin form goes through here)."""
    before = Day.objects.filter(date=date).values("is_workday", "name").first()
    if before is None and not Day.objects.filter(date__year=date.year).exists():
        raise ValidationError(
            _("%(year)s is not in the calendar: import the whole year's schedule first.") % {"year": date.year}
        )
    day, _created = Day.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name, "source": "admin"}
    )
    audit_record(
        actor=actor,
        action="workdays.day_set",
        obj=day,
        summary={"before": before, "after": {"is_workday": is_workday, "name": name}},
        ip=ip,
    )
    _notify({date.year})
    return day
