"""Every read of appeals, scoped to the person asking (see ``minsheng.org.scope``)."""

import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from minsheng.audit.personal_data import mask_mobile
from minsheng.audit.services import personal_data_reveal
from minsheng.org.choices import Role
from minsheng.org.models import Region, Unit
from minsheng.org.scope import ObjectScope, can, restrict, roles, user_scope
from minsheng.workdays.selectors import calendar_current

from . import deadlines
from .choices import OPEN_STATES, LegRole, LegState, RequestState, State, Warning
from .models import (
    Appeal,
    AppealEvent,
    Category,
    DispatchCatalogue,
    DispatchLeg,
    KnowledgeArticle,
    LegRequest,
    SupervisionNotice,
)

CENTRE_ROLES = roles(Role.CALL_AGENT, Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK_AGENT, Role.SUPERVISOR)
UNIT_ROLES = roles(Role.UNIT_HANDLER, Role.UNIT_HEAD)
PUBLIC = roles(Role.CITIZEN, Role.ENTERPRISE)

# Centre staff reach every case in their region; units reach the cases dispatched to them; citizens their own.
APPEAL_SCOPE = ObjectScope(
    read_region=CENTRE_ROLES | roles(Role.LEADER),
    write_region=CENTRE_ROLES,
    read_unit=UNIT_ROLES,
    write_unit=UNIT_ROLES,
    read_owner=PUBLIC,
    write_owner=PUBLIC,
    region_lookup="region",
    unit_lookup="legs__unit",
    # A unit reaches a case through a leg it still holds (or answered): once its return is approved
    # (or its leg cancelled) the case's later legs, answer and callback are no longer its business.
    # What it did on its own leg stays readable through LEG_SCOPE (``leg_history``).
    unit_conditions={"legs__state__in": [LegState.PENDING, LegState.SIGNED, LegState.RETURN_PENDING,
                                         LegState.ANSWERED, LegState.CLOSED]},
    owner_lookup="citizen",
)
# A dispatch leg: its unit, or centre staff over the case's region.
LEG_SCOPE = ObjectScope(
    read_region=CENTRE_ROLES | roles(Role.LEADER),
    write_region=CENTRE_ROLES,
    read_unit=UNIT_ROLES,
    write_unit=UNIT_ROLES,
    region_lookup="appeal__region",
    unit_lookup="unit",
)
# Reference data every signed-in member of staff reads; dispatchers keep the catalogue.
CATALOGUE_SCOPE = ObjectScope(everyone_reads=True, write_region=roles(Role.DISPATCHER), region_lookup="region")
KNOWLEDGE_SCOPE = ObjectScope(everyone_reads=True, write_region=roles(Role.CALL_AGENT, Role.DISPATCHER))

# Roles that may see a caller's full mobile number (every view is audited).
MOBILE_ROLES = roles(Role.CALL_AGENT, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMIN)


def policy() -> deadlines.Policy:
    return deadlines.Policy(
        working_days={**deadlines.DEFAULT_WORKING_DAYS, **getattr(settings, "APPEALS_WORKING_DAYS", {})},
        urgent_hours=getattr(settings, "APPEALS_URGENT_HOURS", 24),
        sign_working_days=getattr(settings, "APPEALS_SIGN_WORKING_DAYS", 1),
        urgent_sign_hours=getattr(settings, "APPEALS_URGENT_SIGN_HOURS", 2),
        assist_working_days=getattr(settings, "APPEALS_ASSIST_WORKING_DAYS", 5),
        urgent_yellow_hours=getattr(settings, "APPEALS_URGENT_YELLOW_HOURS", 2),
    )


def appeal_base() -> QuerySet:
    return Appeal.objects.select_related("category", "region", "lead_unit")


def appeal_visible(*, user, action: str = "read", only_roles=None) -> QuerySet:
    """The cases ``user`` may ``action``; with ``only_roles``, through grants of those roles alone (a queue)."""
    return restrict(appeal_base(), user=user, action=action, rules=APPEAL_SCOPE, only_roles=only_roles)


def appeal_get(*, user, pk: int | None = None, number: str | None = None, action: str = "read") -> Appeal:
    """One case the user may see; Appeal.DoesNotExist (404) otherwise — never "exists but forbidden"."""
    lookup = {"pk": pk} if pk is not None else {"number": number}
    return appeal_visible(user=user, action=action).get(**lookup)


def appeal_by_query_code(*, number: str, query_code: str) -> Appeal:
    """The public follow page: the case number and its query code together, no login."""
    return appeal_base().get(number=number.strip().upper(), query_code=query_code.strip().upper())


def appeal_list(*, user, state: str | None = None, kind: str | None = None, search: str = "",
                limit: int = 100) -> list[Appeal]:
    qs = appeal_visible(user=user)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(title__icontains=search) | Q(address__icontains=search))
    return list(qs[:limit])


