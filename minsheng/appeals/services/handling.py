"""Handling (办理): notes, the unit's answer, the centre's review of it, extensions (延期) and suspensions (挂起)."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict
from minsheng.org.choices import Role
from minsheng.workdays.selectors import calendar_current

from .. import deadlines
from ..choices import (
    Action,
    AttachmentPurpose,
    CloseReason,
    Kind,
    LegRole,
    LegState,
    RequestKind,
    RequestState,
)
from ..models import (
    Appeal,
    DispatchLeg,
    LegRequest,
)
from .core import (
    Upload,
    _appeal_clock,
    _check_uploads,
    _close,
    _leg_handle_clock,
    _lock,
    _lock_leg,
    _require_centre,
    _require_unit,
    _setting,
    _store_uploads,
    _text,
    _transition,
)
from .dispatch import _current_lead


@transaction.atomic
def leg_note(*, actor, leg: DispatchLeg, text: str, attachments: Iterable[Upload] = (),
             version: int | None = None, at: dt.datetime | None = None) -> DispatchLeg:
    """A handling note; from an assisting unit it is the input the lead sees before answering."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    if leg.state != LegState.SIGNED:
        raise ValidationError(_("Sign for the case before recording notes."))
    text = _text(text, field="text", label=_("The note"), max_length=3000)
    checked = _check_uploads(attachments)
    now = at or timezone.now()
    action = Action.NOTE if leg.role == LegRole.LEAD else Action.ASSIST_INPUT
    _transition(appeal, action=action, actor=actor, leg=leg, reason=text, at=now)
    if leg.role == LegRole.ASSIST:
        leg.input_text = f"{leg.input_text}\n{text}".strip()
        leg.save(update_fields=["input_text"])
    _store_uploads(appeal, checked, purpose=AttachmentPurpose.NOTE, actor=actor, leg=leg)
    appeal.save()
    return leg


def _mark_late_answer(leg: DispatchLeg, now: dt.datetime) -> None:
    if now > leg.handle_due_at and leg.handle_breached_at is None:
        leg.handle_breached_at = leg.handle_due_at


@transaction.atomic
def appeal_answer(*, actor, leg: DispatchLeg, text: str, attachments: Iterable[Upload] = (),
                  version: int | None = None, at: dt.datetime | None = None) -> Appeal:
    """答复: the lead unit answers the citizen (the assists' input is in front of it)."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    if leg.role != LegRole.LEAD:
        raise ValidationError(_("Only the lead unit answers; an assisting unit gives its input as a note."))
    if leg.state != LegState.SIGNED:
        raise ValidationError(_("Sign for the case before answering it."))
    text = _text(text, field="text", label=_("The answer"), max_length=5000)
    if len(text) < 10:
        raise ValidationError({"text": _("An answer should say what was done, in at least 10 characters.")})
    checked = _check_uploads(attachments)
    now = at or timezone.now()
    _transition(appeal, action=Action.ANSWER, actor=actor, leg=leg, reason=text, at=now)
    leg.state = LegState.ANSWERED
    leg.answered_at = now
    leg.input_text = text
    _mark_late_answer(leg, now)
    leg.save()
    DispatchLeg.objects.filter(appeal=appeal, role=LegRole.ASSIST, state__in=[LegState.PENDING, LegState.SIGNED]) \
        .update(state=LegState.CLOSED)
    appeal.answer = text
    appeal.answered_at = now
    appeal.save()
    _store_uploads(appeal, checked, purpose=AttachmentPurpose.ANSWER, actor=actor, leg=leg)
    return appeal


@transaction.atomic
def answer_review(*, actor, appeal: Appeal, passed: bool, reason: str = "", version: int | None = None,
                  at: dt.datetime | None = None) -> Appeal:
    """The reviewer passes the answer (on to callback) or sends it back to the lead unit with a reason."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.REVIEWER)
    now = at or timezone.now()
    if appeal.kind == Kind.SUGGESTION and passed:
        raise ValidationError(_("Close a suggestion with its outcome: adopted, for reference or not adopted."))
    if passed:
        _transition(appeal, action=Action.REVIEW_PASS, actor=actor, reason=reason.strip(), at=now)
        if appeal.kind not in _setting("APPEALS_CALLBACK_KINDS",
                                       (Kind.INQUIRY, Kind.REQUEST, Kind.COMPLAINT, Kind.REPORT)) \
                or (appeal.anonymous and not appeal.caller_mobile):
            _transition(appeal, action=Action.CALLBACK_CLOSE, actor=actor, at=now,
                        reason=_("No callback needed."))
            _close(appeal, at=now, reason=CloseReason.NO_CALLBACK)
    else:
        reason = _text(reason, field="reason", label=_("The reason"), max_length=1000)
        lead = _current_lead(appeal, LegState.ANSWERED)
        _transition(appeal, action=Action.REVIEW_SEND_BACK, actor=actor, leg=lead, reason=reason, at=now)
        if lead is not None:
            lead.state = LegState.SIGNED
            lead.save(update_fields=["state"])
    appeal.save()
    return appeal


