"""The one place transitions are checked, locks, who may do what, text and upload checks, clocks."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict
from minsheng.org.choices import Role
from minsheng.org.scope import can, require_role, user_scope
from minsheng.uploads import SNIFFERS, Upload, sniff_content_type  # noqa: F401  (re-exported)

from .. import deadlines
from ..choices import (
    TRANSITIONS,
    Action,
    CloseReason,
    State,
    next_state,
)
from ..models import (
    Appeal,
    AppealEvent,
    Attachment,
    DispatchLeg,
)
from ..rollup import UNCOUNTED_ACTIONS, case_days, local_day, rollup_mark_case
from ..selectors import APPEAL_SCOPE

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone


def _setting(name: str, default):
    return getattr(settings, name, default)


def _transition(appeal: Appeal, *, action: str, actor=None, leg: DispatchLeg | None = None, reason: str = "",
                payload: dict | None = None, at: dt.datetime | None = None, save: bool = True) -> AppealEvent:
    """Move ``appeal`` by ``action`` if the state table allows it, and append the event
    (``save=False``: the event is returned unsaved, for a caller that stores several at once)."""
    _check_allowed(appeal, action)
    from_state = appeal.state
    appeal.state = next_state(appeal.state, action)
    appeal.version += 1
    event = AppealEvent(
        appeal=appeal, leg=leg, unit_id=leg.unit_id if leg else None,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action, from_state=from_state, to_state=appeal.state, reason=reason, payload=payload or {},
        at=at or timezone.now(),
    )
    if save:
        event.save(force_insert=True)
    # The past days the case and its legs counted on when it was locked and count on now, and every day
    # since a change dated in the past: the metrics count them live until the roll-up is refreshed
    # (rollup.py). A new case (intake as it happens) only counts on today and later: nothing to mark.
    if action not in UNCOUNTED_ACTIONS:
        rollup_mark_case(appeal, before=getattr(appeal, "_days_when_locked", ()), since=local_day(event.at))
    return event


def _check_allowed(appeal: Appeal, action: str) -> None:
    """The one check against the state table."""
    if action not in TRANSITIONS.get(appeal.state, {}):
        raise ValidationError(
            _("A case that is “%(state)s” cannot be given the action “%(action)s”.")
            % {"state": State(appeal.state).label, "action": Action(action).label}
        )


def _lock(appeal: Appeal | int, version: int | None = None) -> Appeal:
    """The case row, locked for the rest of the transaction; Conflict if it changed since ``version``."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    locked = Appeal.objects.select_for_update().select_related("category", "region").get(pk=pk)
    if version is not None and locked.version != version:
        raise Conflict(
            _("Someone else changed case %(number)s a moment ago (now: %(state)s). Reload it and decide again.")
            % {"number": locked.number, "state": locked.get_state_display()}
        )
    # The days the case counts on before the service changes it (a due date may move before the
    # transition is written): ``_transition`` marks them dirty for the metrics roll-up.
    locked._days_when_locked = case_days(locked)
    return locked


def _lock_leg(leg: DispatchLeg | int) -> DispatchLeg:
    pk = leg.pk if isinstance(leg, DispatchLeg) else leg
    return DispatchLeg.objects.select_for_update().select_related("unit").get(pk=pk)


def _require_role(actor, *allowed: str) -> None:
    """One of ``allowed`` somewhere: only for actions on no object (the object's own check follows)."""
    require_role(actor, *allowed)


def _require_centre(actor, appeal: Appeal, *allowed: str) -> None:
    """One grant of a centre role in ``allowed`` whose region covers the case (not a role here and a region there)."""
    if actor is None:  # the system itself (tasks, the demo)
        return
    if not user_scope(actor).has_role(*allowed, Role.ADMIN):
        raise PermissionDenied(_("Your role does not allow this action."))
    if not can(actor, action="write", rules=APPEAL_SCOPE, obj=appeal, only_roles=allowed):
        raise PermissionDenied(_("This case is outside your area."))


