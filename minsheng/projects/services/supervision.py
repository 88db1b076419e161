"""Deadline change requests, supervision notices, leaders' instructions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict

from .. import rules
from .. import selectors as sel
from ..choices import (
    EventAction,
    RequestState,
)
from ..models import (
    DeadlineChangeRequest,
    LeaderInstruction,
    Milestone,
    Project,
    SupervisionNotice,
)
from .assessment import project_recompute
from .common import (
    _event,
    _lock,
    _require,
)


# --- deadlines, supervision, instructions --------------------------------------------------------
def _deadline_check(project: Project, milestone: Milestone | None, requested_date: dt.date) -> None:
    """The date rules (``rules``) for a new deadline: a milestone's inside the project's dates, the project's
    end not before its start nor before any milestone."""
    try:
        if milestone is not None:
            rules.milestone_due_check(requested_date, project.start_date, project.end_date)
        else:
            rules.project_dates_check(project.start_date, requested_date,
                                      project.milestones.values_list("title", "due_date"))
    except ValidationError as exc:
        raise ValidationError({"requested_date": exc.messages}) from exc


@transaction.atomic
def deadline_change_request(*, actor, project: Project, requested_date: dt.date, reason: str,
                            milestone: Milestone | None = None) -> DeadlineChangeRequest:
    _require(sel.project_can_report(actor, project), _("Only the lead unit asks to change a deadline."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the new deadline.")})
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone": _("That milestone belongs to another project.")})
    original = milestone.due_date if milestone is not None else project.end_date
    if requested_date == original:
        raise ValidationError({"requested_date": _("The requested date is the current deadline.")})
    _deadline_check(project, milestone, requested_date)
    if DeadlineChangeRequest.objects.filter(project=project, milestone=milestone, state=RequestState.PENDING).exists():
        raise ValidationError(_("A request for this deadline is already waiting for a decision."))
    request = DeadlineChangeRequest.objects.create(project=project, milestone=milestone, original_date=original,
                                                   requested_date=requested_date, reason=reason, requested_by=actor)
    _event(project=project, action=EventAction.DEADLINE_REQUESTED, actor=actor,
           before={"date": str(original)}, after={"date": str(requested_date),
                                                  "milestone": milestone.title if milestone else ""}, note=reason)
    return request


@transaction.atomic
def deadline_change_decide(*, actor, request: DeadlineChangeRequest, approve: bool, note: str = "",
                           today: dt.date | None = None) -> DeadlineChangeRequest:
    project = request.project
    _require(sel.project_can_manage(actor, project), _("Only project officers decide deadline changes."))
    request = DeadlineChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request has been decided already."))
    project = _lock(project)
    if approve:
        milestone = Milestone.objects.filter(pk=request.milestone_id).first() if request.milestone_id else None
        _deadline_check(project, milestone, request.requested_date)  # the dates may have moved meanwhile
        if request.milestone_id:
            milestone = request.milestone
            milestone.due_date = request.requested_date  # original_due_date keeps the first plan
            milestone.save(update_fields=["due_date"])
        else:
            project.end_date = request.requested_date  # original_end_date keeps the first plan
            project.version += 1
            project.save(update_fields=["end_date", "version", "updated_at"])
    request.state = RequestState.APPROVED if approve else RequestState.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _event(project=project, action=EventAction.DEADLINE_DECIDED, actor=actor,
           before={"date": str(request.original_date)},
           after={"date": str(request.requested_date), "approved": approve}, note=note)
    project_recompute(project=project, today=today, actor=actor)
    return request


@transaction.atomic
def supervision_issue(*, actor, project: Project, text: str, respond_by: dt.date) -> SupervisionNotice:
    _require(sel.project_can_supervise(actor, project), _("Only supervisors and project officers issue notices."))
    if not text.strip():
        raise ValidationError({"text": _("Write the notice.")})
    notice = SupervisionNotice.objects.create(project=project, text=text, respond_by=respond_by, issued_by=actor)
    _event(project=project, action=EventAction.SUPERVISION_ISSUED, actor=actor,
           after={"notice": notice.pk, "respond_by": str(respond_by)}, note=text)
    return notice


@transaction.atomic
def supervision_acknowledge(*, actor, notice: SupervisionNotice, response: str) -> SupervisionNotice:
    _require(sel.project_can_report(actor, notice.project), _("Only the lead unit acknowledges a notice."))
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is not None:
        raise Conflict(_("This notice has been acknowledged already."))
    if not response.strip():
        raise ValidationError({"response": _("Say what your unit will do.")})
    notice.acknowledged_by = actor
    notice.acknowledged_at = timezone.now()
    notice.response = response
    notice.save(update_fields=["acknowledged_by", "acknowledged_at", "response"])
    _event(project=notice.project, action=EventAction.SUPERVISION_ACKNOWLEDGED, actor=actor,
           after={"notice": notice.pk}, note=response)
    return notice


@transaction.atomic
def instruction_give(*, actor, project: Project, text: str) -> LeaderInstruction:
    _require(sel.project_can_instruct(actor, project), _("Only leaders give instructions."))
    if not text.strip():
        raise ValidationError({"text": _("Write the instruction.")})
    instruction = LeaderInstruction.objects.create(project=project, leader=actor, text=text)
    _event(project=project, action=EventAction.INSTRUCTION, actor=actor, after={"instruction": instruction.pk},
           note=text)
    return instruction
