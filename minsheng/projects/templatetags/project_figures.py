"""``thousands``: a count grouped as the active language groups numbers (as humanize's ``intcomma`` does, which
goes through the full number formatting for every cell — most of the statistics page's rendering time)."""

from django import template
from django.utils.formats import get_format

register = template.Library()


@register.filter
def thousands(value):
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    grouping = get_format("NUMBER_GROUPING")
    if not isinstance(grouping, int) or grouping <= 0:
        return str(value)
    digits, parts = str(abs(value)), []
    while len(digits) > grouping:
        parts.insert(0, digits[-grouping:])
        digits = digits[:-grouping]
    parts.insert(0, digits)
    return ("-" if value < 0 else "") + get_format("THOUSAND_SEPARATOR").join(parts)
