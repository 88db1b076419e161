"""Progress reports: submission, co-unit contributions, acceptance, return."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict

from .. import selectors as sel
from .. import warnings as warn
from ..choices import (
    REPORT_TRANSITIONS,
    EventAction,
    ProjectStatus,
    ReportState,
)
from ..models import (
    ProgressReport,
    Project,
    ReportContribution,
)
from .assessment import project_recompute
from .common import (
    _event,
    _lock,
    _moment,
    _require,
    _today,
)
from .measures import _evidence_attach


# --- progress reports ----------------------------------------------------------------------------
def _parse_report_figures(project: Project, milestone_done: dict, indicator_actuals: dict,
                          today: dt.date) -> tuple[dict, dict]:
    milestones = {str(m.pk): m for m in project.milestones.all()}
    indicators = {str(i.pk): i for i in project.indicators.all()}
    errors: list[str] = []
    done: dict[str, str] = {}
    for key, value in milestone_done.items():
        milestone = milestones.get(str(key))
        if milestone is None:
            errors.append(_("Unknown milestone %(id)s.") % {"id": key})
            continue
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            errors.append(_("“%(value)s” is not a date.") % {"value": value})
            continue
        if day > today:
            errors.append(_("Milestone “%(title)s” cannot be done in the future.") % {"title": milestone.title})
        done[str(key)] = day.isoformat()
    actuals: dict[str, str] = {}
    for key, value in indicator_actuals.items():
        indicator = indicators.get(str(key))
        if indicator is None:
            errors.append(_("Unknown indicator %(id)s.") % {"id": key})
            continue
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            errors.append(_("“%(value)s” is not a number (indicator “%(name)s”).") % {"value": value,
                                                                                    "name": indicator.name})
            continue
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            errors.append(_("“%(value)s” is not a usable number (indicator “%(name)s”).") % {
                "value": value, "name": indicator.name})
            continue
        actuals[str(key)] = str(number.quantize(Decimal("0.01")))
    if errors:
        raise ValidationError(errors)
    return done, actuals


@transaction.atomic
def report_submit(*, actor, project: Project, period: dt.date, text: str, milestone_done: dict | None = None,
                  indicator_actuals: dict | None = None, claims_completion: bool = False,
                  evidence: Sequence[UploadedFile] = (), today: dt.date | None = None) -> ProgressReport:
    """The lead unit reports on a month: text, milestones done, indicator actuals, evidence."""
    _require(sel.project_can_report(actor, project), _("Only the lead unit submits progress reports."))
    today = _today(today)
    if not text.strip():
        raise ValidationError({"text": _("Describe the progress.")})
    period = warn.month_of(period)
    if period > warn.month_of(today):
        raise ValidationError({"period": _("A report cannot be for a future month.")})
    if project.status in (ProjectStatus.CANCELLED, ProjectStatus.COMPLETED):
        raise ValidationError(_("This project is %(status)s: no more reports.") % {
            "status": ProjectStatus(project.status).label})
    if claims_completion and not evidence and not project.evidence.exists():
        raise ValidationError({"evidence": _("A completion report needs evidence.")})
    done, actuals = _parse_report_figures(project, milestone_done or {}, indicator_actuals or {}, today)
    report = ProgressReport(project=project, period=period, text=text, milestone_done=done,
                            indicator_actuals=actuals, claims_completion=claims_completion,
                            state=ReportState.SUBMITTED, author=actor, submitted_at=_moment(today))
    report.save()
    _evidence_attach(actor=actor, project=project, files=evidence, report=report)
    _event(project=project, action=EventAction.REPORT_SUBMITTED, actor=actor,
           after={"report": report.pk, "period": period.strftime("%Y-%m"), "milestones_done": done,
                  "indicator_actuals": actuals, "claims_completion": claims_completion})
    return report


@transaction.atomic
def report_contribute(*, actor, report: ProgressReport, text: str) -> ReportContribution:
    """A co-unit adds its part to a report that is not yet accepted."""
    project = report.project
    _require(sel.project_can_contribute(actor, project), _("Only co-units contribute to reports."))
    if report.state == ReportState.ACCEPTED:
        raise ValidationError(_("This report is already accepted."))
    if not text.strip():
        raise ValidationError({"text": _("Describe your unit's contribution.")})
    from minsheng.org.scope import user_scope

    unit_ids = user_scope(actor).unit_ids(*sel.UNIT_STAFF)
    unit = project.co_units.filter(pk__in=unit_ids).first()
    contribution = ReportContribution.objects.create(report=report, unit=unit, author=actor, text=text)
    _event(project=project, action=EventAction.CONTRIBUTION, actor=actor,
           after={"report": report.pk, "unit": unit.pk}, note=text[:500])
    return contribution


def _report_transition(report: ProgressReport, state: str) -> None:
    if state not in REPORT_TRANSITIONS[report.state]:
        raise Conflict(_("This report is %(state)s already.") % {"state": ReportState(report.state).label})


@transaction.atomic
def report_accept(*, actor, report: ProgressReport, today: dt.date | None = None) -> ProgressReport:
    """Accept a report: its milestone dates and indicator actuals apply; a completion report completes."""
    project = report.project
    _require(sel.project_can_manage(actor, project), _("Only project officers accept reports."))
    today = _today(today)
    project = _lock(project)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _report_transition(report, ReportState.ACCEPTED)
    milestones = {str(m.pk): m for m in project.milestones.all()}
    for key, day in report.milestone_done.items():
        milestone = milestones.get(key)
        if milestone is not None and milestone.done_at is None:
            milestone.done_at = dt.date.fromisoformat(day)
            milestone.save(update_fields=["done_at"])
    indicators = {str(i.pk): i for i in project.indicators.all()}
    for key, value in report.indicator_actuals.items():
        indicator = indicators.get(key)
        if indicator is not None:
            indicator.actual = Decimal(value)
            indicator.as_of = today
            indicator.save(update_fields=["actual", "as_of"])
    report.state = ReportState.ACCEPTED
    report.reviewed_by = actor
    report.reviewed_at = _moment(today)
    report.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    _event(project=project, action=EventAction.REPORT_ACCEPTED, actor=actor, after={"report": report.pk})
    old_status = project.status
    if report.claims_completion:
        if not project.evidence.exists():
            raise ValidationError(_("A project is completed only with evidence."))
        project.status = ProjectStatus.COMPLETED
        project.completed_at = _moment(today)
    elif project.status == ProjectStatus.NOT_STARTED:
        project.status = ProjectStatus.IN_PROGRESS
    if project.status != old_status:
        project.version += 1
        project.save(update_fields=["status", "completed_at", "version", "updated_at"])
        action = EventAction.COMPLETED if project.status == ProjectStatus.COMPLETED else EventAction.STATUS_CHANGED
        _event(project=project, action=action, actor=actor, before={"status": old_status},
               after={"status": project.status}, note=_("Accepted report for %(period)s") % {
                   "period": report.period.strftime("%Y-%m")})
    project_recompute(project=project, today=today, actor=actor)
    return report


@transaction.atomic
def report_return(*, actor, report: ProgressReport, reason: str) -> ProgressReport:
    project = report.project
    _require(sel.project_can_manage(actor, project), _("Only project officers return reports."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is returned.")})
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _report_transition(report, ReportState.RETURNED)
    report.state = ReportState.RETURNED
    report.return_reason = reason
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save(update_fields=["state", "return_reason", "reviewed_by", "reviewed_at"])
    _event(project=project, action=EventAction.REPORT_RETURNED, actor=actor, after={"report": report.pk}, note=reason)
    return report
