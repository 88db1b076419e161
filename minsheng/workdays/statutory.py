"""A provisional year: weekends plus the statutory holidays the law fixes. Pure: no database, no clock.

The State Council publishes each year's schedule (with its 调休 make-up working days) only in
November of the year before. Until then a year is *provisional*: what 《全国年节及纪念日放假办法》
(as revised in 2024, in force from 2025) fixes for every year —

- 元旦 1 day (1 January); 春节 4 days (除夕 and 正月初一 to 初三); 清明节 1 day (the solar term);
  劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节 1 day (八月十五); 国庆节 3 days (1–3 October);
- article 6: a holiday that falls on a Saturday or Sunday is made up on a working day (补假), here
  the first weekdays after that holiday that are not holidays themselves.

Lunar dates and the 清明 solar term come from ``lunar_python`` (6tail's lunar, pure Python, the same
tables as its Java/JavaScript siblings, maintained; it computes solar terms astronomically, so it
needs no yearly data release). The 调休 weekends the State Council adds are not guessed: a deadline
counting a provisional day says so until the official schedule is entered.
"""

import datetime as dt
from functools import lru_cache

# (name, days) in the order of the year; names are what the calendar rows show.
NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"
MAKE_UP_SUFFIX = "补休"


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    from lunar_python import Solar

    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return dt.date(term.getYear(), term.getMonth(), term.getDay())


def statutory_holidays(year: int) -> list[tuple[str, list[dt.date]]]:
    """Each statutory holiday of ``year`` for all citizens, with its days (before any 补假)."""
    spring = _lunar_to_solar(year, 1, 1)
    blocks = [
        (NEW_YEAR, [dt.date(year, 1, 1)]),
        (SPRING_FESTIVAL, [spring + dt.timedelta(days=offset) for offset in (-1, 0, 1, 2)]),
        (QINGMING, [_qingming(year)]),
        (LABOUR_DAY, [dt.date(year, 5, 1), dt.date(year, 5, 2)]),
        (DRAGON_BOAT, [_lunar_to_solar(year, 5, 5)]),
        (MID_AUTUMN, [_lunar_to_solar(year, 8, 15)]),
        (NATIONAL_DAY, [dt.date(year, 10, day) for day in (1, 2, 3)]),
    ]
    # 除夕 of a Spring Festival on 1 January would fall in the year before; it never happens
    # (the festival falls between 21 January and 20 February), but keep the year whole regardless.
    return [(name, [day for day in days if day.year == year]) for name, days in blocks]


@lru_cache(maxsize=64)
def provisional_exceptions(year: int) -> dict[dt.date, tuple[bool, str]]:
    """The days of ``year`` that differ from Monday–Friday work, weekends rest, or carry a name.

    ``{date: (is_workday, name)}``: every statutory holiday rests; a holiday day on a weekend
    gives a 补假 rest on the next weekday that is no holiday.
    """
    rest: dict[dt.date, str] = {}
    for name, days in statutory_holidays(year):
        for day in days:
            rest[day] = f"{rest[day]}、{name}" if day in rest else name  # 中秋 inside 国庆: one day, both names
    make_up: dict[dt.date, str] = {}
    for name, days in statutory_holidays(year):
        owed = sum(1 for day in days if day.weekday() >= 5)
        candidate = max(days) if days else None
        while owed and candidate is not None:
            candidate += dt.timedelta(days=1)
            if candidate.year != year:
                break
            if candidate.weekday() < 5 and candidate not in rest and candidate not in make_up:
                make_up[candidate] = f"{name}{MAKE_UP_SUFFIX}"
                owed -= 1
    return {day: (False, name) for day, name in {**rest, **make_up}.items()}


def provisional_workdays(year: int) -> list[tuple[dt.date, bool]]:
    """Every date of ``year`` with whether it is a working day, by the provisional rule."""
    exceptions = provisional_exceptions(year)
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    out = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        out.append((day, exceptions.get(day, (day.weekday() < 5, ""))[0]))
    return out
