"""A system check that warns administrators (manage.py check, deploy) before the calendar runs out."""

from django.core.checks import Warning, register
from django.db import DatabaseError


@register("minsheng")
def calendar_coverage_check(app_configs, **kwargs):
    from .selectors import calendar_coverage_warning

    try:
        message = calendar_coverage_warning()
    except DatabaseError:  # before migrate: nothing to say yet
        return []
    return [Warning(message, id="workdays.W001")] if message else []
