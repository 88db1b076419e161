"""The appeals API at /api/appeals/ and Open311 GeoReport v2 at /api/open311/v2/.

Endpoints are thin: parse, look the objects up through scoped selectors, call one service, render.
Errors (422 invalid, 403, 404, 409 conflict) are answered centrally in ``minsheng.config.api``.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from minsheng.audit.personal_data import mask_mobile
from minsheng.org.choices import Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import user_scope

from . import disclosure, selectors, services
from .api_metrics import metrics_router
from .choices import PROVISIONAL_DUE_NOTE, Channel, State
from .models import Appeal, Category, LegRequest, SupervisionNotice
from .open311 import router as open311_router
from .schemas import (
    AppealDetailOut,
    AppealOut,
    CallbackIn,
    CategoryOut,
    CloseAtIntakeIn,
    DecisionIn,
    DispatchIn,
    ExtensionIn,
    IntakeIn,
    LegHistoryOut,
    LegOut,
    MergeIn,
    MessageOut,
    PublicAppealOut,
    ReceiptOut,
    ReturnDecisionIn,
    ReturnIn,
    ReviewIn,
    SuggestionCloseIn,
    SuggestionOut,
    SupervisionIn,
    TextIn,
)

router = Router(tags=["appeals"])
ROUTERS = [("/open311/v2/", open311_router), ("/appeals/metrics/", metrics_router)]


# --- rendering -------------------------------------------------------------------------------
def receipt(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk, "number": appeal.number, "query_code": appeal.query_code, "state": appeal.state,
        "kind": appeal.kind, "registered_at": appeal.registered_at.isoformat(), "due_at": appeal.due_at.isoformat(),
        **due_note(appeal), "lead_unit": appeal.lead_unit.name if appeal.lead_unit_id else None,
    }


def leg_out(leg) -> dict:
    return {
        "id": leg.pk, "unit": leg.unit.name, "unit_code": leg.unit.code, "role": leg.role, "state": leg.state,
        "dispatched_at": leg.dispatched_at, "sign_due_at": leg.sign_due_at, "handle_due_at": leg.handle_due_at,
        "signed_at": leg.signed_at, "answered_at": leg.answered_at, "returned_at": leg.returned_at,
        "return_reason": leg.return_reason, "input_text": leg.input_text, "sign_breached": leg.sign_breached,
        "handle_breached_at": leg.handle_breached_at, "handle_due_provisional": selectors.leg_due_provisional(leg),
    }


def event_out(event, *, public: bool = False) -> dict:
    return {
        "action": event.action, "from_state": event.from_state, "to_state": event.to_state,
        "reason": "" if public else event.reason, "at": event.at,
        "unit": event.unit.name if event.unit_id and event.unit else None,
        "actor": None if public or not event.actor_id or not event.actor else str(event.actor),
    }


def due_note(appeal: Appeal) -> dict:
    """``due_provisional`` and, when it is, the note the citizen and the units read beside the date."""
    provisional = selectors.due_provisional(appeal)
    return {"due_provisional": provisional, "due_note": str(PROVISIONAL_DUE_NOTE) if provisional else ""}


def appeal_out(appeal: Appeal, *, detail: bool = False) -> dict:
    data = {
        "id": appeal.pk, "number": appeal.number, "kind": appeal.kind, "channel": appeal.channel,
        "category": appeal.category.full_name, "category_code": appeal.category.code,
        "region": appeal.region.name, "region_code": appeal.region.code, "address": appeal.address,
        "title": appeal.title, "content": appeal.content, "caller_name": appeal.caller_name,
        "caller_mobile": mask_mobile(appeal.caller_mobile) if appeal.caller_mobile else "",
        "urgent": appeal.urgent, "urgency": appeal.urgency, "state": appeal.state, "version": appeal.version,
        "registered_at": appeal.registered_at, "due_at": appeal.due_at, **due_note(appeal),
        "closed_at": appeal.closed_at, "breached_at": appeal.breached_at, "warning": selectors.warning_for(appeal),
        "lead_unit": appeal.lead_unit.name if appeal.lead_unit_id else None, "return_count": appeal.return_count,
        "designated": appeal.designated, "answer": appeal.answer, "satisfaction": appeal.satisfaction,
        "resolved": appeal.resolved, "parent": appeal.parent.number if appeal.parent_id else None,
        "suggestion_outcome": appeal.suggestion_outcome,
    }
    if detail:
        data["legs"] = [leg_out(leg) for leg in selectors.appeal_legs(appeal=appeal)]
        data["events"] = [event_out(e) for e in selectors.appeal_timeline(appeal=appeal)]
    return data


# --- lookups that turn codes into objects (422 for an unknown code) --------------------------
def _category(code: str) -> Category | None:
    return selectors.category_by_code(code)


def _region(code: str) -> Region | None:
    return selectors.region_by_code(code)


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({field: _("Unknown unit “%(code)s”.") % {"code": code}})
    return unit


def _units(codes: list[str], field: str) -> list[Unit]:
    return [_unit(code, field) for code in codes]


# Intake fields that only centre staff (call agents, dispatchers) may set.
CENTRE_ONLY_INTAKE_FIELDS = frozenset({"channel", "caller_name", "caller_mobile", "urgent", "urgency"})


def _intake_args(payload: IntakeIn) -> dict:
    category, region = _category(payload.category), _region(payload.region)
    errors = {}
    if category is None:
        errors["category"] = _("Unknown category “%(code)s”.") % {"code": payload.category}
    if region is None:
        errors["region"] = _("Unknown region “%(code)s”.") % {"code": payload.region}
    if errors:
        raise ValidationError(errors)
    return {
        "kind": payload.kind, "channel": payload.channel, "category": category, "region": region,
        "content": payload.content, "title": payload.title, "address": payload.address, "lng": payload.lng,
        "lat": payload.lat, "caller_name": payload.caller_name, "caller_mobile": payload.caller_mobile,
        "anonymous": payload.anonymous, "urgent": payload.urgent, "urgency": payload.urgency,
    }


# --- intake -------------------------------------------------------------------------------------
@router.post("/", response={200: ReceiptOut, 201: ReceiptOut}, summary="Register an appeal (受理)")
def intake(request, payload: IntakeIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Register a case. With an ``Idempotency-Key`` header a retry returns the first receipt (200)."""
    args = _intake_args(payload)
    if not user_scope(request.user).has_role(Role.CALL_AGENT, Role.DISPATCHER, Role.ADMIN):
        # A citizen's channel and caller come from how and who they are; sending them is refused (422),
        # not silently replaced, so a client learns at once that it cannot set them.
        refused = sorted(CENTRE_ONLY_INTAKE_FIELDS & payload.model_fields_set)
        if refused:
            raise ValidationError({field: _("Only the call centre sets this field; as a citizen leave it out.")
                                   for field in refused})
        args.update(channel=Channel.APP, caller_name="", caller_mobile="", urgent=False, urgency="")
    if idempotency_key is None:
        appeal = services.appeal_register(actor=request.user, **args)
        return Status(201, receipt(appeal))
    status, body = services.appeal_register_idempotent(
        actor=request.user, key=idempotency_key, scope="appeals.intake",
        fingerprint=services.request_fingerprint(request.body), register=args, render=receipt)
    return Status(status, body)


