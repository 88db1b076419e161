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

from .. import rollup
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


def _month_end(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def completion_shortfalls(*, milestones, indicators, done_by_report: dict | None = None) -> list[str]:
    """What stops a project from being completed: each milestone neither done nor waived, each indicator
    not at its target (``rollup``'s share below 1). Empty = the work is finished. Pure."""
    done_by_report = done_by_report or {}
    problems = [_("The milestone “%(title)s” is not done.") % {"title": m.title} for m in milestones
                if m.done_at is None and m.waived_at is None and str(m.pk) not in done_by_report]
    problems += [_("The indicator “%(name)s” has not reached its target.") % {"name": i.name} for i in indicators
                 if rollup.indicator_share(i.baseline, i.target, i.actual) < 1]
    return problems


def _completion_check(project: Project, *, done_by_report: dict, actuals: dict) -> None:
    indicators = list(project.indicators.all())
    for indicator in indicators:
        if str(indicator.pk) in actuals:
            indicator.actual = Decimal(actuals[str(indicator.pk)])
    problems = completion_shortfalls(milestones=list(project.milestones.all()), indicators=indicators,
                                     done_by_report=done_by_report)
    if problems:
        raise ValidationError({"claims_completion": [
            _("A project is completed only when every milestone is done (or waived) and every indicator has "
              "reached its target."), *problems]})


@transaction.atomic
def report_submit(*, actor, project: Project, period: dt.date, text: str, milestone_done: dict | None = None,
                  indicator_actuals: dict | None = None, claims_completion: bool = False,
                  evidence: Sequence[UploadedFile] = (), today: dt.date | None = None) -> ProgressReport:
    """The lead unit reports on a month: text, milestones done, indicator actuals, evidence.

    One report per project and month: a second one is refused while the first waits or is accepted;
    a returned one is resubmitted (the same report, corrected) — ``report_resubmit``.
    """
    _require(sel.project_can_report(actor, project), _("Only the lead unit submits progress reports."))
    today = _today(today)
    period = warn.month_of(period)
    project = _lock(project)
    returned = project.reports.filter(period=period, state=ReportState.RETURNED).order_by("-pk").first()
    if returned is not None and not project.reports.filter(
            period=period, state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]).exists():
        return report_resubmit(actor=actor, report=returned, text=text, milestone_done=milestone_done,
                               indicator_actuals=indicator_actuals, claims_completion=claims_completion,
                               evidence=evidence, today=today)
    report = ProgressReport(project=project, period=period, author=actor, state=ReportState.SUBMITTED)
    _report_fill(report, project=project, text=text, milestone_done=milestone_done,
                 indicator_actuals=indicator_actuals, claims_completion=claims_completion, evidence=evidence,
                 today=today)
    report.submitted_at = _moment(today)
    report.save()
    _evidence_attach(actor=actor, project=project, files=evidence, report=report)
    _event(project=project, action=EventAction.REPORT_SUBMITTED, actor=actor,
           after={"report": report.pk, "period": period.strftime("%Y-%m"), "milestones_done": report.milestone_done,
                  "indicator_actuals": report.indicator_actuals, "claims_completion": claims_completion})
    return report


def _report_fill(report: ProgressReport, *, project: Project, text: str, milestone_done: dict | None,
                 indicator_actuals: dict | None, claims_completion: bool, evidence: Sequence[UploadedFile],
                 today: dt.date) -> None:
    """Check a report's content (new or resubmitted) and set it on ``report`` (not saved)."""
    if not text.strip():
        raise ValidationError({"text": _("Describe the progress.")})
    if report.period > warn.month_of(today):
        raise ValidationError({"period": _("A report cannot be for a future month.")})
    if project.status in (ProjectStatus.CANCELLED, ProjectStatus.COMPLETED):
        raise ValidationError(_("This project is %(status)s: no more reports.") % {
            "status": ProjectStatus(project.status).label})
    clash = project.reports.filter(period=report.period, state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED])
    if report.pk:
        clash = clash.exclude(pk=report.pk)
    if clash.exists():
        raise ValidationError({"period": _("There is already a report for %(month)s: one report per month. A "
                                           "returned report is corrected and submitted again.") % {
            "month": report.period.strftime("%Y-%m")}})
    if claims_completion and not evidence and not (report.pk and report.evidence.exists()):
        raise ValidationError({"evidence": _("A completion report needs its own evidence of the finished work "
                                             "(photos or the acceptance document), attached to this report.")})
    done, actuals = _parse_report_figures(project, milestone_done or {}, indicator_actuals or {}, today)
    if claims_completion:
        _completion_check(project, done_by_report=done, actuals=actuals)
    report.text = text
    report.milestone_done = done
    report.indicator_actuals = actuals
    report.claims_completion = claims_completion


@transaction.atomic
def report_resubmit(*, actor, report: ProgressReport, text: str, milestone_done: dict | None = None,
                    indicator_actuals: dict | None = None, claims_completion: bool = False,
                    evidence: Sequence[UploadedFile] = (), today: dt.date | None = None) -> ProgressReport:
    """The lead unit corrects a returned report and submits it again (the return reason stays in the trail)."""
    project = report.project
    _require(sel.project_can_report(actor, project), _("Only the lead unit submits progress reports."))
    today = _today(today)
    project = _lock(project)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    _report_transition(report, ReportState.SUBMITTED)
    _report_fill(report, project=project, text=text, milestone_done=milestone_done,
                 indicator_actuals=indicator_actuals, claims_completion=claims_completion, evidence=evidence,
                 today=today)
    report.state = ReportState.SUBMITTED
    report.author = actor
    report.submitted_at = _moment(today)
    report.save()
    _evidence_attach(actor=actor, project=project, files=evidence, report=report)
    _event(project=project, action=EventAction.REPORT_RESUBMITTED, actor=actor,
           after={"report": report.pk, "period": report.period.strftime("%Y-%m"),
                  "milestones_done": report.milestone_done, "indicator_actuals": report.indicator_actuals,
                  "claims_completion": claims_completion})
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
    # The latest month wins, whatever the order of acceptance: an actual applies unless the indicator already
    # holds a figure as of a later day (a later month's report, or an import with a later date).
    as_of = _month_end(report.period)
    indicators = {str(i.pk): i for i in project.indicators.all()}
    for key, value in report.indicator_actuals.items():
        indicator = indicators.get(key)
        if indicator is not None and (indicator.as_of is None or indicator.as_of <= as_of):
            indicator.actual = Decimal(value)
            indicator.as_of = as_of
            indicator.save(update_fields=["actual", "as_of"])
    report.state = ReportState.ACCEPTED
    report.reviewed_by = actor
    report.reviewed_at = _moment(today)
    report.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    _event(project=project, action=EventAction.REPORT_ACCEPTED, actor=actor, after={"report": report.pk})
    old_status = project.status
    if report.claims_completion:
        if not report.evidence.exists():
            raise ValidationError(_("A project is completed only with evidence attached to its completion report."))
        _completion_check(project, done_by_report={}, actuals={})
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
