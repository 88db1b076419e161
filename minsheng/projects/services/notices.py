"""Notices to a project's lead unit through the notification outbox (``minsheng.notifications``): when the
project turns yellow or red, when this month's report is due, and when a supervision notice passes its
``respond_by`` day unanswered (which also escalates the notice, once).

Each message goes to the in-site inbox of the lead unit's handlers and heads and names only the project
code, what happened and a link (a template may carry no title or content). Event keys name the event
(project, level, day; project, month; notice), so a task run twice or a recompute repeated sends nothing
twice. A message the outbox refuses (a template switched off) is logged: the project's change goes on.
"""

import contextlib
import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import selectors as sel
from ..choices import EventAction, WarningLevel
from ..models import Project, SupervisionNotice
from .common import _event, _today

logger = logging.getLogger(__name__)
_paused = contextvars.ContextVar("projects_notices_paused", default=False)


@contextlib.contextmanager
def notices_paused():
    """No notices while history is being loaded (the demo's past months): a past warning is not news."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _unit_staff(unit_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(memberships__unit_id=unit_id, memberships__role__in=sel.UNIT_STAFF,
                                           memberships__is_active=True, is_active=True).distinct()


def lead_unit_notify(*, project: Project, event_key: str, notice_kind: str) -> int:
    """Queue an in-site message to each handler and head of the project's lead unit. Returns how many."""
    from minsheng.notifications.choices import Channel
    from minsheng.notifications.defaults import PROJECT_NOTICE
    from minsheng.notifications.services import notification_send

    if _paused.get():
        return 0
    context = {"notice_kind": notice_kind, "project_code": project.code,
               "url": reverse("projects:project_detail", args=[project.pk])}
    sent = 0
    for user in _unit_staff(project.lead_unit_id):
        try:
            notification_send(event_key=event_key, template=PROJECT_NOTICE, channel=Channel.SITE, user=user,
                              context=context)
            sent += 1
        except ValidationError as exc:
            logger.warning("project notice %s not sent to %s: %s", event_key, user.pk, exc)
    return sent


def warning_notify(*, project: Project, warning: str, today: dt.date) -> int:
    """The project has just turned yellow or red: tell its lead unit (once per project, level and day)."""
    if warning not in (WarningLevel.YELLOW, WarningLevel.RED):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        kind = _("turned red (seriously behind)") if warning == WarningLevel.RED else _("turned yellow (behind)")
    return lead_unit_notify(project=project, event_key=f"project:{project.pk}:warning:{warning}:{today}",
                            notice_kind=kind)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def reports_due_notify(*, today: dt.date | None = None) -> int:
    """From ``PROJECTS_REPORT_DUE_DAY``: tell the lead unit of each watched project without a report for this
    month (submitted or accepted) that it is due — once per project and month. Returns projects notified."""
    today = _today(today)
    if today.day < settings.PROJECTS_REPORT_DUE_DAY:
        return 0
    month = _month_start(today)
    missing = sel.projects_without_report(month=month)
    with translation.override(settings.LANGUAGE_CODE):
        kind = _("the progress report for %(month)s is due") % {"month": month.strftime("%Y-%m")}
    count = 0
    for project in missing:
        if lead_unit_notify(project=project, event_key=f"project:{project.pk}:report-due:{month:%Y-%m}",
                            notice_kind=kind):
            count += 1
    return count


@transaction.atomic
def supervision_escalate(*, today: dt.date | None = None) -> int:
    """Notices whose ``respond_by`` day has passed unacknowledged are escalated, once each: an event on the
    project, and a message to the lead unit. They then show as overdue on the warnings page."""
    today = _today(today)
    overdue = (SupervisionNotice.objects.select_for_update()
               .filter(acknowledged_at__isnull=True, escalated_at__isnull=True, respond_by__lt=today)
               .select_related("project"))
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        kind = _("a supervision notice was not answered in time")
    count = 0
    for notice in overdue:
        notice.escalated_at = now
        notice.save(update_fields=["escalated_at"])
        _event(project=notice.project, action=EventAction.SUPERVISION_ESCALATED,
               after={"notice": notice.pk, "respond_by": str(notice.respond_by)},
               note=_("No response by %(day)s.") % {"day": notice.respond_by})
        lead_unit_notify(project=notice.project, event_key=f"supervision:{notice.pk}:overdue", notice_kind=kind)
        count += 1
    return count

