"""Helpers shared by the services: the day, the actor, events, locks, date checks."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.org.choices import RegionLevel
from minsheng.org.models import Region, Unit

from .. import rules
from ..models import (
    Project,
    ProjectCategory,
    ProjectEvent,
    ProjectList,
)

EVIDENCE_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif", "pdf"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


# --- helpers -------------------------------------------------------------------------------------
def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _moment(today: dt.date | None) -> dt.datetime:
    """Now, or — when a past day is given (history being loaded) — the afternoon of that day."""
    if today is None or today >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time(17, 0)))


def _actor_name(actor) -> str:
    return str(actor)[:150] if actor is not None and getattr(actor, "is_authenticated", False) else ""


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def event_build(*, project: Project, action: str, actor=None, before: dict | None = None,
                after: dict | None = None, note: str = "", at: dt.datetime | None = None) -> ProjectEvent:
    return ProjectEvent(project_id=project.pk, action=action, actor_id=_actor_id(actor), actor_name=_actor_name(actor),
                        at=at or timezone.now(), before=before or {}, after=after or {}, note=note)


def _event(**kwargs) -> ProjectEvent:
    event = event_build(**kwargs)
    event.save()
    return event


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this on this project."))


def _plain(value):
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, Unit | Region | ProjectCategory | ProjectList):
        return value.pk
    return value


def _district_of(region: Region | None) -> Region | None:
    if region is None:
        return None
    if region.level == RegionLevel.DISTRICT:
        return region
    if region.level == RegionLevel.CITY:
        return None
    codes = [code for code in region.path.strip("/").split("/") if code]
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


def _lock(project: Project) -> Project:
    """The project row, locked for the rest of the transaction (PostgreSQL) so recomputes serialise."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _check_dates(start: dt.date, end: dt.date, milestones=()) -> None:
    """The one date rule (``rules``): dates in order, and no milestone (title, due date) left outside them."""
    rules.project_dates_check(start, end, milestones)
