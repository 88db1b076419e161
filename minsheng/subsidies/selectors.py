"""Every read of the policy-funds app, scoped to the user; and the column loader for rule evaluation."""

import re
from collections import Counter
from datetime import datetime
from statistics import median

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.org.choices import Role
from minsheng.org.scope import ObjectScope, restrict, roles, user_scope

from . import rules
from .choices import HOLDING_STATES, AccountState, GrantState, ObjectionState, PolicyMode, RecoveryState, VersionState
from .models import (
    Enterprise,
    EnterpriseFact,
    EnterpriseFactRevision,
    EnterpriseNotice,
    FactDefinition,
    Grant,
    GrantEvent,
    Industry,
    Objection,
    ObjectionFile,
    Policy,
    PolicyVersion,
    ReceivingAccount,
    Recovery,
)

OFFICIALS_READ = roles(Role.FUNDS_OFFICER, Role.LEADER, Role.SUPERVISOR)

# Funds officers write within their region (no region: the whole city); leaders and supervisors
# read; an enterprise user reaches only the enterprises they are linked to.
ENTERPRISE_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, write_region=roles(Role.FUNDS_OFFICER),
    read_owner=roles(Role.ENTERPRISE), region_lookup="region", owner_lookup="users",
)
GRANT_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, write_region=roles(Role.FUNDS_OFFICER),
    read_owner=roles(Role.ENTERPRISE), write_owner=roles(Role.ENTERPRISE),
    region_lookup="enterprise__region", owner_lookup="enterprise__users",
)
# What funds officers decide about a grant (a recovery, a repayment, an objection): only officers, in their
# region; an enterprise user never decides about a grant, not even of their own enterprise.
GRANT_DECISION_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, write_region=roles(Role.FUNDS_OFFICER), region_lookup="enterprise__region",
)
FACT_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, write_region=roles(Role.FUNDS_OFFICER),
    read_owner=roles(Role.ENTERPRISE), region_lookup="enterprise__region", owner_lookup="enterprise__users",
)
# Recoveries, objections and notices are read like their grant: officials in their region, the enterprise's own
# users for their enterprise.
RECOVERY_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, read_owner=roles(Role.ENTERPRISE),
    region_lookup="grant__enterprise__region", owner_lookup="grant__enterprise__users",
)
OBJECTION_SCOPE = RECOVERY_SCOPE
OBJECTION_FILE_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, read_owner=roles(Role.ENTERPRISE),
    region_lookup="objection__grant__enterprise__region", owner_lookup="objection__grant__enterprise__users",
)
NOTICE_SCOPE = ObjectScope(
    read_region=OFFICIALS_READ, read_owner=roles(Role.ENTERPRISE),
    region_lookup="enterprise__region", owner_lookup="enterprise__users",
)
# Policies are city-wide documents: officials read them, funds officers write them.
POLICY_SCOPE = ObjectScope(read_region=OFFICIALS_READ, write_region=roles(Role.FUNDS_OFFICER))


def is_official(user) -> bool:
    return user_scope(user).has_role(Role.FUNDS_OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


def can_write_policies(user) -> bool:
    return user_scope(user).has_role(Role.FUNDS_OFFICER, Role.ADMIN)


# --- enterprises ----------------------------------------------------------------------------------

def enterprise_list(*, user, query: str = "", district_id: int | None = None, section: str = "") -> QuerySet:
    qs = restrict(Enterprise.objects.select_related("region", "district", "industry"), user=user, action="read",
                  rules=ENTERPRISE_SCOPE)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(uscc=query.upper()))
    if district_id:
        qs = qs.filter(district_id=district_id)
    if section:
        qs = qs.filter(industry__section=section)
    return qs.order_by("id")


def enterprise_get(*, user, pk: int, action: str = "read") -> Enterprise:
    return restrict(Enterprise.objects.select_related("region", "district", "industry"), user=user,
                    action=action, rules=ENTERPRISE_SCOPE).get(pk=pk)


