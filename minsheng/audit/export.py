"""The audit trail as an Excel workbook, for the auditor's own records."""

import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .choices import action_label, object_type_label

MAX_ROWS = 100_000


def audit_workbook(events) -> bytes:
    """The events (a queryset, newest first) as .xlsx bytes, at most ``MAX_ROWS`` rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit events"))
    sheet.append([_("Time"), _("Who"), _("Action"), _("Action code"), _("Object type"), _("Object id"),
                  _("Object"), _("Region"), _("IP address"), _("Details")])
    for event in events[:MAX_ROWS].iterator(chunk_size=2000):
        sheet.append([
            timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_name,
            action_label(event.action),
            event.action,
            object_type_label(event.object_type),
            event.object_id,
            event.object_repr,
            event.region.name if event.region_id and event.region else "",
            event.ip or "",
            json.dumps(event.summary, ensure_ascii=False) if event.summary else "",
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
