"""``GET /api/appeals/metrics/?from=&to=&district=&unit=&category=&channel=&kind=``: the §5 figures as JSON.

``from``/``to`` are dates (YYYY-MM-DD, both included; default: this month); ``district``, ``unit`` and
``category`` are codes. The query string is validated by the statistics page's own form, so bad input
is a 422 with the same messages the page shows, and the figures are scoped to the caller like the page.
"""

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema

from .metrics import appeal_metrics
from .stats_views import StatsFilterForm

metrics_router = Router(tags=["appeals metrics"])


class MetricsOut(Schema):
    period: dict
    totals: dict
    rates: dict
    volume: dict
    by_district: list[dict]
    by_unit: list[dict]
    suggestions: dict


@metrics_router.get("", response=MetricsOut, summary="Appeal metrics for a period and scope (DESIGN §5)")
def metrics(request, date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
            district: str = "", unit: str = "", category: str = "", channel: str = "", kind: str = ""):
    form = StatsFilterForm({"period": "custom" if date_from or date_to else "month", "start": date_from,
                            "end": date_to, "district": district, "unit": unit, "category": category,
                            "channel": channel, "kind": kind})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    report = appeal_metrics(user=request.user, period=form.period_range(), filters=form.filters())
    return report.as_dict()
