"""Intake (受理): register a case (on a page, the API or Open311), answer an inquiry at first contact,
and the idempotent API intake."""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict
from minsheng.identifiers import validate_mobile
from minsheng.org.choices import Role
from minsheng.org.models import Region
from minsheng.org.scope import grants_reaching_region, user_scope
from minsheng.workdays.selectors import calendar_current

from .. import filing
from ..choices import (
    Action,
    AttachmentPurpose,
    Channel,
    CloseReason,
    Kind,
    State,
    Urgency,
)
from ..models import (
    Appeal,
    AppealEvent,
    Attachment,
    Category,
    DispatchLeg,
    IdempotencyKey,
    KnowledgeArticle,
)
from ..selectors import catalogue_route, policy
from .core import (
    Upload,
    _check_uploads,
    _close,
    _lock,
    _query_code,
    _require_centre,
    _setting,
    _text,
    _transition,
    _written_uploads,
)
from .dispatch import _check_units, _legs

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
            # A citizen raises a case for themself, on their own account, through a public channel: the
            # caller is the account, and urgency is the centre's call (it sets a 24-hour clock).
            citizen = actor
            errors.update(_citizen_intake_problems(actor, channel=channel, caller_name=caller_name,
                                                   caller_mobile=caller_mobile, urgent=urgent, urgency=urgency))
            caller_name, caller_mobile = actor.display_name, actor.mobile
        elif region is not None and not grants_reaching_region(
                actor, region=region, only_roles=(Role.CALL_AGENT, Role.DISPATCHER)):
            raise PermissionDenied(_("This place is outside your area."))
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


# The channels a citizen reaches the platform through by themself; the others are the centre's.
CITIZEN_CHANNELS = (Channel.WEB, Channel.WECHAT, Channel.APP)


def _citizen_intake_problems(actor, *, channel: str, caller_name: str, caller_mobile: str, urgent: bool,
                             urgency: str) -> dict[str, str]:
    problems = {}
    if channel not in CITIZEN_CHANNELS:
        problems["channel"] = _("A citizen raises an appeal through the website, WeChat or the app only.")
    if (caller_name or "").strip() not in ("", actor.display_name):
        problems["caller_name"] = _("The caller is the account holder; the name comes from the account.")
    if (caller_mobile or "").strip() not in ("", actor.mobile):
        problems["caller_mobile"] = _("The caller is the account holder; the mobile comes from the account.")
    if urgent or urgency:
        problems["urgent"] = _("The centre decides whether an appeal is urgent.")
    return problems


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