def appeals_by_mobile(*, user, mobile: str, limit: int = 20) -> list[Appeal]:
    """The caller's earlier cases, for the intake console."""
    if len(mobile) < 11:
        return []
    return list(appeal_visible(user=user).filter(caller_mobile=mobile)[:limit])


def citizen_appeals(*, user) -> list[Appeal]:
    return list(appeal_base().filter(citizen=user))


def dispatch_queue(*, user) -> dict[str, list]:
    qs = appeal_visible(user=user, action="write", only_roles=[Role.DISPATCHER])
    return {
        "registered": list(qs.filter(state=State.REGISTERED).select_related("category", "region")
                           .order_by("due_at")[:200]),
        "returned": list(qs.filter(state=State.RETURNED).order_by("due_at").prefetch_related("legs__unit")[:200]),
        "requests": list(
            restrict(LegRequest.objects.filter(state=RequestState.PENDING), user=user, action="write",
                     rules=ObjectScope(write_region=roles(Role.DISPATCHER), region_lookup="leg__appeal__region"))
            .select_related("leg__appeal", "leg__unit")[:200]
        ),
    }


def review_queue(*, user) -> list[Appeal]:
    return list(appeal_visible(user=user, action="write", only_roles=[Role.REVIEWER])
                .filter(state=State.ANSWERED).order_by("answered_at")[:200])


def callback_queue(*, user) -> list[Appeal]:
    return list(
        appeal_visible(user=user, action="write", only_roles=[Role.CALLBACK_AGENT])
        .filter(state=State.CALLBACK)
        .annotate(attempts=Count("callbacks"))
        .order_by("answered_at")[:200]
    )


INBOX_PAGE_SIZE = 50


def _unit_inbox_legs(*, user, include_closed: bool) -> QuerySet:
    unit_ids = user_scope(user).unit_ids(*UNIT_ROLES)
    qs = restrict(DispatchLeg.objects.filter(unit_id__in=unit_ids), user=user, action="read", rules=LEG_SCOPE)
    if not include_closed:
        qs = qs.filter(state__in=[LegState.PENDING, LegState.SIGNED, LegState.RETURN_PENDING])
    return qs.order_by("handle_due_at", "id")


def _with_case(qs: QuerySet) -> QuerySet:
    return (qs.select_related("appeal", "appeal__category", "appeal__region", "unit")
            .annotate(open_notices=Count("appeal__supervision_notices",
                                         filter=Q(appeal__supervision_notices__acknowledged_at__isnull=True))))


def unit_inbox(*, user, include_closed: bool = False, limit: int = 200) -> list[DispatchLeg]:
    """The legs of the user's unit(s): what to sign, handle and answer (also for assists)."""
    return list(_with_case(_unit_inbox_legs(user=user, include_closed=include_closed))[:limit])


def unit_inbox_page(*, user, page: int | str | None = None, per_page: int | None = None) -> Page:
    """One page of the unit inbox (soonest handling deadline first), in a fixed number of queries.

    The page's leg ids come from the scoped query; the legs themselves are then read by id with their
    case, open notices and, on ``leg.appeal.assist_legs``, the assisting units' input (one prefetch).
    """
    page_obj = Paginator(_unit_inbox_legs(user=user, include_closed=False).values_list("pk", flat=True),
                         per_page or INBOX_PAGE_SIZE).get_page(page)
    ids = list(page_obj.object_list)
    assists = Prefetch("appeal__legs", to_attr="assist_legs",
                       queryset=DispatchLeg.objects.filter(role=LegRole.ASSIST).exclude(input_text="")
                       .select_related("unit"))
    by_id = {leg.pk: leg for leg in _with_case(DispatchLeg.objects.filter(pk__in=ids)).prefetch_related(assists)}
    page_obj.object_list = [by_id[pk] for pk in ids]
    return page_obj


def leg_history(*, user, pk: int) -> tuple[DispatchLeg, list[AppealEvent]]:
    """One leg and what happened on it, for its unit even after the case moved on (a return approved, a
    reassignment): what the unit did, when, and why it was returned — not the case's later legs or answer.
    DispatchLeg.DoesNotExist (404) when the user's unit never held this leg."""
    leg = restrict(DispatchLeg.objects.select_related("appeal", "appeal__category", "appeal__region", "unit"),
                   user=user, action="read", rules=LEG_SCOPE, only_roles=UNIT_ROLES).get(pk=pk)
    events = list(AppealEvent.objects.filter(leg=leg).select_related("actor", "unit").order_by("at", "id"))
    return leg, events


def leg_get(*, user, pk: int, action: str = "write") -> DispatchLeg:
    return restrict(DispatchLeg.objects.select_related("appeal", "unit"), user=user, action=action,
                    rules=LEG_SCOPE).get(pk=pk)