@transaction.atomic
def extension_request(*, actor, leg: DispatchLeg, days: int, reason: str, version: int | None = None,
                      at: dt.datetime | None = None) -> LegRequest:
    """延期申请: the lead unit asks the centre for more working days."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    max_days = _setting("APPEALS_MAX_EXTENSION_DAYS", 15)
    if leg.role != LegRole.LEAD or leg.state != LegState.SIGNED:
        raise ValidationError(_("Only the lead unit handling the case can ask for an extension."))
    if not isinstance(days, int) or not 1 <= days <= max_days:
        raise ValidationError({"days": _("Ask for between 1 and %(n)d working days.") % {"n": max_days}})
    return _leg_request(appeal, leg, kind=RequestKind.EXTENSION, action=Action.EXTENSION_REQUEST, actor=actor,
                        reason=reason, days=days, at=at)


@transaction.atomic
def suspension_request(*, actor, leg: DispatchLeg, reason: str, version: int | None = None,
                       at: dt.datetime | None = None) -> LegRequest:
    """挂起申请: the lead unit asks to stop the clock (waiting for a court, an expert, the citizen)."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    if leg.role != LegRole.LEAD or leg.state != LegState.SIGNED:
        raise ValidationError(_("Only the lead unit handling the case can ask for a suspension."))
    return _leg_request(appeal, leg, kind=RequestKind.SUSPENSION, action=Action.SUSPENSION_REQUEST, actor=actor,
                        reason=reason, days=None, at=at)


def _leg_request(appeal, leg, *, kind, action, actor, reason, days, at) -> LegRequest:
    reason = _text(reason, field="reason", label=_("The reason"), max_length=1000)
    if LegRequest.objects.filter(leg=leg, kind=kind, state=RequestState.PENDING).exists():
        raise ValidationError(_("A request of this kind is already waiting for the centre's decision."))
    now = at or timezone.now()
    _transition(appeal, action=action, actor=actor, leg=leg, reason=reason, at=now, payload={"days": days})
    appeal.save()
    return LegRequest.objects.create(leg=leg, kind=kind, days=days, reason=reason,
                                     requested_by=actor, requested_at=now)


def _lock_request(request: LegRequest, kind: str) -> LegRequest:
    request = LegRequest.objects.select_for_update().select_related("leg").get(pk=request.pk)
    if request.kind != kind:
        raise ValidationError(_("This is not a request of that kind."))
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request was already decided (%(state)s).") % {"state": request.get_state_display()})
    return request


def _decide(request: LegRequest, *, actor, approve: bool, note: str, now: dt.datetime) -> None:
    request.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    request.save()


