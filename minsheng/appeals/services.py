"""Every write to appeals. Each service locks the case, checks the state table once
(``_transition``), changes the rows and appends one event per transition, all in one transaction.

``version`` is the case version the person saw; when someone else acted first it no longer matches
and the loser gets ``Conflict`` instead of overwriting the winner's work.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.identifiers import validate_mobile
from minsheng.org.choices import Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import can, user_scope
from minsheng.workdays.selectors import calendar_current

from . import deadlines, filing
from .choices import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    AttachmentPurpose,
    Channel,
    CloseReason,
    DissatisfiedReason,
    Kind,
    LegRole,
    LegState,
    RequestKind,
    RequestState,
    Satisfaction,
    State,
    SuggestionOutcome,
    SupervisionKind,
    Urgency,
    Warning,
    next_state,
)
from .models import (
    Appeal,
    AppealEvent,
    Attachment,
    Category,
    DispatchCatalogue,
    DispatchLeg,
    IdempotencyKey,
    KnowledgeArticle,
    LeaderInstruction,
    LegRequest,
    SupervisionNotice,
)
from .rollup import UNCOUNTED_ACTIONS, case_days, local_day, rollup_mark, rollup_mark_case
from .selectors import APPEAL_SCOPE, catalogue_route, policy, reference_caches_clear

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- the one place transitions are checked ----------------------------------------------
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


# --- who may do what ---------------------------------------------------------------------
def _require_role(actor, *allowed: str) -> None:
    if actor is None:  # the system itself (tasks, the demo)
        return
    if not user_scope(actor).has_role(*allowed, Role.ADMIN):
        raise PermissionDenied(_("Your role does not allow this action."))


def _require_centre(actor, appeal: Appeal, *allowed: str) -> None:
    """A centre role, and the case within that person's region."""
    _require_role(actor, *allowed)
    if actor is not None and not can(actor, action="write", rules=APPEAL_SCOPE, obj=appeal):
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