def appeal_legs(*, appeal: Appeal) -> list[DispatchLeg]:
    return list(appeal.legs.select_related("unit").order_by("dispatched_at", "id"))


def appeal_timeline(*, appeal: Appeal) -> list[AppealEvent]:
    return list(AppealEvent.objects.filter(appeal_id=appeal.pk).select_related("actor", "unit").order_by("at", "id"))


def public_timeline(*, appeal: Appeal) -> list[AppealEvent]:
    """What a citizen may see of the history: state changes and moves of the due date, no internal notes or
    names."""
    return [e for e in appeal_timeline(appeal=appeal)
            if e.from_state != e.to_state or e.action in ("register", "recompute")]


def supervision_overview(*, user, now: dt.datetime | None = None) -> dict:
    """Overdue and soon-due open cases, and lagging units (most overdue first)."""
    now = now or timezone.now()
    qs = appeal_visible(user=user).filter(state__in=OPEN_STATES)
    overdue = qs.filter(due_at__lt=now).order_by("due_at")
    yellow_until = now + dt.timedelta(days=1)
    soon = qs.filter(due_at__gte=now, due_at__lte=yellow_until).order_by("due_at")
    by_unit = list(
        qs.filter(lead_unit__isnull=False)
        .values("lead_unit__id", "lead_unit__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)),
                  breached=Count("id", filter=Q(breached_at__isnull=False)))
        .order_by("-overdue", "-open")[:30]
    )
    return {"overdue": list(overdue[:100]), "soon": list(soon[:100]), "by_unit": by_unit,
            "overdue_count": overdue.count()}


def open_notices_for(*, user) -> list[SupervisionNotice]:
    unit_ids = user_scope(user).unit_ids(*UNIT_ROLES)
    return list(SupervisionNotice.objects.filter(unit_id__in=unit_ids, acknowledged_at__isnull=True)
                .select_related("appeal").order_by("-issued_at")[:100])


def warning_for(appeal: Appeal, *, now: dt.datetime | None = None) -> str:
    """red / yellow / green for an open case; a closed case is red if it ever breached."""
    if appeal.state not in OPEN_STATES:
        return Warning.RED if appeal.breached_at else Warning.GREEN
    if appeal.state == State.SUSPENDED:
        return Warning.GREEN
    p = policy()
    return deadlines.warning_level(calendar_current(), due=appeal.due_at, now=now or timezone.now(),
                                   hours_based=appeal.due_hours is not None,
                                   urgent_yellow_hours=p.urgent_yellow_hours)


def due_provisional(appeal: Appeal) -> bool:
    """Whether the case's due date counts a day of a year without the official holiday schedule yet."""
    return deadlines.due_is_provisional(calendar_current(), basis=appeal.due_basis_at, due=appeal.due_at,
                                        working_days=appeal.due_working_days)


def leg_due_provisional(leg: DispatchLeg) -> bool:
    """The same for a unit's answer-by date."""
    return deadlines.due_is_provisional(calendar_current(), basis=leg.handle_basis_at, due=leg.handle_due_at,
                                        working_days=leg.handle_working_days)


def caller_mobile_for(*, user, appeal: Appeal, reveal: bool = False, reason: str = "", ip: str | None = None) -> str:
    """The caller's mobile, masked unless the user's role may see it and asked to (then audited)."""
    if not appeal.caller_mobile:
        return ""
    if reveal and may_reveal_mobile(user=user):
        return personal_data_reveal(actor=user, obj=appeal, field="caller_mobile", kind="mobile",
                                    value=appeal.caller_mobile, reason=reason, ip=ip)
    return mask_mobile(appeal.caller_mobile)


def may_reveal_mobile(*, user) -> bool:
    return user_scope(user).has_role(*MOBILE_ROLES)


def may_write(*, user, appeal: Appeal) -> bool:
    return can(user, action="write", rules=APPEAL_SCOPE, obj=appeal)


# --- reference data ----------------------------------------------------------------------
def category_search(*, query: str = "", limit: int = 30) -> list[Category]:
    """Leaf categories matching Chinese text, pinyin or pinyin initials ("zdjy" finds 占道经营)."""
    qs = Category.objects.filter(is_active=True, level=3)
    query = query.strip()
    if query:
        lowered = query.lower()
        qs = qs.filter(Q(full_name__icontains=query) | Q(pinyin__contains=lowered) | Q(initials__contains=lowered)
                       | Q(code__istartswith=query))
    return list(qs.order_by("code")[:limit])


def category_leaves() -> QuerySet:
    return Category.objects.filter(is_active=True, level=3).order_by("code")