@router.get("/", response=list[AppealOut], summary="Cases you may see")
def appeal_list(request, state: str | None = None, kind: str | None = None, q: str = "", limit: int = 50):
    appeals = selectors.appeal_list(user=request.user, state=state, kind=kind, search=q, limit=min(max(limit, 1), 200))
    return [appeal_out(a) for a in appeals]


@router.get("/follow", response=PublicAppealOut, auth=None, summary="Follow a case by its query code (no login)")
def follow(request, number: str, code: str):
    appeal = selectors.appeal_by_query_code(number=number, query_code=code)
    return {
        "number": appeal.number, "kind": appeal.kind, "category": appeal.category.full_name, "state": appeal.state,
        "state_label": str(State(appeal.state).label), "registered_at": appeal.registered_at,
        "due_at": appeal.due_at, **due_note(appeal), "closed_at": appeal.closed_at,
        "answer": disclosure.public_text(appeal.answer)
        if appeal.state in (State.CALLBACK, State.CLOSED, State.MERGED) else "",
        "events": [event_out(e, public=True) for e in selectors.public_timeline(appeal=appeal)],
    }


@router.get("/categories", response=list[CategoryOut], summary="Search categories (Chinese, pinyin, initials)")
def categories(request, q: str = ""):
    return selectors.category_search(query=q)