# --- attachments ---------------------------------------------------------------------------
SNIFFERS: Sequence[tuple[bytes, int, str, str]] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"WEBP", 8, "image/webp", "webp"),
    (b"%PDF-", 0, "application/pdf", "pdf"),
)


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes of a file, or None when it is not an image or PDF."""
    for magic, offset, content_type, extension in SNIFFERS:
        if head[offset:offset + len(magic)] == magic and (extension != "webp" or head[:4] == b"RIFF"):
            return content_type, extension
    return None


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


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


# --- intake -------------------------------------------------------------------------------
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)


@transaction.atomic
def appeal_register(*, actor, **fields) -> Appeal:
    """受理: register a case, number it, start its clock and, where the catalogue is unambiguous, dispatch it.

    With ``answer_at_intake`` (an inquiry answered on the call) the case is closed at once instead (首呼解决).
    The arguments are those of ``_register``.
    """
    return _register(actor=actor, **fields)


def _register(
    *,
    actor,
    kind: str,
    channel: str,
    category: Category,
    region: Region,
    content: str,
    title: str = "",
    address: str = "",
    lng: float | None = None,
    lat: float | None = None,
    caller_name: str = "",
    caller_mobile: str = "",
    citizen=None,
    anonymous: bool = False,
    urgent: bool = False,
    urgency: str = "",
    attachments: Iterable[Upload] = (),
    at: dt.datetime | None = None,
    auto_dispatch: bool | None = None,
    answer_at_intake: str = "",
    article: KnowledgeArticle | None = None,
    idempotency: tuple[IdempotencyKey, object] | None = None,
) -> Appeal:
    """The body of ``appeal_register``, run inside the caller's transaction (no savepoint of its own:
    an invalid intake raises before anything is written, a failing write rolls back the whole intake).
    ``idempotency``: the Idempotency-Key row to file with the case, and how to render its receipt."""
    errors: dict[str, str] = {}
    if actor is not None:
        scope = user_scope(actor)
        if not scope.has_role(Role.CALL_AGENT, Role.DISPATCHER, Role.ADMIN, Role.CITIZEN, Role.ENTERPRISE):
            raise PermissionDenied(_("Your role does not allow registering cases."))
        if not scope.has_role(Role.CALL_AGENT, Role.DISPATCHER, Role.ADMIN):
            citizen = actor  # a citizen raises a case for themself, on their own account
    if kind not in Kind.values:
        errors["kind"] = _("Choose the kind of appeal.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose the channel.")
    if category is None or not category.is_active or category.level != 3:
        errors["category"] = _("Choose a category at the third (most detailed) level.")
    if region is None:
        errors["region"] = _("Choose the place.")
    content = (content or "").strip()
    if len(content) < 5:
        errors["content"] = _("Describe the appeal in at least 5 characters.")
    elif len(content) > 5000:
        errors["content"] = _("The description is too long (at most 5000 characters).")
    caller_mobile = (caller_mobile or "").strip()
    if caller_mobile:
        try:
            validate_mobile(caller_mobile)
        except ValidationError as exc:
            errors["caller_mobile"] = exc.messages[0]
    elif not anonymous and citizen is None:
        errors["caller_mobile"] = _("A mobile number is needed to call back (or mark the appeal anonymous).")
    if urgent and urgency not in Urgency.values:
        errors["urgency"] = _("An urgent appeal needs its reason: safety, water, power or gas.")
    if not urgent and urgency:
        errors["urgency"] = _("A reason for urgency was given but the appeal is not marked urgent.")
    if (lng is None) != (lat is None):
        errors["lng"] = _("Give both longitude and latitude, or neither.")
    elif lng is not None and not (CHINA_BOUNDS[0] <= lng <= CHINA_BOUNDS[2]
                                  and CHINA_BOUNDS[1] <= lat <= CHINA_BOUNDS[3]):
        errors["lng"] = _("The map point is outside China.")
    if len(address) > 200:
        errors["address"] = _("The address is too long (at most 200 characters).")
    if len(caller_name) > 50:
        errors["caller_name"] = _("The name is too long (at most 50 characters).")
    if (answer_at_intake or article) and kind != Kind.INQUIRY:
        errors["answer_now"] = _("Only an inquiry can be answered at first contact.")
    if errors:
        raise ValidationError(errors)
    checked = _check_uploads(attachments)

    now = at or timezone.now()
    clock = policy().handling_clock(kind=kind, urgent=urgent, start=now)
    answering = bool(answer_at_intake or article)
    if auto_dispatch is None:
        auto_dispatch = _setting("APPEALS_AUTO_DISPATCH", True)
    route = None
    if auto_dispatch and not answering and kind != Kind.INQUIRY:
        route = catalogue_route(category=category, region=region)
        if route is not None:
            _check_units(*route)
    registered_by = actor if actor is not None and actor.is_authenticated else None
    calendar = calendar_current()
    appeal = Appeal(
        query_code=_query_code(), kind=kind, channel=channel, category=category,
        region=region, address=address.strip(), lng=lng, lat=lat, content=content,
        title=(title or "").strip()[:120] or content.replace("\n", " ")[:30],
        caller_name="" if anonymous else caller_name.strip(), caller_mobile=caller_mobile, citizen=citizen,
        anonymous=anonymous, urgent=urgent, urgency=urgency if urgent else "", state=State.REGISTERED,
        registered_by=registered_by, registered_at=now, due_basis_at=now, due_working_days=clock.working_days,
        due_hours=clock.hours, due_at=clock.due(calendar),
    )
    # Every row is prepared before the case is numbered: from the number on, the day's counter stays
    # locked until the commit and other intakes wait for it (filing.py).
    events = [AppealEvent(appeal=appeal, actor=registered_by, action=Action.REGISTER, from_state="",
                          to_state=State.REGISTERED, at=now,
                          payload={"channel": channel, "kind": kind, "due_at": appeal.due_at.isoformat(),
                                   "due_provisional": clock.is_provisional(calendar)})]
    legs: list[DispatchLeg] = []
    if route is not None:
        lead_unit, assist_units = route
        legs = _legs(appeal, lead_unit=lead_unit, assist_units=assist_units, actor=None, at=now)
        events.append(_transition(appeal, action=Action.DISPATCH, leg=legs[0], at=now, save=False,
                                  reason=_("Dispatched automatically from the catalogue."),
                                  payload={"lead": lead_unit.pk, "assists": [u.pk for u in assist_units],
                                           "auto": True}))
        appeal.lead_unit, appeal.dispatched_at = lead_unit, now
    if answering:
        events.append(_answer_at_intake(appeal, actor=actor, answer=answer_at_intake, article=article, at=now,
                                        save=False))
    attachments = _written_uploads(checked, purpose=AttachmentPurpose.INTAKE, actor=actor)
    key, render = idempotency or (None, None)
    filing.case_file(appeal, day=timezone.localtime(now).date(), legs=legs, events=events, key=key, render=render)
    if attachments:
        for attachment in attachments:
            attachment.appeal = appeal
        Attachment.objects.bulk_create(attachments)
    return appeal


@transaction.atomic
def appeal_close_at_intake(*, actor, appeal: Appeal, answer: str, article: KnowledgeArticle | None = None,
                           version: int | None = None, at: dt.datetime | None = None) -> Appeal:
    """首呼解决: an inquiry answered on the call from the knowledge base, closed without dispatch."""
    appeal = _lock(appeal, version)
    _require_centre(actor, appeal, Role.CALL_AGENT, Role.DISPATCHER)
    _answer_at_intake(appeal, actor=actor, answer=answer, article=article, at=at or timezone.now())
    return appeal


def _answer_at_intake(appeal: Appeal, *, actor, answer: str, article: KnowledgeArticle | None,
                      at: dt.datetime, save: bool = True) -> AppealEvent:
    """Close an inquiry with the answer given on the call. ``save=False``: a case being registered,
    whose row (and this event) the caller inserts."""
    if appeal.kind != Kind.INQUIRY:
        raise ValidationError(_("Only an inquiry can be answered at first contact."))
    answer = _text(answer or (article.body if article else ""), field="answer_now", label=_("The answer"))
    event = _transition(appeal, action=Action.CLOSE_AT_INTAKE, actor=actor, at=at, save=save,
                        payload={"article": article.pk if article else None})
    appeal.answer = answer
    appeal.knowledge_article = article
    appeal.answered_at = at
    _close(appeal, at=at, reason=CloseReason.AT_INTAKE)
    if save:
        appeal.save()
    if article is not None:
        KnowledgeArticle.objects.filter(pk=article.pk).update(used_count=F("used_count") + 1)
    return event


# --- dispatch --------------------------------------------------------------------------------
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


# --- handling -------------------------------------------------------------------------------
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


# --- extensions and suspensions ----------------------------------------------------------------
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


def _appeal_clock(appeal: Appeal) -> deadlines.Clock:
    return deadlines.Clock(appeal.due_basis_at, working_days=appeal.due_working_days, hours=appeal.due_hours)


def _leg_handle_clock(leg: DispatchLeg) -> deadlines.Clock:
    return deadlines.Clock(leg.handle_basis_at, working_days=leg.handle_working_days, hours=leg.handle_hours)


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


# --- callback, redo, closing ------------------------------------------------------------------
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


# --- supervision and instructions ----------------------------------------------------------------
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
    if not can(actor, action="read", rules=APPEAL_SCOPE, obj=appeal):
        raise PermissionDenied(_("This case is outside your area."))
    appeal = _lock(appeal)
    text = _text(text, field="text", label=_("The instruction"), max_length=2000)
    now = at or timezone.now()
    _transition(appeal, action=Action.INSTRUCT, actor=actor, reason=text, at=now)
    appeal.save()
    return LeaderInstruction.objects.create(appeal=appeal, leader=actor, text=text, at=now)


# --- deadlines over time ---------------------------------------------------------------------
def deadlines_mark(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Record yellow warnings and breaches of open cases (the periodic task calls this).

    A breach is stored once, at the due time it passed, and never erased (extensions included).
    """
    now = now or timezone.now()
    calendar = calendar_current()
    rules = policy()
    counts = {"breached": 0, "warned": 0}
    running = Appeal.objects.filter(state__in=OPEN_STATES - {State.SUSPENDED})
    for pk in running.filter(breached_at__isnull=True, due_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            appeal = _lock(pk)
            if appeal.breached_at is None and appeal.due_at < now and appeal.state in OPEN_STATES:
                appeal.breached_at = appeal.due_at
                _transition(appeal, action=Action.BREACH, at=now, payload={
                    "due_at": appeal.due_at.isoformat(),
                    "provisional": deadlines.due_is_provisional(calendar, basis=appeal.due_basis_at,
                                                                due=appeal.due_at,
                                                                working_days=appeal.due_working_days)})
                appeal.save()
                counts["breached"] += 1
    horizon = now + dt.timedelta(days=7)
    for appeal in running.filter(warned_at__isnull=True, breached_at__isnull=True, due_at__gte=now,
                                 due_at__lte=horizon).only("pk", "due_at", "due_hours"):
        level = deadlines.warning_level(calendar, due=appeal.due_at, now=now, hours_based=appeal.due_hours is not None,
                                        urgent_yellow_hours=rules.urgent_yellow_hours)
        if level != "yellow":
            continue
        with transaction.atomic():
            locked = _lock(appeal.pk)
            if locked.warned_at is None:
                locked.warned_at = now
                _transition(locked, action=Action.WARN, at=now, payload={"due_at": locked.due_at.isoformat()})
                locked.save()
                counts["warned"] += 1
    DispatchLeg.objects.filter(state=LegState.SIGNED, handle_breached_at__isnull=True, handle_due_at__lt=now,
                               suspended_at__isnull=True).update(handle_breached_at=F("handle_due_at"))
    return counts


@dataclass
class RecomputeResult:
    """What a recompute after a calendar change did: cases and legs moved, and those that failed."""

    cases: int = 0
    legs: int = 0
    failures: list[str] = field(default_factory=list)


def _breached_on_provisional(appeal: Appeal) -> bool:
    event = appeal.events.filter(action=Action.BREACH).order_by("-at", "-id").first()
    return bool(event and event.payload.get("provisional"))


def _recompute_case(pk: int, calendar, *, now: dt.datetime, years: list[int]) -> bool:
    """One case's clock on the new calendar, in its own transaction. A warning or breach recorded on a
    provisional due date that the official schedule moved past ``now`` is withdrawn (and said so)."""
    with transaction.atomic():
        appeal = _lock(pk)
        if appeal.state not in OPEN_STATES or appeal.state == State.SUSPENDED or appeal.due_working_days is None:
            return False
        old, old_provisional = appeal.due_at, _stored_provisional(appeal)
        due = _appeal_clock(appeal).due(calendar)
        provisional = deadlines.due_is_provisional(calendar, basis=appeal.due_basis_at, due=due,
                                                   working_days=appeal.due_working_days)
        if due == old and provisional == old_provisional:
            return False
        payload = {"from": old.isoformat(), "to": due.isoformat(), "years": years,
                   "provisional_before": old_provisional, "provisional": provisional}
        if appeal.breached_at is not None and due > now and _breached_on_provisional(appeal):
            appeal.breached_at = None
            payload["breach_withdrawn"] = True
        if appeal.warned_at is not None and due > old and deadlines.warning_level(
                calendar, due=due, now=now, hours_based=False) == Warning.GREEN:
            appeal.warned_at = None
            payload["warning_withdrawn"] = True
        rollup_mark([local_day(old)])  # the new due day is marked by the transition
        appeal.due_at = due
        _transition(appeal, action=Action.RECOMPUTE, at=now, payload=payload)
        appeal.save()
        return True


def _stored_provisional(appeal: Appeal) -> bool:
    """Whether the due date stored on the case was provisional when last computed (its latest event says)."""
    event = (appeal.events.filter(action__in=[Action.RECOMPUTE, Action.REGISTER]).order_by("-at", "-id")
             .values_list("payload", flat=True).first())
    return bool(event and event.get("provisional", event.get("due_provisional")))


def _recompute_leg(pk: int, calendar) -> bool:
    with transaction.atomic():
        leg = DispatchLeg.objects.select_for_update().get(pk=pk)
        if leg.state not in (LegState.PENDING, LegState.SIGNED) or leg.suspended_at is not None:
            return False
        fields = []
        if leg.handle_working_days is not None:
            due = _leg_handle_clock(leg).due(calendar)
            if due != leg.handle_due_at:
                leg.handle_due_at = due
                fields.append("handle_due_at")
        if leg.state == LegState.PENDING and leg.sign_working_days is not None:
            due = deadlines.Clock(leg.dispatched_at, working_days=leg.sign_working_days).due(calendar)
            if due != leg.sign_due_at:
                rollup_mark([local_day(leg.sign_due_at), local_day(due)])  # no transition for a leg's clock
                leg.sign_due_at = due
                fields.append("sign_due_at")
        if fields:
            leg.save(update_fields=fields)
        return bool(fields)


def deadlines_recompute(*, years: Iterable[int] | None = None, now: dt.datetime | None = None) -> RecomputeResult:
    """After a calendar change: recompute every running working-day clock from its start and length, case
    by case and leg by leg, each in its own transaction: one that fails is listed and never undoes the
    others. The case's trail records the move and whether the date is still provisional."""
    calendar = calendar_current(fresh=True)
    now = now or timezone.now()
    years = sorted(years or [])
    result = RecomputeResult()
    running = Appeal.objects.filter(state__in=OPEN_STATES - {State.SUSPENDED}, due_working_days__isnull=False)
    for pk, number in running.order_by("pk").values_list("pk", "number"):
        try:
            result.cases += _recompute_case(pk, calendar, now=now, years=years)
        except Exception as exc:  # one case's failure is reported, never silent, never fatal to the others
            result.failures.append(f"{number}: {exc}")
    legs = DispatchLeg.objects.filter(state__in=[LegState.PENDING, LegState.SIGNED], suspended_at__isnull=True)
    for pk, number in legs.order_by("pk").values_list("pk", "appeal__number"):
        try:
            result.legs += _recompute_leg(pk, calendar)
        except Exception as exc:
            result.failures.append(f"{number} ({_('dispatch leg')} {pk}): {exc}")
    audit_record(actor=None, action="appeals.deadlines_recompute",
                 summary={"years": years, "cases": result.cases, "legs": result.legs, "failures": result.failures})
    return result


# --- catalogue and knowledge base ------------------------------------------------------------------
def _pinyin(text: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text)).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return full[:400], initials[:60]


