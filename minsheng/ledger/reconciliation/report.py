"""The daily reconciliation report: per day, what was sent to the bank, what the statements settled
and returned (by value date), what is still in clearing at the day's end, and the exceptions raised
that day by kind — on a page and as CSV, amounts in yuan.

One formula: in clearing at the end of day D = sent up to D − settled up to D − returned up to D
without having been settled (a payment returned after its settlement left clearing when it was
settled). Over today's date it equals the clearing account's balance (``reconciliation_check``).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from ..choices import ExceptionKind
from ..models import BankPayment, ReconciliationException
from ..rules import yuan
from .selectors import scope_to_readers

MAX_DAYS = 366


@dataclass
class DayFigures:
    day: dt.date | None  # None: the period's totals
    sent_count: int = 0
    sent_amount: int = 0
    settled_count: int = 0
    settled_amount: int = 0
    returned_count: int = 0
    returned_amount: int = 0
    outstanding_count: int = 0  # in clearing at the end of the day (of the period, for totals)
    outstanding_amount: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)  # kind → how many were raised
    exception_amount: int = 0

    @property
    def exception_count(self) -> int:
        return sum(self.exceptions.values())

    def exceptions_in_order(self) -> list[int]:
        return [self.exceptions.get(kind, 0) for kind in ExceptionKind.values]


@dataclass
class DailyReport:
    date_from: dt.date
    date_to: dt.date
    days: list[DayFigures]
    totals: DayFigures
    kinds: list[tuple[str, str]] = field(default_factory=lambda: list(ExceptionKind.choices))


def reconciliation_daily(*, user, date_from: dt.date, date_to: dt.date) -> DailyReport:
    """The report for every day from ``date_from`` to ``date_to`` (at most a year), in the city's zone."""
    if date_to < date_from:
        raise ValidationError({"date_to": [_("The end date is before the start date.")]})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError({"date_to": [_("A report covers at most %(n)s days.") % {"n": MAX_DAYS}]})
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    payments = scope_to_readers(BankPayment.objects.all(), user)
    days = {date_from + dt.timedelta(days=n): DayFigures(date_from + dt.timedelta(days=n))
            for n in range((date_to - date_from).days + 1)}

    def totals(qs):
        found = qs.aggregate(n=Count("id"), amount=Sum("amount"))
        return found["n"] or 0, found["amount"] or 0

    sent_before = totals(payments.filter(sent_at__lt=start))
    settled_before = totals(payments.filter(settled_on__lt=date_from))
    returned_before = totals(payments.filter(returned_on__lt=date_from, settled_on__isnull=True))
    count = sent_before[0] - settled_before[0] - returned_before[0]
    amount = sent_before[1] - settled_before[1] - returned_before[1]

    sent = (payments.annotate(day=TruncDate("sent_at", tzinfo=zone)).filter(day__gte=date_from, day__lte=date_to)
            .values_list("day").annotate(n=Count("id"), total=Sum("amount")).order_by())
    for day, n, total in sent:
        days[day].sent_count, days[day].sent_amount = n, total
    settled = (payments.filter(settled_on__gte=date_from, settled_on__lte=date_to).values_list("settled_on")
               .annotate(n=Count("id"), total=Sum("amount")).order_by())
    for day, n, total in settled:
        days[day].settled_count, days[day].settled_amount = n, total
    returned = (payments.filter(returned_on__gte=date_from, returned_on__lte=date_to).values_list("returned_on")
                .annotate(n=Count("id"), total=Sum("amount"),
                          unsettled_n=Count("id", filter=Q(settled_on__isnull=True)),
                          unsettled=Sum("amount", filter=Q(settled_on__isnull=True))).order_by())
    left_clearing = {}
    for day, n, total, unsettled_n, unsettled in returned:
        days[day].returned_count, days[day].returned_amount = n, total
        left_clearing[day] = (unsettled_n, unsettled or 0)
    raised = (scope_to_readers(ReconciliationException.objects.all(), user)
              .filter(occurred_on__gte=date_from, occurred_on__lte=date_to)
              .values_list("occurred_on", "kind").annotate(n=Count("id"), total=Sum("amount")).order_by())
    for day, kind, n, total in raised:
        days[day].exceptions[kind] = n
        days[day].exception_amount += total or 0

    summary = DayFigures(None)
    for figures in days.values():
        back_n, back_amount = left_clearing.get(figures.day, (0, 0))
        count += figures.sent_count - figures.settled_count - back_n
        amount += figures.sent_amount - figures.settled_amount - back_amount
        figures.outstanding_count, figures.outstanding_amount = count, amount
        for name in ("sent_count", "sent_amount", "settled_count", "settled_amount", "returned_count",
                     "returned_amount", "exception_amount"):
            setattr(summary, name, getattr(summary, name) + getattr(figures, name))
        for kind, n in figures.exceptions.items():
            summary.exceptions[kind] = summary.exceptions.get(kind, 0) + n
    summary.outstanding_count, summary.outstanding_amount = count, amount
    return DailyReport(date_from, date_to, list(days.values()), summary)


def report_csv(report: DailyReport) -> str:
    """The report as CSV (header in the user's language, amounts in yuan without separators)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([
        _("Value date"), _("Sent"), _("Sent (yuan)"), _("Settled"), _("Settled (yuan)"), _("Returned"),
        _("Returned (yuan)"), _("In clearing at day end"), _("In clearing at day end (yuan)"),
        *(label for _value, label in report.kinds), _("Exceptions (yuan)"),
    ])
    for figures in [*report.days, report.totals]:
        writer.writerow([
            figures.day.isoformat() if figures.day else _("Total"),
            figures.sent_count, _plain_yuan(figures.sent_amount), figures.settled_count,
            _plain_yuan(figures.settled_amount), figures.returned_count, _plain_yuan(figures.returned_amount),
            figures.outstanding_count, _plain_yuan(figures.outstanding_amount),
            *figures.exceptions_in_order(), _plain_yuan(figures.exception_amount),
        ])
    return out.getvalue()


def _plain_yuan(fen: int) -> str:
    return yuan(fen).replace(",", "")
