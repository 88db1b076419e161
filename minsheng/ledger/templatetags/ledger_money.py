from django import template

from minsheng.ledger.rules import yuan as fen_as_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan: {{ 123456|yuan }} → 1,234.56"""
    if fen is None or fen == "":
        return ""
    return fen_as_yuan(int(fen))