@transaction.atomic
def category_create(*, code: str, name: str, parent: Category | None = None) -> Category:
    level = 1 if parent is None else parent.level + 1
    if level > 3:
        raise ValidationError({"parent": _("The taxonomy has three levels.")})
    name = _text(name, field="name", label=_("The name"), max_length=60)
    full_name = name if parent is None else f"{parent.full_name} > {name}"
    pinyin, initials = _pinyin(full_name.replace(" > ", ""))
    category = Category(code=code.strip(), name=name, parent=parent, level=level, full_name=full_name,
                        pinyin=pinyin, initials=initials)
    category.full_clean()
    category.save()
    reference_caches_clear()
    return category


@transaction.atomic
def catalogue_set(*, actor, category: Category, region: Region | None, lead_unit: Unit,
                  assist_units: Sequence[Unit] = (), note: str = "") -> DispatchCatalogue:
    """Add or change the catalogue entry for a category in a region (no region: the whole city)."""
    _require_role(actor, Role.DISPATCHER)
    _check_units(lead_unit, list(assist_units))
    entry, _created = DispatchCatalogue.objects.update_or_create(
        category=category, region=region, lead_unit=lead_unit, defaults={"note": note.strip()[:200]})
    entry.assist_units.set(assist_units)
    reference_caches_clear()
    return entry


