"""The date rules of a project and its milestones, in one place (pure: no database).

The services (``project_create``, ``project_update``, ``project_bulk_change``, ``milestone_add``,
deadline changes) and the workbook import ask the same functions, so whatever the services let
into the database an export writes and the import reads back without a problem — and what the
import refuses, no service writes.

* A project ends on or after the day it starts.
* Each milestone is due within the project's dates (start ≤ due ≤ end).
* So a change of the project's dates that would leave a milestone outside them is refused; the
  milestone's date has to move first (or the milestone be deleted).
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def project_dates_problem(start: dt.date, end: dt.date) -> str | None:
    if end < start:
        return _("The end date %(end)s is before the start date %(start)s.") % {"end": end, "start": start}
    return None


def milestone_due_problem(due: dt.date, start: dt.date, end: dt.date, title: str = "") -> str | None:
    if start <= due <= end:
        return None
    if title:
        return _("The milestone “%(title)s” is due on %(due)s, outside the project's dates (%(start)s to %(end)s).") % {
            "title": title, "due": due, "start": start, "end": end}
    return _("The due date %(due)s is outside the project's dates (%(start)s to %(end)s).") % {
        "due": due, "start": start, "end": end}


def stranded_milestones(start: dt.date, end: dt.date, milestones: Iterable[tuple[str, dt.date]]) -> list[str]:
    """Problems for each (title, due date) that the dates ``start``–``end`` would leave outside."""
    return [problem for title, due in milestones
            if (problem := milestone_due_problem(due, start, end, title)) is not None]


def project_dates_check(start: dt.date, end: dt.date, milestones: Iterable[tuple[str, dt.date]] = ()) -> None:
    """Refuse (``ValidationError`` on ``end_date``) dates out of order or leaving a milestone outside."""
    problem = project_dates_problem(start, end)
    if problem:
        raise ValidationError({"end_date": problem})
    problems = stranded_milestones(start, end, milestones)
    if problems:
        raise ValidationError({"end_date": problems})


def milestone_due_check(due: dt.date, start: dt.date, end: dt.date) -> None:
    problem = milestone_due_problem(due, start, end)
    if problem:
        raise ValidationError({"due_date": problem})
