"""``{% due_mark appeal %}`` / ``{% due_mark leg %}``: the provisional-deadline mark beside a due date."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import PROVISIONAL_DUE_NOTE
from ..models import Appeal
from ..selectors import due_provisional, leg_due_provisional

register = template.Library()


@register.simple_tag
def due_mark(case_or_leg, short: bool = False):
    """A badge (with the full note as its title, or in words unless ``short``) when the due date counts a
    day of a year whose holiday schedule is not yet official; nothing otherwise."""
    provisional = (due_provisional(case_or_leg) if isinstance(case_or_leg, Appeal)
                   else leg_due_provisional(case_or_leg))
    if not provisional:
        return ""
    if short:
        return format_html('<span class="badge provisional" title="{}">{}</span>', PROVISIONAL_DUE_NOTE,
                           _("provisional"))
    return format_html('<span class="badge provisional">{}</span> <small class="muted">{}</small>', _("provisional"),
                       PROVISIONAL_DUE_NOTE)