@transaction.atomic
def catalogue_remove(*, actor, entry: DispatchCatalogue) -> None:
    _require_role(actor, Role.DISPATCHER)
    entry.delete()
    reference_caches_clear()


@transaction.atomic
def knowledge_save(*, actor, title: str, body: str, category: Category | None = None, keywords: str = "",
                   article: KnowledgeArticle | None = None) -> KnowledgeArticle:
    _require_role(actor, Role.CALL_AGENT, Role.DISPATCHER)
    article = article or KnowledgeArticle()
    article.title = _text(title, field="title", label=_("The title"), max_length=120)
    article.body = _text(body, field="body", label=_("The answer"), max_length=5000)
    article.category = category
    article.keywords = keywords.strip()[:200]
    article.pinyin = _pinyin(f"{article.title}{article.keywords}")[0][:600]
    article.save()
    return article


# --- idempotent intake (API) -----------------------------------------------------------------------
def request_fingerprint(body: bytes | str) -> str:
    data = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()


def _stored_answer(*, actor, key: str, scope: str, fingerprint: str) -> tuple[int, dict] | None:
    """The answer given the first time this key was used, or None; Conflict for another body.

    Plain SQL: every API intake asks this first, and the ORM took five times longer to build the
    query than the database to answer it."""
    q, meta = connection.ops.quote_name, IdempotencyKey._meta
    column = {name: q(meta.get_field(name).column) for name in ("user", "scope", "key", "request_hash",
                                                                   "status_code", "response")}
    sql = (f"SELECT {column['request_hash']}, {column['status_code']}, {column['response']} "
           f"FROM {q(meta.db_table)} WHERE {column['user']} = %s AND {column['scope']} = %s AND {column['key']} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.pk, scope, key])
        row = cursor.fetchone()
    if row is None:
        return None
    request_hash, status_code, response = row
    if request_hash != fingerprint:
        raise Conflict(_("This Idempotency-Key was already used for a different request."))
    return status_code, meta.get_field("response").from_db_value(response, None, connection)


def appeal_register_idempotent(*, actor, key: str, scope: str, fingerprint: str, register: dict,
                               render) -> tuple[int, dict]:
    """Register once per Idempotency-Key: a retry with the same body returns the first answer;
    the same key with another body is refused.

    The key's row is filed with the case, in the same transaction (filing.py). A retry racing the
    first attempt registers too, finds the key taken when it files, and is rolled back whole (its
    case number included, so numbers stay gap-free) before answering with the first receipt."""
    key = key.strip()
    if not key or len(key) > 100:
        raise ValidationError({"Idempotency-Key": _("The Idempotency-Key must be 1 to 100 characters.")})
    stored = _stored_answer(actor=actor, key=key, scope=scope, fingerprint=fingerprint)
    if stored is not None:
        return stored
    row = IdempotencyKey(user=actor, key=key, scope=scope, request_hash=fingerprint, status_code=201)
    try:
        with transaction.atomic():
            _register(actor=actor, idempotency=(row, render), **register)
    except filing.KeyTaken:
        stored = _stored_answer(actor=actor, key=key, scope=scope, fingerprint=fingerprint)
        if stored is None:  # the other attempt's row is gone again (deleted meanwhile): let the client retry
            raise Conflict(_("Another request with this Idempotency-Key is in progress; try again.")) from None
        return stored
    return 201, row.response
