"""Money in templates: amounts are kept in fen and shown in yuan."""

from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """12345678 → "123,456.78"."""
    if fen is None or fen == "":
        return "—"
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


@register.filter
def percent(share) -> str:
    return f"{float(share or 0) * 100:.1f}%"


@register.filter
def grant_state(code) -> str:
    """A grant state's code as its label ("paid" → 已兑付), for the event history."""
    from ..choices import GrantState

    if not code:
        return "—"
    try:
        return str(GrantState(code).label)
    except ValueError:
        return str(code)