def enterprises_of_user(user) -> QuerySet:
    """The enterprises a signed-in enterprise user acts for."""
    return Enterprise.objects.filter(users=user).select_related("district", "industry").order_by("id")


ACCOUNT_SCOPE = ObjectScope(
    read_region=roles(Role.FUNDS_OFFICER, Role.SUPERVISOR), write_region=roles(Role.FUNDS_OFFICER),
    read_owner=roles(Role.ENTERPRISE), region_lookup="enterprise__region", owner_lookup="enterprise__users",
)


def receiving_accounts_active(*, enterprises) -> QuerySet:
    """The active receiving accounts of these enterprises (the ones money may go to)."""
    return ReceivingAccount.objects.filter(enterprise__in=enterprises, state=AccountState.ACTIVE).order_by("id")


def receiving_accounts_of(*, enterprises) -> QuerySet:
    return ReceivingAccount.objects.filter(enterprise__in=enterprises).select_related("enterprise").order_by(
        "enterprise_id", "-requested_at")


def receiving_accounts_pending(*, user) -> QuerySet:
    """Accounts awaiting a decision, in the officer's region."""
    return restrict(ReceivingAccount.objects.filter(state=AccountState.PENDING)
                    .select_related("enterprise", "requested_by"), user=user, action="write",
                    rules=ACCOUNT_SCOPE).order_by("requested_at")


def receiving_account_get(*, user, pk: int) -> ReceivingAccount:
    return restrict(ReceivingAccount.objects.select_related("enterprise"), user=user, action="write",
                    rules=ACCOUNT_SCOPE).get(pk=pk)


def enterprise_facts(*, user, enterprise: Enterprise) -> QuerySet:
    return restrict(EnterpriseFact.objects.filter(enterprise=enterprise).select_related("definition"),
                    user=user, action="read", rules=FACT_SCOPE).order_by("definition__name", "-period")


def fact_history(*, user, enterprise: Enterprise) -> QuerySet:
    """Every value the enterprise's facts have taken, newest first, with the batch that recorded each."""
    return restrict(EnterpriseFactRevision.objects.filter(enterprise=enterprise)
                    .select_related("definition", "batch__recorded_by"),
                    user=user, action="read", rules=FACT_SCOPE).order_by("-recorded_at", "-id")


def facts_as_of(*, enterprise: Enterprise, at: datetime) -> dict[tuple[str, str], EnterpriseFactRevision]:
    """The enterprise's facts as they were at the instant ``at``: for each (fact name, period), the revision in
    force then — the latest recorded at or before ``at``. A fact first recorded after ``at`` is absent.
    Not scoped to a user: the caller passes an enterprise it read through a scoped selector."""
    revisions = (EnterpriseFactRevision.objects.filter(enterprise=enterprise, recorded_at__lte=at)
                 .select_related("definition", "batch__recorded_by").order_by("definition__name", "period", "number"))
    return {(r.definition.name, r.period): r for r in revisions}  # the later revision of a key wins


def fact_kinds() -> dict[str, str]:
    """Each known fact and its period kind, for the rule parser."""
    return dict(FactDefinition.objects.values_list("name", "period_kind"))


def industry_codes() -> set[str]:
    return set(Industry.objects.values_list("code", flat=True))


# --- policies -------------------------------------------------------------------------------------

def policy_list(*, user) -> QuerySet:
    return restrict(Policy.objects.select_related("cap_group"), user=user, action="read", rules=POLICY_SCOPE)


def policy_get(*, user, pk: int, action: str = "read") -> Policy:
    return restrict(Policy.objects.select_related("cap_group"), user=user, action=action, rules=POLICY_SCOPE).get(pk=pk)


def policy_version_get(*, user, pk: int, action: str = "read") -> PolicyVersion:
    policy_ids = restrict(Policy.objects.all(), user=user, action=action, rules=POLICY_SCOPE).values("pk")
    return PolicyVersion.objects.select_related("policy", "author").get(pk=pk, policy__in=policy_ids)


