"""Dispatch (派单): send a case to its lead and assisting units; signing (签收), returns (退单) and the
centre's decision on a return."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.org.choices import Role
from minsheng.org.models import Unit
from minsheng.workdays.selectors import calendar_current

from ..choices import (
    Action,
    LegRole,
    LegState,
    State,
)
from ..models import (
    Appeal,
    DispatchLeg,
)
from ..selectors import policy
from .core import _lock, _lock_leg, _require_centre, _require_unit, _setting, _text, _transition


def _leg(appeal: Appeal, *, unit: Unit, role: str, actor, at: dt.datetime) -> DispatchLeg:
    rules = policy()
    calendar = calendar_current()
    sign = rules.sign_clock(urgent=appeal.urgent, start=at)
    if role == LegRole.LEAD:
        handle = rules.handling_clock(kind=appeal.kind, urgent=appeal.urgent, start=at)
    else:
        handle = rules.assist_clock(kind=appeal.kind, urgent=appeal.urgent, start=at)
    return DispatchLeg(
        appeal=appeal, unit=unit, role=role, state=LegState.PENDING,
        dispatched_by=actor if actor is not None and actor.is_authenticated else None, dispatched_at=at,
        sign_working_days=sign.working_days, sign_hours=sign.hours, sign_due_at=sign.due(calendar),
        handle_basis_at=at, handle_working_days=handle.working_days, handle_hours=handle.hours,
        handle_due_at=handle.due(calendar),
    )


def _legs(appeal: Appeal, *, lead_unit: Unit, assist_units: Sequence[Unit], actor,
          at: dt.datetime) -> list[DispatchLeg]:
    """The lead leg first, then one per assisting unit (unsaved)."""
    legs = [_leg(appeal, unit=lead_unit, role=LegRole.LEAD, actor=actor, at=at)]
    return legs + [_leg(appeal, unit=unit, role=LegRole.ASSIST, actor=actor, at=at) for unit in assist_units]


def _new_legs(appeal: Appeal, *, lead_unit: Unit, assist_units: Sequence[Unit], actor,
              at: dt.datetime) -> list[DispatchLeg]:
    """The lead leg first, then one per assisting unit, stored in one statement."""
    return DispatchLeg.objects.bulk_create(_legs(appeal, lead_unit=lead_unit, assist_units=assist_units,
                                                 actor=actor, at=at))


def _check_units(lead_unit: Unit, assist_units: Sequence[Unit]) -> None:
    if lead_unit is None or not lead_unit.is_active:
        raise ValidationError({"lead_unit": _("Choose an active lead unit.")})
    if any(u.pk == lead_unit.pk for u in assist_units):
        raise ValidationError({"assist_units": _("The lead unit cannot also assist.")})
    if len({u.pk for u in assist_units}) != len(assist_units):
        raise ValidationError({"assist_units": _("An assisting unit is listed twice.")})
    if any(not u.is_active for u in assist_units):
        raise ValidationError({"assist_units": _("An assisting unit is no longer active.")})


def _dispatch(appeal: Appeal, *, actor, lead_unit: Unit, assist_units: Sequence[Unit], note: str,
              at: dt.datetime, auto: bool = False, action: str = Action.DISPATCH) -> DispatchLeg:
    _check_units(lead_unit, assist_units)
    lead = _new_legs(appeal, lead_unit=lead_unit, assist_units=assist_units, actor=actor, at=at)[0]
    _transition(appeal, action=action, actor=actor, leg=lead, reason=note, at=at,
                payload={"lead": lead_unit.pk, "assists": [u.pk for u in assist_units], "auto": auto})
    appeal.lead_unit = lead_unit
    appeal.dispatched_at = appeal.dispatched_at or at
    return lead


@transaction.atomic
def appeal_dispatch(*, actor, appeal: Appeal, lead_unit: Unit, assist_units: Sequence[Unit] = (),
                    note: str = "", version: int | None = None, at: dt.datetime | None = None) -> Appeal:
    """派单: one lead unit (主办) and any assisting units (协办), each with its own clocks."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.DISPATCHER)
    _dispatch(appeal, actor=actor, lead_unit=lead_unit, assist_units=list(assist_units),
              note=_text(note, field="note", label=_("The note"), required=False, max_length=500),
              at=at or timezone.now())
    appeal.save()
    return appeal


