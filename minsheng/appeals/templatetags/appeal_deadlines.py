"""``{% due_mark appeal %}`` / ``{% due_mark leg %}``: the provisional-deadline mark beside a due date;
``{% deadline_note event %}``: what a registration or a recompute did to the due date, as a sentence."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import PROVISIONAL_DUE_NOTE, Action
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


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return timezone.localtime(dt.datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return "—"


@register.simple_tag
def deadline_note(event) -> str:
    """The due date an event set or moved, in words; empty for other events."""
    payload = event.payload or {}
    if event.action == Action.REGISTER and payload.get("due_provisional"):
        return _("Due %(due)s, counted on the provisional calendar.") % {"due": _local(payload.get("due_at"))}
    if event.action != Action.RECOMPUTE:
        return ""
    parts = [_("The due date moved from %(old)s to %(new)s.") % {"old": _local(payload.get("from")),
                                                                  "new": _local(payload.get("to"))}]
    if payload.get("correction") == "city_time_zone":
        parts.append(_("Corrected to the city's time zone."))
    if payload.get("provisional"):
        parts.append(_("It still counts days of a provisional year."))
    elif payload.get("provisional_before"):
        parts.append(_("It now follows the official holiday schedule."))
    if payload.get("breach_withdrawn"):
        parts.append(_("The deadline breach recorded on the provisional date was withdrawn."))
    if payload.get("warning_withdrawn"):
        parts.append(_("The yellow warning was withdrawn."))
    return " ".join(parts)