def published_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.filter(state=VersionState.PUBLISHED).first()


def policies_open_for_application() -> QuerySet:
    """Published policies an enterprise may apply to (快申快享): public documents."""
    return PolicyVersion.objects.filter(state=VersionState.PUBLISHED, policy__mode=PolicyMode.APPLICATION) \
        .select_related("policy")


# --- grants ---------------------------------------------------------------------------------------

def grant_list(*, user, policy: Policy | None = None, state: str = "",
               enterprise: Enterprise | None = None) -> QuerySet:
    qs = restrict(Grant.objects.select_related("policy", "enterprise", "version"), user=user, action="read",
                  rules=GRANT_SCOPE)
    if policy is not None:
        qs = qs.filter(policy=policy)
    if state:
        qs = qs.filter(state=state)
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    return qs.order_by("-id")


def grant_get(*, user, pk: int, action: str = "read") -> Grant:
    return restrict(Grant.objects.select_related("policy", "enterprise", "version"), user=user, action=action,
                    rules=GRANT_SCOPE).get(pk=pk)


def grant_events(grant: Grant) -> QuerySet:
    return GrantEvent.objects.filter(grant=grant).select_related("actor").order_by("occurred_at", "id")


def can_decide_on_grants(user) -> bool:
    """Funds officers (and administrators) decide recoveries, repayments and objections, in their region."""
    return user_scope(user).has_role(Role.FUNDS_OFFICER, Role.ADMIN)


# --- after payment: recoveries, objections, notices -----------------------------------------------

def recovery_list(*, user, state: str = "", grant: Grant | None = None) -> QuerySet:
    qs = restrict(Recovery.objects.select_related("grant__policy", "grant__enterprise", "requested_by",
                                                  "decided_by"), user=user, action="read", rules=RECOVERY_SCOPE)
    if state:
        qs = qs.filter(state=state)
    if grant is not None:
        qs = qs.filter(grant=grant)
    return qs.order_by("-requested_at", "-id")


def recovery_get(*, user, pk: int) -> Recovery:
    return recovery_list(user=user).get(pk=pk)


def recoveries_owed(*, user, enterprises) -> QuerySet:
    """What the user's enterprises owe back now (recoveries approved and not yet repaid in full)."""
    return recovery_list(user=user).filter(grant__enterprise__in=enterprises, state=RecoveryState.RECOVERING)


def objection_list(*, user, state: str = "", grant: Grant | None = None) -> QuerySet:
    qs = restrict(Objection.objects.select_related("grant__policy", "grant__enterprise", "filed_by", "decided_by")
                  .prefetch_related("files"), user=user, action="read", rules=OBJECTION_SCOPE)
    if state:
        qs = qs.filter(state=state)
    if grant is not None:
        qs = qs.filter(grant=grant)
    return qs.order_by("-filed_at", "-id")


def objection_get(*, user, pk: int) -> Objection:
    return objection_list(user=user).get(pk=pk)


def objection_file_get(*, user, pk: int) -> ObjectionFile:
    return restrict(ObjectionFile.objects.all(), user=user, action="read", rules=OBJECTION_FILE_SCOPE).get(pk=pk)


def open_objection_grant_ids(*, user, grants) -> set[int]:
    return set(objection_list(user=user).filter(grant__in=grants, state=ObjectionState.OPEN)
               .values_list("grant_id", flat=True))


def notice_list(*, user, enterprises=None, grant: Grant | None = None) -> QuerySet:
    qs = restrict(EnterpriseNotice.objects.select_related("grant__policy", "enterprise"), user=user, action="read",
                  rules=NOTICE_SCOPE)
    if enterprises is not None:
        qs = qs.filter(enterprise__in=enterprises)
    if grant is not None:
        qs = qs.filter(grant=grant)
    return qs.order_by("-created_at", "-id")


