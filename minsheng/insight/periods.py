"""Report periods and the one way a rate is computed (pure: no database)."""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """[first, after) in local dates: a month ("2026-11") or a quarter ("2026Q4")."""

    code: str
    first: dt.date
    after: dt.date

    def start(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)

    def end(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.combine(self.after, dt.time.min, tzinfo=tz)

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.code


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_parse(code: str) -> Period:
    """A period from its code; ValidationError with a message people understand otherwise."""
    code = (code or "").strip()
    if match := _MONTH.match(code):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            first = dt.date(year, month, 1)
            return Period(code=f"{year}-{month:02d}", first=first, after=_add_months(first, 1))
    if match := _QUARTER.match(code):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            first = dt.date(year, 3 * quarter - 2, 1)
            return Period(code=f"{year}Q{quarter}", first=first, after=_add_months(first, 3))
    raise ValidationError(_("Give the period as a month (2026-11) or a quarter (2026Q4)."), code="period")


def month_of(day: dt.date) -> Period:
    return period_parse(f"{day.year}-{day.month:02d}")


def quarter_of(day: dt.date) -> Period:
    return period_parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def recent_periods(today: dt.date, *, months: int = 12) -> list[Period]:
    """The current and previous months, then the current and previous quarters: the report picker."""
    result = [month_of(_add_months(today.replace(day=1), -i)) for i in range(months)]
    quarter = quarter_of(today)
    result += [quarter, quarter_of(_add_months(quarter.first, -3)), quarter_of(_add_months(quarter.first, -6))]
    return result


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator; None (shown as "—") when there is nothing to divide by — never a made-up 100%."""
    if not denominator:
        return None
    return numerator / denominator


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


SHANGHAI = ZoneInfo(settings.TIME_ZONE)  # the city's zone (named for the default, Asia/Shanghai)
