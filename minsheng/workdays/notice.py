"""Reading the State Council's holiday notice as an administrator pastes or types it. Pure.

The notice (国务院办公厅关于YYYY年部分节假日安排的通知) has one line per holiday, e.g.

    二、春节：2月5日（农历除夕、周五）至12日（周五）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。

A line is a holiday's name, a colon, then clauses: one with 放假 gives the rest days (a range with 至,
or single dates), one with 上班 gives the make-up working days. Dates are written as in the notice
(``2月5日``, ``12日`` after a month, ``2026年12月31日``) or as ``2027-02-05``. Parentheses are
ignored. Days outside the year are left alone (a 元旦 that starts on 31 December of the year before).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*")
PARENTHESES = re.compile(r"（[^）]*）|\([^)]*\)")
CLAUSES = re.compile(r"[。；;]")
DATE = re.compile(r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})|(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日")
LONGEST_HOLIDAY = 15  # days; a longer range is a typing mistake


@dataclass(frozen=True)
class NoticeProblem:
    line: int
    message: str


def _dates(clause: str, year: int) -> list[tuple[int, dt.date | None, str]]:
    """Each date in ``clause`` with its position; a missing month is the previous date's."""
    found = []
    month = None
    current_year = year
    for match in DATE.finditer(clause):
        try:
            if match["iso"]:
                day = dt.date.fromisoformat("-".join(part.zfill(2) for part in match["iso"].split("-")))
                current_year, month = day.year, day.month
            else:
                current_year = int(match["y"]) if match["y"] else current_year
                month = int(match["m"]) if match["m"] else month
                if month is None:
                    raise ValueError
                day = dt.date(current_year, month, int(match["d"]))
        except ValueError:
            found.append((match.start(), None, match.group(0)))
            continue
        found.append((match.start(), day, match.group(0)))
    return found


def parse_notice(year: int, text: str) -> tuple[dict[dt.date, tuple[bool, str]], list[NoticeProblem]]:
    """The days of ``year`` that the notice makes rest (holidays) or work (调休上班), with their names."""
    days: dict[dt.date, tuple[bool, str]] = {}
    problems: list[NoticeProblem] = []

    def problem(number: int, message: str) -> None:
        problems.append(NoticeProblem(number, message))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = NUMBERING.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        name, colon, body = re.split(r"([：:])", line, maxsplit=1) if re.search(r"[：:]", line) else ("", "", line)
        name = name.strip()
        if not colon:
            match = DATE.search(line)
            name, body = (line[: match.start()].strip(), line[match.start():]) if match else (line, "")
        if not name or DATE.search(name):
            problem(number, _("Start the line with the holiday's name and a colon, e.g. “春节：”."))
            continue
        if len(name) > 40:
            problem(number, _("The holiday's name is too long."))
            continue
        name = name.replace("、", "/")
        seen_any = False
        for clause in CLAUSES.split(PARENTHESES.sub("", body)):
            found = _dates(clause, year)
            if not found:
                continue
            seen_any = True
            bad = [text for _pos, day, text in found if day is None]
            if bad:
                problem(number, _("“%(value)s” is not a date.") % {"value": bad[0]})
                continue
            if "上班" in clause:
                entries = [(day, (True, f"{name}调休上班")) for _pos, day, _text in found]
            elif "放假" in clause or "休" in clause:
                entries = []
                dates = [day for _pos, day, _text in found]
                if "至" in clause and len(dates) == 2:
                    start, end = dates
                    if end < start:
                        problem(number, _("The holiday ends before it starts."))
                        continue
                    if (end - start).days >= LONGEST_HOLIDAY:
                        problem(number, _("A holiday of more than %(n)s days: check the dates.") % {
                            "n": LONGEST_HOLIDAY})
                        continue
                    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
                entries = [(day, (False, name)) for day in dates]
            else:
                problem(number, _("Say whether these days are holidays (放假) or working days (上班)."))
                continue
            for day, value in entries:
                if day.year != year:
                    continue  # a 元旦 beginning in the year before: that year's schedule already has it
                if day in days and days[day][0] != value[0]:
                    problem(number, _("%(day)s is both a holiday and a working day.") % {"day": day.isoformat()})
                    continue
                days.setdefault(day, value)
        if not seen_any:
            problem(number, _("The line has no dates."))
    if not days and not problems:
        problems.append(NoticeProblem(0, _("The notice lists no days of %(year)s.") % {"year": year}))
    return days, problems