# What the rules' attributes are called in plain words.
ATTRIBUTE_NAMES = {"scale": gettext_lazy("scale"), "industry": gettext_lazy("industry code"),
                   "district": gettext_lazy("district"), "registered_year": gettext_lazy("year of registration")}
FACT_CALL = re.compile(r'fact\(\s*"([A-Za-z0-9_]+)"\s*(?:,\s*"([^"]*)"\s*)?\)')


def _plain_name(name: str, facts: dict[str, tuple[str, str]]) -> str:
    """``fact("gas_m3", "2025")`` → 天然气用量（2025）; ``scale`` → 规模."""
    if (call := FACT_CALL.fullmatch(name)) is not None:
        label = facts.get(call.group(1), (call.group(1), ""))[0]
        return f"{label}（{call.group(2)}）" if call.group(2) else label
    return str(ATTRIBUTE_NAMES.get(name, name))


def _plain_value(name: str, value, facts: dict[str, tuple[str, str]]) -> str:
    call = FACT_CALL.fullmatch(name)
    unit = facts.get(call.group(1), ("", ""))[1] if call else ""
    return f"{value} {unit}".strip()


def refusal_trace(grant: Grant) -> dict | None:
    """The clause trace that refused the grant (kept by its refusal event), or None: not refused, or refused
    for a cap or the budget (the rule held)."""
    if grant.state != GrantState.REFUSED:
        return None
    detail = (GrantEvent.objects.filter(grant=grant, to_state=GrantState.REFUSED).order_by("-occurred_at", "-id")
              .values_list("detail", flat=True).first()) or {}
    return detail.get("trace") or None


def refusal_explained(grant: Grant) -> list[str]:
    """Why the grant was refused, in plain words: each clause that did not hold, what the rule asks and
    the enterprise's figures it saw (or the figure that was missing); for a cap or the budget, the reason.
    Read from the refusal event's trace (the grant keeps the trace of its offer)."""
    if grant.state != GrantState.REFUSED:
        return []
    trace = refusal_trace(grant)
    if not trace:
        return [grant.reason] if grant.reason else []
    facts = {name: (label, unit) for name, label, unit in FactDefinition.objects.values_list("name", "label", "unit")}
    lines = []
    for clause in trace.get("clauses", []):
        if clause["result"] == "true":
            continue
        asks = FACT_CALL.sub(lambda m: _plain_name(m.group(0), facts), clause["text"])
        if clause["result"] == "missing":
            lines.append(_("“%(clause)s” could not be checked: there is no figure for %(missing)s.") % {
                "clause": clause["clause"], "missing": "、".join(_plain_name(n, facts) for n in clause["missing"])})
            continue
        seen = "; ".join(f"{_plain_name(n, facts)} = {_plain_value(n, v, facts)}" for n, v in clause["seen"].items())
        lines.append(_("“%(clause)s” does not hold: the rule asks %(asks)s; your figures: %(seen)s.") % {
            "clause": clause["clause"], "asks": asks, "seen": seen or "—"})
    return lines or ([grant.reason] if grant.reason else [])


# --- columns for the rule evaluator ---------------------------------------------------------------