def _current_lead(appeal: Appeal, *states: str) -> DispatchLeg | None:
    qs = DispatchLeg.objects.select_for_update().filter(appeal=appeal, role=LegRole.LEAD)
    if states:
        qs = qs.filter(state__in=states)
    return qs.order_by("-dispatched_at", "-id").first()


@transaction.atomic
def leg_sign(*, actor, leg: DispatchLeg, version: int | None = None, at: dt.datetime | None = None) -> DispatchLeg:
    """签收: the unit takes the case (a lead starts handling; an assist starts its input)."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    if leg.state != LegState.PENDING:
        raise ValidationError(_("This case is not waiting for your unit's signature (now: %(state)s).")
                              % {"state": leg.get_state_display()})
    now = at or timezone.now()
    _transition(appeal, action=Action.SIGN if leg.role == LegRole.LEAD else Action.ASSIST_SIGN, actor=actor,
                leg=leg, at=now, payload={"late": now > leg.sign_due_at})
    leg.state = LegState.SIGNED
    leg.signed_at = now
    leg.signed_by = actor if actor is not None else None
    leg.sign_breached = now > leg.sign_due_at
    leg.save()
    appeal.save()
    return leg


@transaction.atomic
def leg_return(*, actor, leg: DispatchLeg, reason: str, legal_basis: str, version: int | None = None,
               at: dt.datetime | None = None) -> DispatchLeg:
    """退单: the lead unit says the case is not theirs, with a reason and its legal basis."""
    appeal = _lock(leg.appeal_id, version)
    leg = _lock_leg(leg)
    _require_unit(actor, leg)
    if leg.role != LegRole.LEAD:
        raise ValidationError(_("Only the lead unit can return a case."))
    if appeal.designated:
        raise ValidationError(_("After %(n)d returns the centre designated your unit: this case can no longer "
                                "be returned.") % {"n": _setting("APPEALS_MAX_RETURNS", 3)})
    if leg.state != LegState.PENDING:
        raise ValidationError(_("A case can be returned only before it is signed for."))
    reason = _text(reason, field="reason", label=_("The reason"), max_length=1000)
    legal_basis = _text(legal_basis, field="legal_basis", label=_("The legal basis"), max_length=200)
    now = at or timezone.now()
    _transition(appeal, action=Action.RETURN, actor=actor, leg=leg, reason=reason, at=now,
                payload={"legal_basis": legal_basis})
    leg.state = LegState.RETURN_PENDING
    leg.returned_at = now
    leg.return_reason = reason
    leg.return_legal_basis = legal_basis
    leg.save()
    appeal.return_count += 1
    appeal.save()
    return leg


@transaction.atomic
def return_decide(*, actor, appeal: Appeal, accept: bool, reason: str = "", lead_unit: Unit | None = None,
                  assist_units: Sequence[Unit] = (), version: int | None = None,
                  at: dt.datetime | None = None) -> Appeal:
    """The dispatcher reviews a return: accept and reassign (改派), or reject and send it back."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.DISPATCHER)
    returned = _current_lead(appeal, LegState.RETURN_PENDING)
    if appeal.state != State.RETURNED or returned is None:
        raise ValidationError(_("This case has no return waiting for a decision."))
    now = at or timezone.now()
    reason = _text(reason, field="reason", label=_("The reason"), required=not accept, max_length=1000)
    designate = appeal.return_count >= _setting("APPEALS_MAX_RETURNS", 3)
    if accept:
        if lead_unit is None:
            raise ValidationError({"lead_unit": _("Choose the unit to reassign the case to.")})
        if lead_unit.pk == returned.unit_id:
            raise ValidationError({"lead_unit": _("Reassign to a different unit than the one that returned it.")})
        returned.state = LegState.RETURNED
        returned.save()
        DispatchLeg.objects.filter(appeal=appeal, state__in=[LegState.PENDING, LegState.SIGNED]).update(
            state=LegState.CANCELLED)
        _dispatch(appeal, actor=actor, lead_unit=lead_unit, assist_units=list(assist_units), note=reason, at=now,
                  action=Action.RETURN_ACCEPT)
    else:
        _transition(appeal, action=Action.RETURN_REJECT, actor=actor, leg=returned, reason=reason, at=now,
                    payload={"designated": designate})
        sign = policy().sign_clock(urgent=appeal.urgent, start=now)
        returned.state = LegState.PENDING
        returned.sign_working_days, returned.sign_hours = sign.working_days, sign.hours
        returned.sign_due_at = sign.due(calendar_current())
        returned.save()
    appeal.designated = designate
    appeal.save()
    return appeal
