"""``thousands``: a count grouped as the active language groups numbers (as humanize's ``intcomma`` does, which
goes through the full number formatting for every cell — most of the statistics page's rendering time)."""

import functools

from django import template
from django.utils.formats import get_format
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=32)
def _grouping(language: str | None) -> tuple[object, str]:
    return get_format("NUMBER_GROUPING", language), get_format("THOUSAND_SEPARATOR", language)


@register.filter
def thousands(value):
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    grouping, separator = _grouping(get_language())
    if not isinstance(grouping, int) or grouping <= 0:
        return str(value)
    digits, parts = str(abs(value)), []
    while len(digits) > grouping:
        parts.insert(0, digits[-grouping:])
        digits = digits[:-grouping]
    parts.insert(0, digits)
    return ("-" if value < 0 else "") + separator.join(parts)
