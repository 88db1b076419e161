"""Progress and warnings of projects, monthly snapshots and figures."""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count

from minsheng.workdays.calendar import WorkCalendar
from minsheng.workdays.selectors import calendar_current

from .. import rollup
from .. import warnings as warn
from ..bulk import rows_update
from ..choices import ACTIVE_STATUSES, EventAction, ProjectStatus
from ..models import (
    Indicator,
    Milestone,
    MonthlyFigure,
    MonthlySnapshot,
    Project,
    ProjectEvent,
)
from .common import (
    _event,
    _today,
    event_build,
)
from .notices import warning_notify


# --- progress and warnings -----------------------------------------------------------------------
def assessment_for(*, project: Project, milestones: Sequence[Milestone], indicators: Sequence[Indicator],
                   today: dt.date, calendar: WorkCalendar) -> tuple[float, warn.Assessment]:
    """Progress (``rollup``) and warning (``warnings``) of one project from its measures. No writes.

    A waived milestone is no longer a measure: it counts neither in the progress nor in the plan."""
    milestones = [m for m in milestones if getattr(m, "waived_at", None) is None]
    progress = rollup.progress(
        [rollup.MilestoneMeasure(weight=m.weight, done=m.done_at is not None) for m in milestones],
        [rollup.IndicatorMeasure(weight=i.weight, baseline=i.baseline, target=i.target, actual=i.actual)
         for i in indicators],
    )
    if project.status == ProjectStatus.COMPLETED and not milestones and not indicators:
        # Completion was accepted with evidence and nothing left open (every measure done, vacuously): a
        # completed project is never shown below 100% (with measures, completion requires them all done).
        progress = 1.0
    assessment = warn.assess(
        status=project.status, start=project.start_date, end=project.end_date,
        milestones=[warn.PlannedMilestone(due_date=m.due_date, weight=m.weight, done=m.done_at is not None)
                    for m in milestones],
        progress=progress, today=today, calendar=calendar, indicator_weight=sum(i.weight for i in indicators),
    )
    return progress, assessment


def project_apply_assessment(project: Project, progress: float, assessment: warn.Assessment,
                             today: dt.date) -> dict | None:
    """Set the computed fields on ``project`` (not saved); the warning change for the trail, if any."""
    change = None
    if assessment.warning != project.warning:
        change = {"before": {"warning": project.warning}, "after": {"warning": assessment.warning},
                  "note": assessment.reason}
    project.progress = progress
    project.warning = assessment.warning
    project.warning_reason = assessment.reason[:200]
    project.lagging_month = warn.next_lagging_month(assessment.warning, project.lagging_month, today)
    return change


def project_recompute(*, project: Project, today: dt.date | None = None, calendar: WorkCalendar | None = None,
                      actor=None) -> Project:
    """Recompute and store progress and warning; a changed warning is an event."""
    today = _today(today)
    calendar = calendar or calendar_current()
    progress, assessment = assessment_for(project=project, milestones=list(project.milestones.all()),
                                          indicators=list(project.indicators.all()), today=today, calendar=calendar)
    change = project_apply_assessment(project, progress, assessment, today)
    Project.objects.filter(pk=project.pk).update(progress=project.progress, warning=project.warning,
                                                 warning_reason=project.warning_reason,
                                                 lagging_month=project.lagging_month)
    if change:
        _event(project=project, action=EventAction.WARNING_CHANGED, actor=actor, **change)
        warning_notify(project=project, warning=project.warning, today=today)
    return project


def projects_recompute(*, today: dt.date | None = None, projects: Iterable[Project] | None = None) -> int:
    """Recompute every active project (the daily task, and after a calendar change). Returns how many changed."""
    today = _today(today)
    calendar = calendar_current()
    queryset = Project.objects.filter(status__in=ACTIVE_STATUSES) if projects is None else projects
    changed = 0
    batch: list[Project] = []
    events: list[ProjectEvent] = []
    with transaction.atomic():
        for project in queryset.prefetch_related("milestones", "indicators").iterator(chunk_size=1000):
            before = (project.progress, project.warning, project.lagging_month)
            progress, assessment = assessment_for(project=project, milestones=list(project.milestones.all()),
                                                  indicators=list(project.indicators.all()),
                                                  today=today, calendar=calendar)
            change = project_apply_assessment(project, progress, assessment, today)
            if change:
                events.append(event_build(project=project, action=EventAction.WARNING_CHANGED, **change))
                warning_notify(project=project, warning=project.warning, today=today)
            if before != (project.progress, project.warning, project.lagging_month):
                batch.append(project)
                changed += 1
        rows_update(batch, ["progress", "warning", "warning_reason", "lagging_month"])
        ProjectEvent.objects.bulk_create(events, batch_size=1000)
    return changed


@transaction.atomic
def snapshot_take(*, month: dt.date, today: dt.date | None = None) -> int:
    """Store (or refresh) every project's state for ``month``; the monthly task runs it on the last day."""
    month = warn.month_of(month)
    today = _today(today)
    rows = [
        MonthlySnapshot(project_id=pk, month=month, status=status, progress=progress, warning=warning,
                        was_lagging=warn.was_lagging(warning, lagging_month, today) or lagging_month == month)
        for pk, status, progress, warning, lagging_month in Project.objects.values_list(
            "pk", "status", "progress", "warning", "lagging_month").iterator(chunk_size=2000)
    ]
    MonthlySnapshot.objects.filter(month=month).delete()
    MonthlySnapshot.objects.bulk_create(rows, batch_size=2000)
    monthly_figures_write(month=month)
    return len(rows)


@transaction.atomic
def monthly_figures_write(*, month: dt.date) -> int:
    """The month's snapshot counts by list year, level, status and warning (for the city-wide trend)."""
    MonthlyFigure.objects.filter(month=month).delete()
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(month=month, year=year, level_id=level_id, status=status, warning=warning, count=count)
        for year, level_id, status, warning, count in MonthlySnapshot.objects.filter(month=month)
        .values_list("project__project_list__year", "project__project_list__level_id", "status", "warning")
        .annotate(n=Count("pk")).order_by()
    )
    return MonthlyFigure.objects.filter(month=month).count()
