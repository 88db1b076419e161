"""Insight's writes: a hotspot becomes a project; when the project is done, everyone who raised it is told."""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.appeals.models import Appeal, Category
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.org.models import Region, Unit
from minsheng.projects.choices import ProjectSource, ProjectStatus
from minsheng.projects.models import Project, ProjectCategory, ProjectList
from minsheng.projects.services import project_create

from . import selectors
from .choices import NotificationChannel
from .hotspots import Hotspot
from .models import HotspotProject, Notification, PublicFigures

SOURCE_REFERENCE_MAX = 200


def source_reference_for(hotspot: Hotspot) -> str:
    """"hotspot <key>: FS…, FS…" — cut to the field's length; the full list is kept on the link."""
    text = f"hotspot {hotspot.key}: " + ", ".join(hotspot.numbers)
    if len(text) <= SOURCE_REFERENCE_MAX:
        return text
    more = f" (+{hotspot.size})"
    return text[:SOURCE_REFERENCE_MAX - len(more)].rsplit(",", 1)[0] + more


@transaction.atomic
def hotspot_project_create(
    *,
    actor,
    hotspot: Hotspot,
    project_list: ProjectList,
    lead_unit: Unit,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    content: str = "",
    category: ProjectCategory | None = None,
    co_units: Sequence[Unit] = (),
    today: dt.date | None = None,
) -> HotspotProject:
    """Turn a hotspot into a livelihood project (source: a hotspot of appeals) and record the link."""
    if not selectors.may_turn_into_project(actor):
        raise PermissionDenied(_("Only project officers turn hotspots into projects."))
    visible = selectors.appeals_in_scope(user=actor, rules=selectors.HOTSPOT_APPEAL_SCOPE)
    appeal_ids = sorted(set(hotspot.appeal_ids))
    if not appeal_ids or visible.filter(pk__in=appeal_ids).count() != len(appeal_ids):
        raise PermissionDenied(_("Some cases of this hotspot are outside your scope."))
    if HotspotProject.objects.select_for_update().filter(hotspot_key=hotspot.key).exists():
        raise ValidationError(_("This hotspot is a project already."))
    taken = [link for link in HotspotProject.objects.all() if set(link.appeal_ids) & set(appeal_ids)]
    if taken:
        raise ValidationError(_("Some cases of this hotspot belong to project %(code)s already.")
                              % {"code": taken[0].project.code})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the project a title.")})
    place = Region.objects.get(code=hotspot.place_code)
    numbers = list(Appeal.objects.filter(pk__in=appeal_ids).order_by("registered_at", "id")
                   .values_list("number", flat=True))
    today = today or timezone.localdate()
    # Two officers acting on one hotspot at once both pass the checks above; the unique project code
    # and hotspot key make the second one fail here, and it is told so (409), not shown an error page.
    try:
        with transaction.atomic():
            project = project_create(
                actor=actor, project_list=project_list, code=f"HS{today:%Y%m%d}-{hotspot.key[-8:]}", title=title,
                lead_unit=lead_unit, start_date=start_date, end_date=end_date,
                content=content or gettext("Raised by %(count)d appeals: %(numbers)s")
                % {"count": len(numbers), "numbers": ", ".join(numbers)},
                category=category, source=ProjectSource.APPEAL_HOTSPOT,
                source_reference=source_reference_for(hotspot), co_units=co_units, region=place, today=today,
            )
            link = HotspotProject.objects.create(
                hotspot_key=hotspot.key, project=project, place=place,
                category=Category.objects.get(pk=hotspot.category_id), appeal_ids=appeal_ids, case_numbers=numbers,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("Someone turned this hotspot into a project just now.")) from exc
    except ValidationError:
        # The winner may already have committed, so the project code's own uniqueness check speaks first.
        if HotspotProject.objects.filter(hotspot_key=hotspot.key).exists():
            raise Conflict(_("Someone turned this hotspot into a project just now.")) from None
        raise
    audit_record(actor=actor, action="insight.hotspot_project", obj=link,
                 summary={"hotspot": hotspot.key, "project": project.code, "cases": len(appeal_ids)})
    return link


def _channel(appeal: Appeal) -> str:
    if appeal.citizen_id:
        return NotificationChannel.ACCOUNT
    if appeal.caller_mobile and not appeal.anonymous:
        return NotificationChannel.SMS
    return NotificationChannel.NONE


def _message(appeal: Appeal, project: Project) -> str:
    # Stored in the platform's language: it is what the citizen was sent, whatever the reader's language.
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "The problem you raised (case %(number)s) became the livelihood project \"%(title)s\", "
            "which is now completed. Thank you for telling us."
        ) % {"number": appeal.number, "title": project.title}


@transaction.atomic
def hotspot_outcome_notify(*, link: HotspotProject, now: dt.datetime | None = None) -> int:
    """Tell everyone who raised the cases of one completed project (and cases merged into them), once each."""
    link = HotspotProject.objects.select_for_update().select_related("project").get(pk=link.pk)
    if link.notified_at is not None or link.project.status != ProjectStatus.COMPLETED:
        return 0
    now = now or timezone.now()
    already = set(Notification.objects.filter(link=link).values_list("appeal_id", flat=True))
    appeals = (Appeal.objects.filter(Q(pk__in=link.appeal_ids) | Q(parent_id__in=link.appeal_ids))
               .exclude(pk__in=already).order_by("id"))
    created = Notification.objects.bulk_create([
        Notification(link=link, appeal=appeal, citizen_id=appeal.citizen_id, channel=_channel(appeal),
                     message=_message(appeal, link.project), created_at=now)
        for appeal in appeals
    ])
    link.notified_at = now
    link.save(update_fields=["notified_at"])
    audit_record(actor=None, action="insight.outcome_notify", obj=link,
                 summary={"project": link.project.code, "notifications": len(created)})
    return len(created)


def hotspot_outcomes_notify(*, now: dt.datetime | None = None) -> int:
    """The periodic sweep: every completed hotspot project not told yet. Each link is its own transaction."""
    pending = HotspotProject.objects.filter(notified_at__isnull=True, project__status=ProjectStatus.COMPLETED)
    return sum(hotspot_outcome_notify(link=link, now=now) for link in pending.order_by("id"))


@transaction.atomic
def public_figures_refresh(*, year: int | None = None, now: dt.datetime | None = None) -> PublicFigures:
    """Recount the public page's figures for the year (this year by default) and keep them with their time."""
    now = now or timezone.now()
    year = year or timezone.localtime(now).year
    figures = selectors.public_figures(year=year)
    row, _created = PublicFigures.objects.update_or_create(year=year, defaults={"figures": figures,
                                                                                 "computed_at": now})
    return row
