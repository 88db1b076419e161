"""Formatting for figures: money in fen shown as yuan (万元 for big sums), rates as percentages."""

from django import template

from ..periods import percent
from ..reporting import yuan as yuan_text

register = template.Library()


@register.filter
def pct(value):
    return percent(value)


@register.filter
def yuan(fen):
    return yuan_text(int(fen or 0))


@register.filter
def wan_yuan(fen):
    """Fen as 万元 (ten thousand yuan), one decimal: the unit Chinese reports use for big sums."""
    return f"{(fen or 0) / 1_000_000:,.1f}"


@register.simple_tag(takes_context=True)
def insight_access(context) -> dict:
    """Which insight pages the signed-in person may open (the navigation shows only those)."""
    from ..selectors import may_see_dashboard, may_see_hotspots

    user = context.get("user")
    return {"dashboard": may_see_dashboard(user), "hotspots": may_see_hotspots(user)}
