"""Milestones, indicators and evidence."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict

from .. import rules
from .. import selectors as sel
from ..choices import EventAction, ReportState
from ..models import (
    Evidence,
    Indicator,
    Milestone,
    ProgressReport,
    Project,
)
from .assessment import project_recompute
from .common import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    _actor_id,
    _event,
    _lock,
    _plain,
    _require,
    _today,
)


# --- milestones and indicators -------------------------------------------------------------------
@transaction.atomic
def milestone_add(*, actor, project: Project, title: str, due_date: dt.date, weight: int = 1,
                  today: dt.date | None = None) -> Milestone:
    _require(sel.project_can_edit(actor, project))
    project = _lock(project)
    milestone = Milestone(project=project, title=title.strip(), due_date=due_date, original_due_date=due_date,
                          weight=weight)
    milestone.full_clean()
    rules.milestone_due_check(due_date, project.start_date, project.end_date)
    if weight <= 0:
        raise ValidationError({"weight": _("The weight must be positive.")})
    milestone.save()
    _event(project=project, action=EventAction.MILESTONE_ADDED, actor=actor,
           after={"milestone": milestone.title, "due_date": str(due_date), "weight": weight})
    project_recompute(project=project, today=today, actor=actor)
    return milestone


@transaction.atomic
def milestone_delete(*, actor, milestone: Milestone, today: dt.date | None = None) -> None:
    project = milestone.project
    _require(sel.project_can_manage(actor, project), _("Only project officers delete milestones."))
    project = _lock(project)
    _event(project=project, action=EventAction.MILESTONE_DELETED, actor=actor,
           before={"milestone": milestone.title, "due_date": str(milestone.due_date), "weight": milestone.weight,
                   "done_at": _plain(milestone.done_at)})
    milestone.delete()
    project_recompute(project=project, today=today, actor=actor)


@transaction.atomic
def milestone_waive(*, actor, milestone: Milestone, reason: str, today: dt.date | None = None) -> Milestone:
    """A project officer waives a milestone that no longer applies, with the reason on record: it then stops
    counting in progress and plan and no longer holds up completion. A done milestone is not waived."""
    project = milestone.project
    _require(sel.project_can_manage(actor, project), _("Only project officers waive milestones."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for waiving this milestone.")})
    project = _lock(project)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_at is not None:
        raise ValidationError(_("This milestone is done: there is nothing to waive."))
    if milestone.waived_at is not None:
        raise Conflict(_("This milestone has been waived already."))
    milestone.waived_at = timezone.now()
    milestone.waive_reason = reason
    milestone.waived_by = actor
    milestone.save(update_fields=["waived_at", "waive_reason", "waived_by"])
    _event(project=project, action=EventAction.MILESTONE_WAIVED, actor=actor,
           before={"milestone": milestone.title, "due_date": str(milestone.due_date)}, note=reason)
    project_recompute(project=project, today=today, actor=actor)
    return milestone


@transaction.atomic
def evidence_publish(*, actor, evidence: Evidence, public: bool) -> Evidence:
    """A project officer shows a piece of evidence to the public, or hides it again. Evidence of a report is
    shown only once the report is accepted; evidence is never public by itself (it may be an internal paper)."""
    project = evidence.project
    _require(sel.project_can_manage(actor, project), _("Only project officers decide what the public sees."))
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("report").get(pk=evidence.pk)
    if public and evidence.report_id and evidence.report.state != ReportState.ACCEPTED:
        raise ValidationError(_("The report this evidence belongs to is not accepted yet: accept it first."))
    if evidence.is_public == public:
        return evidence
    evidence.is_public = public
    evidence.save(update_fields=["is_public"])
    _event(project=project, action=EventAction.EVIDENCE_SHOWN if public else EventAction.EVIDENCE_HIDDEN,
           actor=actor, after={"evidence": evidence.pk, "file": evidence.file.name.rsplit("/", 1)[-1]})
    return evidence


def evidence_check(upload: UploadedFile) -> None:
    extension = upload.name.lower().rsplit(".", 1)[-1] if "." in upload.name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError({"evidence": _("Evidence must be a photo (JPG, PNG, WebP, GIF) or a PDF: “%(name)s”.")
                               % {"name": upload.name}})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": _("“%(name)s” is larger than 10 MB.") % {"name": upload.name}})


def _evidence_attach(*, actor, project: Project, files: Sequence[UploadedFile], report: ProgressReport | None = None,
                     milestone: Milestone | None = None, caption: str = "") -> list[Evidence]:
    for upload in files:
        evidence_check(upload)
    attached = []
    for upload in files:
        evidence = Evidence(project=project, report=report, milestone=milestone, caption=caption[:200],
                            uploaded_by=actor if _actor_id(actor) else None)
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        attached.append(evidence)
    return attached


@transaction.atomic
def milestone_mark_done(*, actor, milestone: Milestone, done_at: dt.date, evidence: Sequence[UploadedFile] = (),
                        note: str = "", today: dt.date | None = None) -> Milestone:
    """The lead unit marks a checkpoint done; evidence (a photo, a document, or a note) is required."""
    project = milestone.project
    _require(sel.project_can_report(actor, project) or sel.project_can_manage(actor, project))
    if milestone.done_at is not None:
        raise ValidationError(_("This milestone is already done."))
    if not evidence and not note.strip():
        raise ValidationError({"evidence": _("Attach evidence or describe it to mark a milestone done.")})
    if done_at > _today(today):
        raise ValidationError({"done_at": _("A milestone cannot be done in the future.")})
    project = _lock(project)
    _evidence_attach(actor=actor, project=project, files=evidence, milestone=milestone, caption=milestone.title)
    milestone.done_at = done_at
    milestone.evidence_note = note[:300]
    milestone.save(update_fields=["done_at", "evidence_note"])
    _event(project=project, action=EventAction.MILESTONE_DONE, actor=actor,
           after={"milestone": milestone.title, "done_at": str(done_at)}, note=note)
    project_recompute(project=project, today=today, actor=actor)
    return milestone


@transaction.atomic
def indicator_add(*, actor, project: Project, name: str, target: Decimal, unit: str = "",
                  baseline: Decimal = Decimal(0), actual: Decimal | None = None, as_of: dt.date | None = None,
                  weight: int = 1, today: dt.date | None = None) -> Indicator:
    _require(sel.project_can_edit(actor, project))
    project = _lock(project)
    if weight <= 0:
        raise ValidationError({"weight": _("The weight must be positive.")})
    indicator = Indicator(project=project, name=name.strip(), unit=unit, baseline=baseline, target=target,
                          actual=actual, as_of=as_of, weight=weight)
    indicator.full_clean()
    indicator.save()
    _event(project=project, action=EventAction.INDICATOR_ADDED, actor=actor,
           after={"indicator": indicator.name, "baseline": str(baseline), "target": str(target)})
    project_recompute(project=project, today=today, actor=actor)
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator, today: dt.date | None = None) -> None:
    project = indicator.project
    _require(sel.project_can_manage(actor, project), _("Only project officers delete indicators."))
    project = _lock(project)
    _event(project=project, action=EventAction.INDICATOR_DELETED, actor=actor,
           before={"indicator": indicator.name, "target": str(indicator.target), "actual": _plain(indicator.actual)})
    indicator.delete()
    project_recompute(project=project, today=today, actor=actor)
