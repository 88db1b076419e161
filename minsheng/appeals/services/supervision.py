"""Supervision (督办/催办) and leaders' instructions."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict
from minsheng.org.choices import Role
from minsheng.org.models import Unit
from minsheng.org.scope import can, user_scope

from ..choices import (
    FINAL_STATES,
    Action,
    SupervisionKind,
)
from ..models import (
    Appeal,
    AppealEvent,
    LeaderInstruction,
    SupervisionNotice,
)
from ..selectors import APPEAL_SCOPE
from .core import _lock, _require_centre, _text, _transition


@transaction.atomic
def supervision_issue(*, actor, appeal: Appeal, kind: str, instructions: str, unit: Unit | None = None,
                      at: dt.datetime | None = None) -> SupervisionNotice:
    """催办 / 督办: a notice to the lead unit (or a named unit) that it must acknowledge."""
    appeal = _lock(appeal)
    _require_centre(actor, appeal, Role.SUPERVISOR)
    if kind not in SupervisionKind.values:
        raise ValidationError({"kind": _("Choose urge or supervise.")})
    if appeal.state in FINAL_STATES:
        raise ValidationError(_("A closed case cannot be urged or supervised."))
    unit = unit or appeal.lead_unit
    if unit is None:
        raise ValidationError(_("The case has not been dispatched to a unit yet."))
    instructions = _text(instructions, field="instructions", label=_("The instructions"), max_length=2000)
    now = at or timezone.now()
    _transition(appeal, action=Action.URGE if kind == SupervisionKind.URGE else Action.SUPERVISE, actor=actor,
                reason=instructions, at=now, payload={"unit": unit.pk})
    appeal.save()
    return SupervisionNotice.objects.create(appeal=appeal, unit=unit, kind=kind, instructions=instructions,
                                            issued_by=actor, issued_at=now)


@transaction.atomic
def supervision_acknowledge(*, actor, notice: SupervisionNotice, at: dt.datetime | None = None) -> SupervisionNotice:
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if actor is not None:
        scope = user_scope(actor)
        if not scope.is_superuser and notice.unit_id not in scope.unit_ids(Role.UNIT_HANDLER, Role.UNIT_HEAD):
            raise PermissionDenied(_("Only the unit the notice is addressed to can acknowledge it."))
    if notice.acknowledged_at is not None:
        raise Conflict(_("This notice was already acknowledged."))
    appeal = _lock(notice.appeal_id)
    now = at or timezone.now()
    notice.acknowledged_at = now
    notice.acknowledged_by = actor
    notice.save()
    AppealEvent.objects.create(appeal=appeal, unit_id=notice.unit_id, actor=actor, action=Action.SUPERVISION_ACK,
                               from_state=appeal.state, to_state=appeal.state, payload={"notice": notice.pk}, at=now)
    return notice


@transaction.atomic
def leader_instruct(*, actor, appeal: Appeal, text: str, at: dt.datetime | None = None) -> LeaderInstruction:
    """批示: a leader's instruction on any case within their reach (leaders write nothing else)."""
    scope = user_scope(actor)
    if not scope.has_role(Role.LEADER, Role.ADMIN):
        raise PermissionDenied(_("Only a leader gives instructions."))
    if not can(actor, action="read", rules=APPEAL_SCOPE, obj=appeal, only_roles=[Role.LEADER]):
        raise PermissionDenied(_("This case is outside your area."))
    appeal = _lock(appeal)
    text = _text(text, field="text", label=_("The instruction"), max_length=2000)
    now = at or timezone.now()
    _transition(appeal, action=Action.INSTRUCT, actor=actor, reason=text, at=now)
    appeal.save()
    return LeaderInstruction.objects.create(appeal=appeal, leader=actor, text=text, at=now)