@transaction.atomic
def extension_decide(*, actor, request: LegRequest, approve: bool, note: str = "",
                     at: dt.datetime | None = None) -> LegRequest:
    """The centre approves (the due dates move by the days asked) or refuses an extension.
    A deadline already passed stays recorded as passed: an extension never erases a breach."""
    appeal = _lock(request.leg.appeal_id)
    request = _lock_request(request, RequestKind.EXTENSION)
    _require_centre(actor, appeal, Role.DISPATCHER, Role.SUPERVISOR)
    note = _text(note, field="note", label=_("The reason"), required=not approve, max_length=1000)
    now = at or timezone.now()
    leg = _lock_leg(request.leg)
    calendar = calendar_current()
    if approve:
        days = request.days or 0
        leg.extended_days += days
        appeal.extended_days += days
        if leg.handle_hours is not None:
            leg.handle_hours += days * 24
        else:
            leg.handle_working_days = (leg.handle_working_days or 0) + days
        if appeal.due_hours is not None:
            appeal.due_hours += days * 24
        else:
            appeal.due_working_days = (appeal.due_working_days or 0) + days
        leg.handle_due_at = _leg_handle_clock(leg).due(calendar)
        appeal.due_at = _appeal_clock(appeal).due(calendar)
        leg.save()
    _transition(appeal, action=Action.EXTENSION_DECIDE, actor=actor, leg=leg, reason=note, at=now,
                payload={"approved": approve, "days": request.days, "due_at": appeal.due_at.isoformat()})
    _decide(request, actor=actor, approve=approve, note=note, now=now)
    appeal.save()
    return request


@transaction.atomic
def suspension_decide(*, actor, request: LegRequest, approve: bool, note: str = "",
                      at: dt.datetime | None = None) -> LegRequest:
    """Approve (the clocks stop; what is left is kept) or refuse a suspension."""
    appeal = _lock(request.leg.appeal_id)
    request = _lock_request(request, RequestKind.SUSPENSION)
    _require_centre(actor, appeal, Role.DISPATCHER, Role.SUPERVISOR)
    note = _text(note, field="note", label=_("The reason"), required=not approve, max_length=1000)
    now = at or timezone.now()
    leg = _lock_leg(request.leg)
    if approve:
        calendar = calendar_current()
        left = deadlines.remaining_on_stop(calendar, _appeal_clock(appeal), appeal.due_at, now)
        appeal.due_working_days, appeal.due_hours = left.working_days, left.hours
        leg_left = deadlines.remaining_on_stop(calendar, _leg_handle_clock(leg), leg.handle_due_at, now)
        leg.remaining_working_days = leg_left.working_days
        leg.remaining_seconds = leg_left.hours * 3600 if leg_left.hours is not None else None
        leg.suspended_at = now
        appeal.suspended_at = now
        leg.save()
        _transition(appeal, action=Action.SUSPEND, actor=actor, leg=leg, reason=note or request.reason, at=now,
                    payload={"left_working_days": left.working_days, "left_hours": left.hours})
    else:
        _transition(appeal, action=Action.SUSPENSION_REFUSE, actor=actor, leg=leg, reason=note, at=now)
    _decide(request, actor=actor, approve=approve, note=note, now=now)
    appeal.save()
    return request


@transaction.atomic
def suspension_resume(*, actor, appeal: Appeal, note: str = "", version: int | None = None,
                      at: dt.datetime | None = None) -> Appeal:
    """The clocks start again with what was left when the case was suspended."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.DISPATCHER, Role.SUPERVISOR)
    lead = _current_lead(appeal, LegState.SIGNED)
    now = at or timezone.now()
    calendar = calendar_current()
    _transition(appeal, action=Action.RESUME, actor=actor, leg=lead, reason=note.strip(), at=now)
    appeal.due_basis_at = now
    appeal.due_at = _appeal_clock(appeal).due(calendar)
    appeal.suspended_at = None
    if lead is not None:
        lead.handle_basis_at = now
        if lead.remaining_seconds is not None:
            lead.handle_hours, lead.handle_working_days = max(1, -(-lead.remaining_seconds // 3600)), None
        else:
            lead.handle_working_days, lead.handle_hours = lead.remaining_working_days or 0, None
        lead.handle_due_at = _leg_handle_clock(lead).due(calendar)
        lead.suspended_at = None
        lead.remaining_working_days = lead.remaining_seconds = None
        lead.save()
    appeal.save()
    return appeal
