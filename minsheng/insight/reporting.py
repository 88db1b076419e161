"""A period report as rows (system, figure, value, formula): one source for the page and the CSV.

Appeal rates carry the appeals app's own names and formulas (``minsheng.appeals.metrics``).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from minsheng.appeals.metrics import rate_labels as appeal_rate_labels

from .periods import percent


@dataclass(frozen=True)
class Row:
    system: str
    label: str
    value: int | float | None
    display: str
    formula: str = ""


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 123456789 → "1,234,567.89"."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def _count(system: str, label: str, value: int, formula: str = "") -> Row:
    return Row(system, label, value, f"{value:,}", formula)


def _rate(system: str, label: str, value: float | None, formula: str) -> Row:
    return Row(system, label, None if value is None else round(value, 4), percent(value), formula)


def report_rows(data: dict) -> list[Row]:
    a, p, f = data["appeals"], data["projects"], data["funds"]
    appeals, projects, funds = _("Appeals"), _("Livelihood projects"), _("Funds")
    names = appeal_rate_labels()
    rows = [
        _count(appeals, pgettext("insight", "Registered"), a["registered"], _("cases registered in the period")),
        _count(appeals, _("Inquiries"), a["inquiries"]),
        _count(appeals, _("Requests, complaints and reports"), a["requests"]),
        _count(appeals, _("Suggestions"), a["suggestions"]),
        _count(appeals, _("Closed (of the cases registered in the period)"), a["cohort_closed"]),
        _rate(appeals, names["completion"], a["closing_rate"],
              _("cases of the period's cohort closed / cases registered in the period")),
        _rate(appeals, names["on_time_completion"], a["on_time_rate"],
              _("cases closed by their due date / cases whose due date falls in the period")),
        _rate(appeals, names["signing_on_time"], a["signing_rate"],
              _("dispatch legs signed on time / dispatch legs due for signing")),
        _rate(appeals, names["handling"], a["handling_rate"], _("cases answered by the unit / cases dispatched to it")),
        _rate(appeals, names["callback"], a["callback_rate"],
              _("closed cases called back / closed cases that need a callback")),
        _rate(appeals, names["first_contact"], a["first_contact_rate"], _("inquiries closed at intake / inquiries")),
        _rate(appeals, names["satisfaction"], a["satisfaction"],
              _("(satisfied + basically satisfied) / valid callbacks")),
        _rate(appeals, names["resolution"], a["resolution_rate"], _("callbacks saying resolved / valid callbacks")),
        _count(appeals, _("Valid callbacks"), a["valid_callbacks"]),
        _count(projects, _("Listed"), p["listed"], _("projects in scope, cancelled ones left out")),
        _count(projects, _("Completed in the period"), p["completed_in_period"]),
        _count(projects, _("Completed to date"), p["completed"]),
        _count(projects, _("In progress"), p["in_progress"]),
        _count(projects, _("Not started"), p["not_started"]),
        _count(projects, _("Lagging (red or yellow)"), p["lagging"], _("as of today")),
        _rate(projects, _("Project completion rate"), p["completion_rate"], _("completed / listed")),
        Row(funds, _("Paid in the period (yuan)"), f["paid_fen"], yuan(f["paid_fen"]), _("grants paid, in yuan")),
        _count(funds, _("Grants paid"), f["paid_grants"]),
        _count(funds, _("Enterprises paid"), f["paid_enterprises"]),
        _count(funds, _("Eligible enterprises"), f["eligible"]),
    ]
    if f["budget_fen"]:
        rows.append(_rate(funds, _("Budget used"), f["budget_used"],
                          _("approved, paying and paid amounts / published budgets")))
    seconds = f.get("median_seconds_to_pay")
    rows.append(Row(funds, _("Median time from confirmation to payment"), seconds,
                    "—" if seconds is None else _("%(s).0f s") % {"s": seconds}))
    return rows