def knowledge_search(*, query: str = "", category: Category | None = None, limit: int = 20) -> list[KnowledgeArticle]:
    qs = KnowledgeArticle.objects.filter(is_published=True).select_related("category")
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(keywords__icontains=query) | Q(body__icontains=query)
                       | Q(pinyin__contains=query.lower()))
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category_id=category.parent_id) | Q(category__isnull=True))
    return list(qs.order_by("-used_count", "title")[:limit])


def catalogue_list() -> list[DispatchCatalogue]:
    return list(DispatchCatalogue.objects.select_related("category", "region", "lead_unit")
                .prefetch_related("assist_units"))


_parents: dict[int, int | None] = {}
_by_code: dict[tuple[str, str], tuple[float, object]] = {}
CODE_CACHE_SECONDS = 30


def _cached_by_code(model, code: str):
    """A category or region by its code, kept for a few seconds per process (intake looks them up on
    every call; they change a few times a year). None when there is no such code."""
    key = (model.__name__, code)
    hit = _by_code.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CODE_CACHE_SECONDS:
        return hit[1]
    obj = model.objects.filter(code=code).first()
    if obj is not None:
        _by_code[key] = (now, obj)
    return obj


def reference_caches_clear() -> None:
    """Forget this process's cached categories, regions, parents and routes (after they change)."""
    _by_code.clear()
    _parents.clear()
    _routes.clear()


def category_by_code(code: str) -> Category | None:
    return _cached_by_code(Category, code)


def region_by_code(code: str) -> Region | None:
    return _cached_by_code(Region, code)


def category_ancestry(category: Category) -> list[int]:
    """The category's id and its ancestors' ids (the taxonomy is small: kept in memory, reloaded on a miss)."""
    if category.pk not in _parents:
        _parents.clear()
        _parents.update(Category.objects.values_list("pk", "parent_id"))
    ids, node = [], category.pk
    while node is not None and len(ids) < 5:
        ids.append(node)
        node = _parents.get(node)
    return ids


def catalogue_match(*, category: Category, region: Region) -> list[DispatchCatalogue]:
    """The most specific catalogue entries for a case: deepest category first, then deepest region.

    Several entries at the same (most specific) level naming different lead units make the match
    ambiguous: the dispatcher decides."""
    return catalogue_matches(places=[(category, region)])[category.pk, region.pk]


def catalogue_matches(*, places: Iterable[tuple[Category, Region]]) -> dict[tuple[int, int], list[DispatchCatalogue]]:
    """``catalogue_match`` for many (category, region) places at once, keyed by their ids: the entries
    that could apply are read once and ranked on plain values, and only the winners become objects
    (one query, with their units), whatever the number of places — the dispatch queue asks for 200."""
    places = {(category.pk, region.pk): (category, region) for category, region in places}
    ancestries = {key: set(category_ancestry(category)) for key, (category, _region) in places.items()}
    rows = list(DispatchCatalogue.objects.filter(category_id__in=set().union(*ancestries.values()))
                .values_list("pk", "category_id", "category__level", "region__code", "region__path"))
    winners: dict[tuple[int, int], list[int]] = {}
    for key, (_category, region) in places.items():
        codes = {code for code in region.path.split("/") if code}
        ranked = {pk: (level, len(path or "")) for pk, category_id, level, code, path in rows
                  if category_id in ancestries[key] and (code is None or code in codes)}
        best = max(ranked.values(), default=None)
        winners[key] = sorted(pk for pk, rank in ranked.items() if rank == best)
    entries = DispatchCatalogue.objects.select_related("lead_unit").prefetch_related("assist_units").in_bulk(
        {pk for pks in winners.values() for pk in pks})
    return {key: [entries[pk] for pk in pks] for key, pks in winners.items()}


_routes: dict[tuple[int, int], tuple[float, tuple | None]] = {}


def catalogue_route(*, category: Category, region: Region) -> tuple[Unit, list[Unit]] | None:
    """(lead unit, assisting units) when the catalogue is unambiguous for this category and place,
    else None. Intake asks on every call, so the answer is kept for a few seconds per process; a
    catalogue edit clears it here at once and reaches other processes within CODE_CACHE_SECONDS."""
    key = (category.pk, region.pk)
    hit = _routes.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CODE_CACHE_SECONDS:
        return hit[1]
    matches = catalogue_match(category=category, region=region)
    route = None
    if matches and len({m.lead_unit_id for m in matches}) == 1:
        route = (matches[0].lead_unit, list(matches[0].assist_units.all()))
    _routes[key] = (now, route)
    return route


def open_requests_for_leg(*, leg: DispatchLeg) -> list[LegRequest]:
    return list(leg.requests.filter(state=RequestState.PENDING))


def assist_inputs(*, appeal: Appeal) -> list[DispatchLeg]:
    return list(appeal.legs.filter(role=LegRole.ASSIST).exclude(input_text="").select_related("unit"))
