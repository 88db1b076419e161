"""Changing the calendar: seed it, extend it with provisional years, enter a year's official schedule
(a file, or the notice's own lines), correct one day.

After every change ``calendar_changed`` is sent, so the apps that keep deadlines can recompute
the open ones (appeals listens; the calendar knows nothing about them).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

import django.dispatch
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record

from .models import CalendarYear, Day
from .notice import parse_notice
from .selectors import calendar_forget
from .statutory import provisional_exceptions

# Sent with ``years``: the set of years whose days changed.
calendar_changed = django.dispatch.Signal()

WORK_WORDS = {"work", "workday", "班", "上班", "1", "true"}
REST_WORDS = {"rest", "holiday", "休", "休息", "0", "false"}

# Where a year's days came from (``Day.source``, ``CalendarYear.source``).
SOURCE_PACKAGE = "chinesecalendar"
SOURCE_FILE = "import"
SOURCE_NOTICE = "notice"
SOURCE_PROVISIONAL = "provisional"
SOURCE_ADMIN = "admin"

Exceptions = dict[dt.date, tuple[bool, str]]


def _weekday_rule(day: dt.date) -> bool:
    return day.weekday() < 5


def _year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def year_rows(year: int, exceptions: Exceptions) -> dict[dt.date, tuple[bool, str]]:
    """Every day of ``year``: the weekday rule, then the exceptions as listed."""
    return {day: exceptions.get(day, (_weekday_rule(day), "")) for day in _year_days(year)}


def _store_year(year: int, exceptions: Exceptions, source: str, *, provisional: bool = False) -> int:
    """Replace every day of ``year`` at once (a year is never left with holes) and record its state."""
    Day.objects.filter(date__year=year).delete()
    rows = [Day(date=day, is_workday=is_workday, name=name, source=source, provisional=provisional)
            for day, (is_workday, name) in year_rows(year, exceptions).items()]
    Day.objects.bulk_create(rows)
    CalendarYear.objects.update_or_create(
        year=year, defaults={"provisional": provisional, "source": source, "since": timezone.now()})
    return len(rows)


def _notify(years: set[int]) -> None:
    calendar_forget()
    transaction.on_commit(lambda: calendar_changed.send(sender=Day, years=frozenset(years)))


def _horizon(today: dt.date | None = None) -> int:
    """The last year the stored calendar must reach: this year plus ``WORKDAYS_YEARS_AHEAD``."""
    return (today or timezone.localdate()).year + settings.WORKDAYS_YEARS_AHEAD


@transaction.atomic
def calendar_seed(*, first_year: int = 2004, last_year: int | None = None, actor=None,
                  today: dt.date | None = None) -> int:
    """Fill the calendar from the ``chinesecalendar`` package (official schedules, 2004–2026 in 1.11),
    then with provisional years up to the horizon."""
    import chinese_calendar

    covered = chinese_calendar.constants.holidays.keys() | chinese_calendar.constants.workdays.keys()
    package_last = max(covered).year
    last_year = min(last_year or package_last, package_last)
    total = 0
    for year in range(first_year, last_year + 1):
        exceptions: Exceptions = {}
        for day in _year_days(year):
            is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            if is_holiday == _weekday_rule(day) or holiday:  # differs from the weekday rule, or a named day
                exceptions[day] = (not is_holiday, _holiday_name_zh(holiday or "", is_holiday))
        total += _store_year(year, exceptions, SOURCE_PACKAGE)
    audit_record(actor=actor, action="workdays.seed", summary={"years": [first_year, last_year], "days": total})
    _notify(set(range(first_year, last_year + 1)))
    calendar_extend(actor=actor, today=today)
    return total


@transaction.atomic
def calendar_extend(*, actor=None, today: dt.date | None = None, through_year: int | None = None) -> list[int]:
    """Store a provisional year for every year missing from the first stored year up to the horizon
    (and any hole between stored years). Official years are never touched. Returns the years added."""
    years = set(CalendarYear.objects.values_list("year", flat=True))
    if not years:
        return []
    through_year = max(through_year or _horizon(today), max(years))
    added = [year for year in range(min(years), through_year + 1) if year not in years]
    for year in added:
        _store_year(year, provisional_exceptions(year), SOURCE_PROVISIONAL, provisional=True)
    if added:
        audit_record(actor=actor, action="workdays.extend", summary={"years": added})
        _notify(set(added))
    return added


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


def parse_schedule(text: str) -> tuple[dict[int, Exceptions], list[ImportProblem]]:
    """Parse a schedule file: one line per exception to the weekday rule, ``date,work|rest,name``.

    Lines starting with ``#`` and blank lines are skipped. Every day of each year named in the
    file is then set: weekdays work, weekends rest, the listed days as listed.
    """
    years: dict[int, Exceptions] = {}
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
        name = row[2].strip() if len(row) > 2 else ""
        if len(name) > Day._meta.get_field("name").max_length:
            problems.append(ImportProblem(number, _("The name is longer than 50 characters.")))
            continue
        bucket[day] = (kind in WORK_WORDS, name)
    if not years and not problems:
        problems.append(ImportProblem(0, _("The file lists no days.")))
    return years, problems


def _refuse(problems: list[ImportProblem]) -> None:
    if problems:
        raise ValidationError(
            [_("line %(number)s: %(message)s") % {"number": p.line, "message": p.message} if p.line
             else p.message for p in problems]
        )


def _enter_years(years: dict[int, Exceptions], *, source: str, actor, ip: str | None, action: str,
                 detail: dict | None = None) -> dict[int, int]:
    """Make each year official with its days (each year whole), fill any hole, tell the listeners."""
    before = {year: _year_state(year) for year in years}
    stored = {year: _store_year(year, exceptions, source) for year, exceptions in sorted(years.items())}
    audit_record(actor=actor, action=action, ip=ip, summary={
        "years": sorted(stored), **(detail or {}),
        "was_provisional": sorted(year for year, state in before.items() if state != "official")})
    _notify(set(stored))
    calendar_extend(actor=actor)
    return stored


def _year_state(year: int) -> str:
    row = CalendarYear.objects.filter(year=year).values_list("provisional", flat=True).first()
    return "missing" if row is None else ("provisional" if row else "official")


@transaction.atomic
def calendar_import(*, text: str, actor, ip: str | None = None) -> dict[int, int]:
    """Import a schedule file (see ``parse_schedule``): all or nothing. Returns days stored per year."""
    years, problems = parse_schedule(text)
    _refuse(problems)
    return _enter_years(years, source=SOURCE_FILE, actor=actor, ip=ip, action="workdays.import")


@dataclass(frozen=True)
class DayChange:
    """One day a schedule changes: what the calendar says now, and what it will say."""

    date: dt.date
    was_workday: bool | None
    was_name: str
    is_workday: bool
    name: str


def year_changes(year: int, exceptions: Exceptions) -> list[DayChange]:
    """The days of ``year`` whose working state or name the schedule changes."""
    stored = {day: (work, name) for day, work, name in
              Day.objects.filter(date__year=year).values_list("date", "is_workday", "name")}
    changes = []
    for day, (is_workday, name) in year_rows(year, exceptions).items():
        was = stored.get(day)
        if was != (is_workday, name):
            changes.append(DayChange(day, was[0] if was else None, was[1] if was else "", is_workday, name))
    return changes


def notice_preview(*, year: int, text: str) -> tuple[Exceptions, list[DayChange]]:
    """Read the notice's lines for ``year`` (see ``notice.parse_notice``) and list the days it changes.
    Raises ``ValidationError`` with every problem, by line."""
    exceptions, problems = parse_notice(year, text)
    _refuse([ImportProblem(p.line, p.message) for p in problems])
    return exceptions, year_changes(year, exceptions)


@transaction.atomic
def calendar_notice_enter(*, year: int, text: str, actor, ip: str | None = None) -> list[DayChange]:
    """Make ``year`` official from the State Council notice's lines, typed or pasted by an administrator."""
    exceptions, changes = notice_preview(year=year, text=text)
    _enter_years({year: exceptions}, source=SOURCE_NOTICE, actor=actor, ip=ip, action="workdays.notice",
                 detail={"changed_days": len(changes), "text": text[:4000]})
    return changes


@transaction.atomic
def day_set(*, actor, date: dt.date, is_workday: bool, name: str = "", ip: str | None = None) -> Day:
    """Correct one day (the admin form goes through here). The year keeps its state: correcting a day
    of a provisional year does not make the year official."""
    year = CalendarYear.objects.filter(year=date.year).first()
    if year is None:
        raise ValidationError(
            _("%(year)s is not in the calendar: import the whole year's schedule first.") % {"year": date.year}
        )
    before = Day.objects.filter(date=date).values("is_workday", "name").first()
    day, _created = Day.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name, "source": SOURCE_ADMIN,
                             "provisional": year.provisional}
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
