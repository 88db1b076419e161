"""What one cell of an imported row means: a date in every form Excel and people write it, an amount,
a period, a text. Pure: each function answers a value, or None when the cell cannot be read (the
import then refuses the row and names it).

Cells arrive as Python values from three readers: text from a CSV file or the API, and from an
Excel sheet whatever openpyxl gives — ``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``datetime``
(a date cell; Excel has no date-only type), ``time``, ``timedelta`` or ``None``.
"""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

# 2015-06-30, 2015/6/30, 2015.6.30 (one separator throughout), optionally followed by a time of day
# (what str() of an Excel datetime gives); 2015年6月30日; 20150630. Never day-first (30/06/2015 is refused:
# 01/02/2015 would be ambiguous).
_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
               r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)


def text(value) -> str:
    """A cell as text: stripped, full-width forms folded (NFKC), a whole float without its ``.0``
    (Excel stores every number as a float; a code typed as 3360 must not become "3360.0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = str(value)
    return (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()  # ASCII: NFKC changes nothing


def parse_date(value) -> date | None:
    """A calendar date from a date or datetime cell (an aware datetime in the city's zone), from text in
    one of the forms above, or from an eight-digit number 20150630; None for anything else.

    A bare number such as 42185 is not read here: it is a date only as an Excel cell's serial number,
    which only the Excel reader can convert (it knows the workbook's date system, 1900 or 1904)."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        if value != int(value) or not 10_000_000 <= value <= 99_991_231:
            return None
        value = str(int(value))
    if not isinstance(value, str):
        return None
    cell = unicodedata.normalize("NFKC", value).strip()
    for form in _DATE_FORMS:
        if match := form.fullmatch(cell):
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:  # 2015-02-30
                return None
    return None


def parse_amount(value) -> Decimal | None:
    """A finite decimal from a number or from text (thousands separators allowed); None otherwise.

    A float is read to the 15 significant digits Excel shows, so 0.1 + 0.2 in a sheet is 0.3, not
    0.30000000000000004."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = format(value, ".15g")
    elif not isinstance(value, int | Decimal | str):
        return None
    try:
        amount = Decimal(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def period_text(value, *, kind: str | None) -> str | None:
    """A fact period as text (2026, 2026Q3, 2026-10) from a cell; None when it cannot be one.

    Excel turns 2026-10 typed into a cell into the date 2026-10-01: for a monthly fact a date cell
    on the first of a month is that month. Any other date cell is no period (which year would
    2026-03-15 be for a yearly fact?)."""
    if isinstance(value, date):
        at_midnight = not isinstance(value, datetime) or value.time() == datetime.min.time()
        if kind == "month" and value.day == 1 and at_midnight:
            return f"{value.year}-{value.month:02d}"
        return None
    if isinstance(value, bool):
        return None
    return text(value).upper()