def population_load(*, facts: list[tuple[str, str]], enterprise_ids=None, as_of: datetime | None = None
                    ) -> rules.Population:
    """All enterprises (or those in ``enterprise_ids``) as columns, with the ``facts`` the rule reads: the
    values in force now, or — ``as_of`` an instant — the revisions in force then (to re-derive a grant)."""
    qs = Enterprise.objects.all()
    if enterprise_ids is not None:
        qs = qs.filter(pk__any_of=list(enterprise_ids))
    rows = list(qs.order_by("id").values_list(
        "id", "scale", "industry_code", "industry__section", "district__division_code", "district__name",
        ExtractYear("registered_on"),
    ))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    ids = np.array(columns[0], dtype=np.int64)
    population = rules.Population(
        ids=ids,
        scale=np.array(columns[1], dtype="U2"),
        industry=np.array(columns[2], dtype="U4"),
        section=np.array(columns[3], dtype="U1"),
        district_code=np.array([c or "" for c in columns[4]], dtype="U12"),
        district_name=np.array([c or "" for c in columns[5]], dtype="U20"),
        registered_year=np.array(columns[6], dtype=np.int64),
    )
    scale = 10**rules.FACT_SCALE
    for name, period in facts:
        pairs = _fact_values(name, period, enterprise_ids, as_of)
        values = np.zeros(len(ids), dtype=np.int64)
        present = np.zeros(len(ids), dtype=bool)
        if pairs and len(ids):
            fact_ids = np.array([p[0] for p in pairs], dtype=np.int64)
            fact_values = np.array([int(p[1] * scale) for p in pairs], dtype=np.int64)
            positions = np.searchsorted(ids, fact_ids)
            positions = np.clip(positions, 0, len(ids) - 1)
            found = ids[positions] == fact_ids
            values[positions[found]] = fact_values[found]
            present[positions[found]] = True
        population.facts[(name, period)] = (values, present)
    return population


def _fact_values(name: str, period: str, enterprise_ids, as_of: datetime | None) -> list[tuple[int, object]]:
    """(enterprise id, value) of one fact and period: in force now, or at the instant ``as_of``."""
    model = EnterpriseFact if as_of is None else EnterpriseFactRevision
    qs = model.objects.filter(definition__name=name, period=period)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__any_of=list(enterprise_ids))
    if as_of is None:
        return list(qs.values_list("enterprise_id", "value"))
    rows = qs.filter(recorded_at__lte=as_of).order_by("enterprise_id", "number").values_list("enterprise_id", "value")
    return list(dict(rows).items())  # per enterprise, the last revision recorded by then


# --- statistics -----------------------------------------------------------------------------------

def policy_stats(*, user, policy: Policy) -> dict:
    """Per policy: eligible / confirmed / paid, amount paid, budget used, median seconds confirm→paid."""
    grants = grant_list(user=user, policy=policy)
    by_state = Counter(dict(grants.order_by().values_list("state").annotate(n=Count("id"))))
    confirmed_states = {GrantState.CONFIRMED, *HOLDING_STATES, GrantState.FAILED}
    paid = grants.filter(state=GrantState.PAID)
    paid_amount = paid.aggregate(total=Sum("amount"))["total"] or 0
    held_amount = grants.filter(state__in=HOLDING_STATES).aggregate(total=Sum("amount"))["total"] or 0
    durations = [
        (paid_at - confirmed_at).total_seconds()
        for confirmed_at, paid_at in paid.values_list("confirmed_at", "paid_at")
        if confirmed_at and paid_at
    ]
    version = published_version(policy) or policy.versions.first()
    budget = version.budget if version else 0
    by_district = list(
        grants.values(name=F("enterprise__district__name")).order_by("name")
        .annotate(eligible=Count("id"), paid=Count("id", filter=Q(state=GrantState.PAID)),
                  paid_amount=Sum("amount", filter=Q(state=GrantState.PAID)))
    )
    by_industry = list(
        grants.values(section=F("enterprise__industry__section")).order_by("section")
        .annotate(eligible=Count("id"), paid=Count("id", filter=Q(state=GrantState.PAID)),
                  paid_amount=Sum("amount", filter=Q(state=GrantState.PAID)))
    )
    return {
        "policy": policy,
        "version": version,
        "eligible": sum(by_state.values()) - by_state.get(GrantState.REFUSED, 0),
        "confirmed": sum(n for state, n in by_state.items() if state in confirmed_states),
        "paid": by_state.get(GrantState.PAID, 0),
        "failed": by_state.get(GrantState.FAILED, 0),
        "paid_amount": paid_amount,
        "budget": budget,
        "budget_used": held_amount,
        "budget_used_share": (held_amount / budget) if budget else 0.0,
        "median_seconds_to_paid": median(durations) if durations else None,
        "by_district": by_district,
        "by_industry": by_industry,
    }