@router.get("/catalogue/suggest", response=SuggestionOut | None, summary="The catalogue's suggested unit")
def catalogue_suggest(request, category: str, region: str):
    cat, reg = _category(category), _region(region)
    if cat is None or reg is None:
        return None
    matches = selectors.catalogue_match(category=cat, region=reg)
    if not matches:
        return None
    entry = matches[0]
    return {"lead_unit": entry.lead_unit.name, "lead_unit_code": entry.lead_unit.code,
            "assist_units": [u.code for u in entry.assist_units.all()],
            "unambiguous": len({m.lead_unit_id for m in matches}) == 1}


# --- queues -------------------------------------------------------------------------------------
@router.get("/queues/dispatch", response=list[AppealOut], summary="Cases awaiting dispatch or a return decision")
def queue_dispatch(request):
    queue = selectors.dispatch_queue(user=request.user)
    return [appeal_out(a) for a in queue["registered"] + queue["returned"]]


@router.get("/queues/review", response=list[AppealOut], summary="Answers awaiting review")
def queue_review(request):
    return [appeal_out(a) for a in selectors.review_queue(user=request.user)]


@router.get("/queues/callback", response=list[AppealOut], summary="Cases awaiting callback")
def queue_callback(request):
    return [appeal_out(a) for a in selectors.callback_queue(user=request.user)]


@router.get("/queues/unit", response=list[LegOut], summary="Your unit's open dispatch legs")
def queue_unit(request):
    return [leg_out(leg) for leg in selectors.unit_inbox(user=request.user)]


@router.get("/legs/{leg_id}/history", response=LegHistoryOut, summary="One leg of a case, for its unit")
def leg_history(request, leg_id: int):
    """A unit's own leg and its events, also after its return was approved and the case reassigned."""
    leg, events = selectors.leg_history(user=request.user, pk=leg_id)
    return {"number": leg.appeal.number, "category": leg.appeal.category.full_name, "leg": leg_out(leg),
            "events": [event_out(e) for e in events]}


# --- one case -------------------------------------------------------------------------------------
@router.get("/{number}", response=AppealDetailOut, summary="A case with its legs and its event log")
def appeal_detail(request, number: str):
    return appeal_out(selectors.appeal_get(user=request.user, number=number), detail=True)


def _appeal(request, number: str) -> Appeal:
    return selectors.appeal_get(user=request.user, number=number)