def _require_unit(actor, leg: DispatchLeg) -> None:
    """A handler or head of the leg's own unit."""
    if actor is None:
        return
    scope = user_scope(actor)
    if scope.is_superuser or leg.unit_id in scope.unit_ids(Role.UNIT_HANDLER, Role.UNIT_HEAD):
        return
    raise PermissionDenied(_("Only the unit this case was dispatched to may do this."))


def _text(value: str, *, field: str, label: str, required: bool = True, max_length: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(label)s is too long (at most %(n)d characters).")
                               % {"label": label, "n": max_length}})
    return value


def _query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


def _check_uploads(uploads: Iterable[Upload]) -> list[tuple[Upload, str, str]]:
    uploads = list(uploads)
    max_files = _setting("APPEALS_ATTACHMENT_MAX_FILES", 5)
    max_bytes = _setting("APPEALS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    if len(uploads) > max_files:
        raise ValidationError({"attachments": _("At most %(n)d attachments.") % {"n": max_files}})
    checked = []
    for upload in uploads:
        if len(upload.data) > max_bytes:
            raise ValidationError({"attachments": _("“%(name)s” is larger than %(mb)d MB.")
                                   % {"name": upload.name, "mb": max_bytes // (1024 * 1024)}})
        if not upload.data:
            raise ValidationError({"attachments": _("“%(name)s” is empty.") % {"name": upload.name}})
        sniffed = sniff_content_type(upload.data[:16])
        if sniffed is None:
            raise ValidationError({"attachments": _("“%(name)s” is not an image (PNG, JPEG, GIF, WebP) or a PDF.")
                                   % {"name": upload.name}})
        checked.append((upload, *sniffed))
    return checked


def _store_uploads(appeal: Appeal, checked, *, purpose: str, actor, leg: DispatchLeg | None = None) -> None:
    attachments = _written_uploads(checked, purpose=purpose, actor=actor, leg=leg)
    for attachment in attachments:
        attachment.appeal = appeal
    Attachment.objects.bulk_create(attachments)


def _written_uploads(checked, *, purpose: str, actor, leg: DispatchLeg | None = None) -> list[Attachment]:
    """The files written to storage, their rows not yet saved (the caller sets the case and inserts them)."""
    attachments = []
    for upload, content_type, extension in checked:
        digest = hashlib.sha256(upload.data).hexdigest()
        attachment = Attachment(leg=leg, purpose=purpose, name=upload.name[:120] or extension,
                                content_type=content_type, size=len(upload.data), sha256=digest,
                                uploaded_by=actor if actor is not None and actor.is_authenticated else None)
        attachment.file.save(f"{digest[:16]}.{extension}", ContentFile(upload.data), save=False)
        attachments.append(attachment)
    return attachments


def _appeal_clock(appeal: Appeal) -> deadlines.Clock:
    return deadlines.Clock(appeal.due_basis_at, working_days=appeal.due_working_days, hours=appeal.due_hours)


def _leg_handle_clock(leg: DispatchLeg) -> deadlines.Clock:
    return deadlines.Clock(leg.handle_basis_at, working_days=leg.handle_working_days, hours=leg.handle_hours)


def _close(appeal: Appeal, *, at: dt.datetime, reason: str) -> None:
    appeal.closed_at = at
    appeal.close_reason = reason
    if at > appeal.due_at and appeal.breached_at is None:
        appeal.breached_at = appeal.due_at
    if appeal.pk is None:  # a case closed as it is registered: nothing is merged into it yet
        return
    children = Appeal.objects.select_for_update().filter(parent=appeal, state=State.MERGED, closed_at__isnull=True)
    for child in children:
        _follow_parent(child, appeal, at=at)


def _follow_parent(child: Appeal, parent: Appeal, *, at: dt.datetime) -> None:
    _transition(child, action=Action.FOLLOW_PARENT, at=at, payload={"parent": parent.number},
                reason=parent.answer)
    child.answer = parent.answer
    child.answered_at = parent.answered_at
    child.closed_at = at
    child.close_reason = CloseReason.MERGED
    child.save()
