"""Callback (回访), redo (重办), merging (并单) and closing suggestions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.org.choices import Role
from minsheng.workdays.selectors import calendar_current

from ..choices import (
    Action,
    CloseReason,
    DissatisfiedReason,
    Kind,
    LegState,
    Satisfaction,
    State,
    SuggestionOutcome,
)
from ..models import (
    Appeal,
    DispatchLeg,
)
from ..selectors import policy
from .core import _check_allowed, _close, _follow_parent, _lock, _require_centre, _setting, _text, _transition
from .dispatch import _current_lead


@transaction.atomic
def callback_record(*, actor, appeal: Appeal, reached: bool, satisfaction: str = "", resolved: bool | None = None,
                    dissatisfied_reason: str = "", comment: str = "", version: int | None = None,
                    at: dt.datetime | None = None) -> Appeal:
    """回访: one attempt. Unreached N times → closed unreachable; dissatisfied with the unit → redo."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.CALLBACK_AGENT)
    _check_allowed(appeal, Action.CALLBACK_ATTEMPT)
    comment = _text(comment, field="comment", label=_("The comment"), required=False, max_length=1000)
    if reached:
        errors = {}
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = _("Record how satisfied the citizen is.")
        if resolved is None:
            errors["resolved"] = _("Record whether the problem was resolved.")
        if satisfaction == Satisfaction.DISSATISFIED and dissatisfied_reason not in DissatisfiedReason.values:
            errors["dissatisfied_reason"] = _("Record why the citizen is dissatisfied.")
        if errors:
            raise ValidationError(errors)
    now = at or timezone.now()
    attempt = appeal.callbacks.count() + 1
    appeal.callbacks.create(
        attempt=attempt, agent=actor, at=now, reached=reached, satisfaction=satisfaction if reached else "",
        resolved=resolved if reached else None,
        dissatisfied_reason=dissatisfied_reason if reached and satisfaction == Satisfaction.DISSATISFIED else "",
        comment=comment)
    payload = {"attempt": attempt, "reached": reached, "satisfaction": satisfaction, "resolved": resolved,
               "dissatisfied_reason": dissatisfied_reason}
    if not reached:
        if attempt < _setting("APPEALS_CALLBACK_MAX_ATTEMPTS", 3):
            _transition(appeal, action=Action.CALLBACK_ATTEMPT, actor=actor, reason=comment, at=now, payload=payload)
        else:
            _transition(appeal, action=Action.CALLBACK_CLOSE, actor=actor, reason=comment, at=now, payload=payload)
            _close(appeal, at=now, reason=CloseReason.UNREACHABLE)
    elif (satisfaction == Satisfaction.DISSATISFIED and dissatisfied_reason == DissatisfiedReason.UNIT
          and appeal.redo_count < _setting("APPEALS_MAX_REDOS", 2)):
        _transition(appeal, action=Action.REDO, actor=actor, reason=comment, at=now, payload=payload)
        _redo(appeal, at=now)
    else:
        _transition(appeal, action=Action.CALLBACK_CLOSE, actor=actor, reason=comment, at=now, payload=payload)
        appeal.satisfaction = satisfaction
        appeal.resolved = resolved
        _close(appeal, at=now, reason=CloseReason.CALLBACK)
    appeal.save()
    return appeal


def _redo(appeal: Appeal, *, at: dt.datetime) -> None:
    """重办: the same case goes back to its lead unit with a new deadline; a past breach stays recorded."""
    calendar = calendar_current()
    clock = policy().handling_clock(kind=appeal.kind, urgent=appeal.urgent, start=at)
    appeal.redo_count += 1
    appeal.due_basis_at = at
    appeal.due_working_days, appeal.due_hours = clock.working_days, clock.hours
    appeal.due_at = clock.due(calendar)
    appeal.warned_at = None
    appeal.answered_at = None
    lead = _current_lead(appeal, LegState.ANSWERED)
    if lead is not None:
        lead.state = LegState.SIGNED
        lead.handle_basis_at = at
        lead.handle_working_days, lead.handle_hours = clock.working_days, clock.hours
        lead.handle_due_at = appeal.due_at
        lead.save()


@transaction.atomic
def appeal_merge(*, actor, appeal: Appeal, parent: Appeal, reason: str = "", version: int | None = None,
                 at: dt.datetime | None = None) -> Appeal:
    """并单: a duplicate follows its parent case; the parent's answer reaches it too."""
    if parent.pk == appeal.pk:
        raise ValidationError({"parent": _("A case cannot be merged into itself.")})
    appeal = _lock(appeal, version)
    parent = _lock(parent)
    _require_centre(actor, appeal, Role.DISPATCHER)
    if parent.state == State.MERGED:
        raise ValidationError({"parent": _("The parent case is itself merged; merge into its parent instead.")})
    if Appeal.objects.filter(parent=appeal).exists():
        raise ValidationError(_("Other cases are merged into this one; it cannot become a duplicate."))
    now = at or timezone.now()
    _transition(appeal, action=Action.MERGE, actor=actor, reason=reason.strip(), at=now,
                payload={"parent": parent.number})
    appeal.parent = parent
    DispatchLeg.objects.filter(appeal=appeal, state__in=[LegState.PENDING, LegState.SIGNED,
                                                         LegState.RETURN_PENDING]).update(state=LegState.CANCELLED)
    if parent.state == State.CLOSED:
        appeal.save()
        _follow_parent(appeal, parent, at=now)
        return appeal
    appeal.save()
    return appeal


@transaction.atomic
def suggestion_close(*, actor, appeal: Appeal, outcome: str, note: str = "", version: int | None = None,
                     at: dt.datetime | None = None) -> Appeal:
    """建言献策: a suggestion is closed as adopted, for reference or not adopted (not counted in 解决率)."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.REVIEWER, Role.DISPATCHER)
    if appeal.kind != Kind.SUGGESTION:
        raise ValidationError(_("Only a suggestion is closed with an outcome."))
    if outcome not in SuggestionOutcome.values:
        raise ValidationError({"outcome": _("Choose adopted, for reference or not adopted.")})
    now = at or timezone.now()
    _transition(appeal, action=Action.SUGGESTION_CLOSE, actor=actor, reason=note.strip(), at=now,
                payload={"outcome": outcome})
    appeal.suggestion_outcome = outcome
    if note.strip() and not appeal.answer:
        appeal.answer = note.strip()
    DispatchLeg.objects.filter(appeal=appeal, state__in=[LegState.PENDING, LegState.SIGNED]).update(
        state=LegState.CLOSED)
    _close(appeal, at=now, reason=CloseReason.SUGGESTION)
    appeal.save()
    return appeal