@router.post("/{number}/close-at-intake", response=AppealOut, summary="首呼解决")
def close_at_intake(request, number: str, payload: CloseAtIntakeIn):
    from .models import KnowledgeArticle

    article = get_object_or_404(KnowledgeArticle, pk=payload.article) if payload.article else None
    appeal = services.appeal_close_at_intake(actor=request.user, appeal=_appeal(request, number),
                                             answer=payload.answer, article=article, version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/dispatch", response=AppealOut, summary="派单")
def dispatch(request, number: str, payload: DispatchIn):
    appeal = services.appeal_dispatch(actor=request.user, appeal=_appeal(request, number),
                                      lead_unit=_unit(payload.lead_unit, "lead_unit"),
                                      assist_units=_units(payload.assist_units, "assist_units"),
                                      note=payload.note, version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/return-decision", response=AppealOut, summary="Accept (reassign) or reject a return")
def return_decision(request, number: str, payload: ReturnDecisionIn):
    lead = _unit(payload.lead_unit, "lead_unit") if payload.lead_unit else None
    appeal = services.return_decide(actor=request.user, appeal=_appeal(request, number), accept=payload.accept,
                                    reason=payload.reason, lead_unit=lead,
                                    assist_units=_units(payload.assist_units, "assist_units"),
                                    version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/review", response=AppealOut, summary="Pass an answer or send it back")
def review(request, number: str, payload: ReviewIn):
    appeal = services.answer_review(actor=request.user, appeal=_appeal(request, number), passed=payload.passed,
                                    reason=payload.reason, version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/callback", response=AppealOut, summary="Record a callback attempt")
def callback(request, number: str, payload: CallbackIn):
    appeal = services.callback_record(actor=request.user, appeal=_appeal(request, number), reached=payload.reached,
                                      satisfaction=payload.satisfaction, resolved=payload.resolved,
                                      dissatisfied_reason=payload.dissatisfied_reason, comment=payload.comment,
                                      version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/merge", response=AppealOut, summary="并单: merge into a parent case")
def merge(request, number: str, payload: MergeIn):
    parent = selectors.appeal_get(user=request.user, number=payload.parent)
    appeal = services.appeal_merge(actor=request.user, appeal=_appeal(request, number), parent=parent,
                                   reason=payload.reason, version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/resume", response=AppealOut, summary="Resume a suspended case")
def resume(request, number: str, payload: TextIn):
    appeal = services.suspension_resume(actor=request.user, appeal=_appeal(request, number), note=payload.text,
                                        version=payload.version)
    return appeal_out(appeal)


@router.post("/{number}/supervision", response=MessageOut, summary="催办 / 督办")
def supervision(request, number: str, payload: SupervisionIn):
    services.supervision_issue(actor=request.user, appeal=_appeal(request, number), kind=payload.kind,
                               instructions=payload.instructions)
    return {"detail": _("Notice issued.")}


@router.post("/{number}/instruction", response=MessageOut, summary="批示")
def instruction(request, number: str, payload: TextIn):
    services.leader_instruct(actor=request.user, appeal=_appeal(request, number), text=payload.text)
    return {"detail": _("Instruction recorded.")}


@router.post("/{number}/suggestion-close", response=AppealOut, summary="Close a suggestion with its outcome")
def suggestion_close(request, number: str, payload: SuggestionCloseIn):
    appeal = services.suggestion_close(actor=request.user, appeal=_appeal(request, number), outcome=payload.outcome,
                                       note=payload.note, version=payload.version)
    return appeal_out(appeal)


# --- a unit's leg --------------------------------------------------------------------------------
def _leg(request, leg_id: int):
    return selectors.leg_get(user=request.user, pk=leg_id)


@router.post("/legs/{leg_id}/sign", response=LegOut, summary="签收")
def leg_sign(request, leg_id: int, version: int | None = None):
    leg = services.leg_sign(actor=request.user, leg=_leg(request, leg_id), version=version)
    return leg_out(leg)


@router.post("/legs/{leg_id}/return", response=LegOut, summary="退单")
def leg_return(request, leg_id: int, payload: ReturnIn):
    leg = services.leg_return(actor=request.user, leg=_leg(request, leg_id), reason=payload.reason,
                              legal_basis=payload.legal_basis, version=payload.version)
    return leg_out(leg)


@router.post("/legs/{leg_id}/note", response=LegOut, summary="Handling note / assist input")
def leg_note(request, leg_id: int, payload: TextIn):
    leg = services.leg_note(actor=request.user, leg=_leg(request, leg_id), text=payload.text,
                            version=payload.version)
    return leg_out(leg)


@router.post("/legs/{leg_id}/answer", response=AppealOut, summary="答复")
def leg_answer(request, leg_id: int, payload: TextIn):
    appeal = services.appeal_answer(actor=request.user, leg=_leg(request, leg_id), text=payload.text,
                                    version=payload.version)
    return appeal_out(appeal)


@router.post("/legs/{leg_id}/extension", response=MessageOut, summary="Ask for an extension")
def leg_extension(request, leg_id: int, payload: ExtensionIn):
    services.extension_request(actor=request.user, leg=_leg(request, leg_id), days=payload.days,
                               reason=payload.reason, version=payload.version)
    return {"detail": _("Extension requested.")}


@router.post("/legs/{leg_id}/suspension", response=MessageOut, summary="Ask for a suspension")
def leg_suspension(request, leg_id: int, payload: TextIn):
    services.suspension_request(actor=request.user, leg=_leg(request, leg_id), reason=payload.text,
                                version=payload.version)
    return {"detail": _("Suspension requested.")}


@router.post("/requests/{request_id}/decision", response=MessageOut, summary="Decide an extension or suspension")
def request_decision(request, request_id: int, payload: DecisionIn):
    leg_request = get_object_or_404(LegRequest.objects.select_related("leg"), pk=request_id)
    selectors.appeal_get(user=request.user, pk=leg_request.leg.appeal_id, action="write")
    decide = services.extension_decide if leg_request.kind == "extension" else services.suspension_decide
    decide(actor=request.user, request=leg_request, approve=payload.approve, note=payload.note)
    return {"detail": _("Decision recorded.")}


@router.post("/notices/{notice_id}/acknowledge", response=MessageOut, summary="Acknowledge an urge/supervision")
def notice_acknowledge(request, notice_id: int):
    notice = get_object_or_404(SupervisionNotice, pk=notice_id)
    services.supervision_acknowledge(actor=request.user, notice=notice)
    return {"detail": _("Acknowledged.")}
