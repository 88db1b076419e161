"""Grants from offer to approval: matching (免申即享), applications (快申快享), confirmation, the caps
and the approval that reserves the money (秒批)."""

import re
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger import batches as ledger_batches
from minsheng.ledger import services as ledger
from minsheng.ledger.bank import BankAdapter
from minsheng.ledger.choices import AccountKind
from minsheng.ledger.models import Account as LedgerAccount
from minsheng.org.choices import Role
from minsheng.org.scope import can

from .. import rules
from ..choices import HOLDING_STATES, GrantState, RefusalKind, VersionState
from ..models import (
    CapGroup,
    Enterprise,
    Grant,
    GrantEvent,
    Policy,
    PolicyVersion,
)
from ..selectors import GRANT_SCOPE
from .accounts import registered_account
from .core import (
    APPROVE_FIELDS,
    CHUNK,
    BatchResult,
    _BatchGrant,
    _enterprise_account,
    _event,
    _facts_hash,
    _insert_events,
    _reserve_key,
    _save_grants,
    _state_change,
    _trace_inputs,
    _transition,
    budget_account,
)
from .payments import grant_pay
from .policies import _evaluate, _evaluate_one, _not_eligible
from .recoveries import _bar_owed, _bar_problem

BANK_ACCOUNT = re.compile(r"^\d{8,30}$")


@dataclass
class MatchResult:
    eligible: int
    offered: int
    existing: int
    conflicting: int  # confirmed offers whose amount differs now (approval offers them again)
    reoffered: int = 0  # withdrawn offers made again under this version, or open offers whose amount changed
    barred: int = 0  # eligible, but owing money back under this policy (追回): no offer until repaid


def _reoffer(grant: Grant, *, version: PolicyVersion, trace: dict, actor=None, reason: str) -> Grant:
    """Offer again, at what the version in force gives on today's facts; the enterprise confirms again."""
    return _transition(grant, GrantState.OFFERED, actor=actor, version=version, amount=trace["granted"], trace=trace,
                       facts_hash=_facts_hash(_trace_inputs(trace)), reason=reason[:300], refusal="",
                       confirmed_at=None, detail={"old_amount": grant.amount, "amount": trace["granted"],
                                                  "version": version.number, "reason": reason[:300]})


def _amount_changed_reason(old: int, new: int) -> str:
    return _("The figures the grant is computed on changed: the amount is now %(new)s yuan (it was %(old)s "
             "yuan). Confirm again to receive it.") % {"new": f"{new / 100:,.2f}", "old": f"{old / 100:,.2f}"}


@transaction.atomic
def policy_match(*, version: PolicyVersion, actor=None) -> MatchResult:
    """Find every eligible enterprise and offer it the grant (免申即享). Safe to run again: an
    enterprise offered once is not offered twice. An offer withdrawn because its version was superseded,
    or an open offer whose amount the facts have changed, is offered again at today's amount."""
    version = PolicyVersion.objects.select_related("policy").get(pk=version.pk)
    if version.state != VersionState.PUBLISHED:
        raise ValidationError(_("Only a published version can be matched."))
    Policy.objects.select_for_update().get(pk=version.policy_id)  # one matching run per policy at a time
    rule, population, result = _evaluate(version)
    indexes = np.flatnonzero(result.eligible)
    existing = {g.enterprise_id: g for g in Grant.objects.filter(policy=version.policy, period=version.period)
                .only("id", "enterprise_id", "amount", "state", "version_id")}
    barred = set(_bar_owed(version.policy))
    conflicting = reoffered = skipped = 0
    new = []
    for index in indexes:
        enterprise_id, amount = int(population.ids[index]), int(result.amount[index])
        if enterprise_id in barred:
            skipped += 1
            continue
        grant = existing.get(enterprise_id)
        if grant is not None:
            if grant.state == GrantState.WITHDRAWN or (grant.state == GrantState.OFFERED and (
                    grant.amount != amount or grant.version_id != version.pk)):
                grant = Grant.objects.select_for_update().get(pk=grant.pk)
                trace = rules.trace(rule, population, int(index), cap=version.per_enterprise_cap)
                reason = (_amount_changed_reason(grant.amount, amount) if grant.state == GrantState.OFFERED
                          else _("Offered again under version %(n)s of the policy.") % {"n": version.number})
                _reoffer(grant, version=version, trace=trace, actor=actor, reason=reason)
                reoffered += 1
            elif grant.amount != amount and grant.state == GrantState.CONFIRMED:
                conflicting += 1
            continue
        trace = rules.trace(rule, population, int(index), cap=version.per_enterprise_cap)
        new.append(Grant(policy=version.policy, version=version, enterprise_id=enterprise_id, period=version.period,
                         amount=amount, trace=trace, facts_hash=_facts_hash(_trace_inputs(trace)),
                         reserve_key=_reserve_key(version.policy, enterprise_id, version.period)))
    created = Grant.objects.bulk_create(new, batch_size=2000)
    if created and created[0].pk is None:  # databases that do not return ids
        created = list(Grant.objects.filter(policy=version.policy, period=version.period,
                                            enterprise_id__in=[g.enterprise_id for g in new]))
    GrantEvent.objects.bulk_create([_event(g, GrantState.OFFERED, actor=actor) for g in created], batch_size=5000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.policy_match", obj=version,
                     summary={"offered": len(created), "reoffered": reoffered, "barred": skipped})
    return MatchResult(eligible=len(indexes), offered=len(created),
                       existing=len(indexes) - len(created) - reoffered - skipped,
                       conflicting=conflicting, reoffered=reoffered, barred=skipped)


@transaction.atomic
def grant_offer(*, version: PolicyVersion, enterprise: Enterprise, actor=None) -> Grant:
    """The grant for one enterprise (an application, 快申快享): created when the rule holds; a retry
    returns the first grant; a retry that would come to a different amount is refused."""
    if version.state != VersionState.PUBLISHED:
        raise ValidationError(_("This policy version is not published."))
    if problem := _bar_problem(version.policy, enterprise.pk):
        raise ValidationError(problem)
    trace = _evaluate_one(version, enterprise)
    if not trace["eligible"]:
        raise _not_eligible(trace)
    existing = Grant.objects.select_for_update().filter(policy=version.policy_id, enterprise=enterprise,
                                                        period=version.period).first()
    if existing is not None:
        if existing.state == GrantState.WITHDRAWN or (existing.state == GrantState.OFFERED and (
                existing.amount != trace["granted"] or existing.version_id != version.pk)):
            return _reoffer(existing, version=version, trace=trace, actor=actor,
                            reason=_amount_changed_reason(existing.amount, trace["granted"]))
        if existing.amount != trace["granted"]:
            raise Conflict(_("A grant for this policy and period exists already with a different amount."))
        return existing
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                policy=version.policy, version=version, enterprise=enterprise, period=version.period,
                amount=trace["granted"], trace=trace, facts_hash=_facts_hash(_trace_inputs(trace)),
                reserve_key=_reserve_key(version.policy, enterprise.pk, version.period))
    except IntegrityError:  # a concurrent application won: return its grant
        grant = Grant.objects.get(policy=version.policy_id, enterprise=enterprise, period=version.period)
        if grant.amount != trace["granted"]:
            raise Conflict(_("A grant for this policy and period exists already with a different amount.")) from None
        return grant
    _event(grant, GrantState.OFFERED, actor=actor, detail={"application": True}).save()
    return grant


class AmountChanged(Conflict):
    """The offer's amount changed on today's facts or rules: it was offered again; confirm again."""


@transaction.atomic
def _confirm(*, grant: Grant, user, bank_account_no: str) -> tuple[Grant, dict | None]:
    """Confirm to one of the enterprise's registered receiving accounts, or — when the amount the version in
    force gives on today's facts differs from the offer — offer again at the new amount and return no trace
    (the caller tells the enterprise)."""
    grant = Grant.objects.select_for_update(of=("self",)).select_related("version", "policy", "enterprise") \
        .get(pk=grant.pk)
    # Only the enterprise's own users: a superuser or an officer never confirms on its behalf.
    if not can(user, action="write", rules=GRANT_SCOPE, obj=grant, only_roles=[Role.ENTERPRISE]) or \
            not grant.enterprise.users.filter(pk=user.pk).exists():
        raise PermissionDenied(_("Only the enterprise's own users can confirm its grant."))
    if grant.state != GrantState.OFFERED:
        if grant.state in (GrantState.REFUSED, GrantState.WITHDRAWN):
            raise ValidationError(_("This grant was %(state)s: %(reason)s") % {
                "state": grant.get_state_display(), "reason": grant.reason})
        raise Conflict(_("This grant was confirmed already (it is %(state)s now).")
                       % {"state": grant.get_state_display()})
    if grant.version.state != VersionState.PUBLISHED:
        raise ValidationError(_("The policy was updated: wait for the offer under the new rules."))
    account = registered_account(enterprise=grant.enterprise, account_no=bank_account_no)
    if problem := _bar_problem(grant.policy, grant.enterprise_id):
        raise ValidationError(problem)
    trace = _evaluate_one(grant.version, grant.enterprise)
    if not trace["eligible"]:
        raise _not_eligible(trace)
    if trace["granted"] != grant.amount:
        _reoffer(grant, version=grant.version, trace=trace, actor=user,
                 reason=_amount_changed_reason(grant.amount, trace["granted"]))
        return grant, None
    _transition(grant, GrantState.CONFIRMED, actor=user, confirmed_at=timezone.now(),
                bank_account_no=account.account_no, bank_account_name=account.account_name,
                detail={"facts_hash": _facts_hash(_trace_inputs(trace)), "receiving_account": account.pk})
    _enterprise_account(grant.enterprise)
    audit_record(actor=user, action="subsidies.grant_confirm", obj=grant, summary={"amount": grant.amount})
    return grant, trace


def grant_confirm(*, grant: Grant, user, bank_account_no: str, bank: BankAdapter | None = None,
                  settle: bool = True) -> Grant:
    """The enterprise confirms its offer with a receiving account, in one step; then, when the rules
    and caps hold, it is approved (秒批) and paid (秒付) at once. Confirming twice is refused. When the
    amount changed since the offer, the offer is made again at the new amount (kept) and
    ``AmountChanged`` says so: the enterprise reads the new amount and confirms again."""
    grant, trace = _confirm(grant=grant, user=user, bank_account_no=bank_account_no)
    if trace is None:
        raise AmountChanged(grant.reason)
    if not settle:
        return grant
    grant = grant_approve(grant=grant, trace=trace)
    if grant.state == GrantState.APPROVED:
        grant = grant_pay(grant=grant, bank=bank)
    return grant


def grant_apply(*, version: PolicyVersion, enterprise: Enterprise, user, bank_account_no: str,
                bank: BankAdapter | None = None) -> Grant:
    """Apply to a policy by application (快申快享): the rule decides at once, then confirm → approve → pay."""
    if not enterprise.users.filter(pk=user.pk).exists():
        raise PermissionDenied(_("Only the enterprise's own users can apply for it."))
    registered_account(enterprise=enterprise, account_no=bank_account_no)  # before any offer is made
    grant = grant_offer(version=version, enterprise=enterprise, actor=user)
    return grant_confirm(grant=grant, user=user, bank_account_no=bank_account_no, bank=bank)


def _held_by_enterprise(group: CapGroup, year: str, enterprise_ids: list[int], *, exclude: list[int]) -> dict[int, int]:
    """What each enterprise holds (reserved or paid) under the cap group in ``year``."""
    rows = (Grant.objects.filter(enterprise_id__any_of=enterprise_ids, policy__cap_group=group,
                                 period__startswith=year, state__in=HOLDING_STATES).exclude(pk__any_of=exclude)
            .values_list("enterprise_id").annotate(total=Sum("amount")).order_by())
    return dict(rows)


def _cap_problem(grant: Grant, *, held: int) -> str | None:
    """Whether the grant fits the caps: per enterprise per policy, and per year across the cap group.
    Called with the enterprise row locked, so two approvals for one enterprise cannot both fit."""
    cap = grant.version.per_enterprise_cap
    if cap is not None and grant.amount > cap:
        return _("the amount is over the policy's cap per enterprise.")
    group = grant.policy.cap_group
    if group is not None and held + grant.amount > group.year_cap:
        return _("the enterprise would exceed the %(group)s cap of %(cap)s yuan for %(year)s.") % {
            "group": group.name, "cap": f"{group.year_cap // 100:,}", "year": grant.period[:4]}
    return None


def _refusal(grant: Grant, *, eligible: bool, trace: dict | None, held: int) -> tuple[str, str] | None:
    """(kind, reason) when the grant cannot be approved: it no longer qualifies, or a cap stops it."""
    if not eligible:
        return RefusalKind.INELIGIBLE, str(_not_eligible(trace).messages[0])[:300]
    if problem := _cap_problem(grant, held=held):
        return RefusalKind.CAP, problem
    return None


def _refusal_detail(trace: dict | None) -> dict:
    """The refusal event keeps the clause trace that refused the grant (the offer's trace stays on the grant):
    the enterprise reads which clause failed on which figures, and may object (申诉)."""
    return {"trace": trace} if trace is not None else {}


def _superseded_reason() -> str:
    return _("The policy was updated: the offer will be made again under the new rules if the enterprise "
             "qualifies.")


@transaction.atomic
def grant_approve(*, grant: Grant, actor=None, trace: dict | None = None) -> Grant:
    """Approve a confirmed grant when the version it was offered under is still in force, the rule still
    holds **at the same amount** on today's facts, and the caps allow (秒批): the amount is reserved
    against that year's budget envelope. A changed amount is offered again (the enterprise confirms
    again); a superseded version's grant is withdrawn. Idempotent: a grant past confirmation is returned
    as it is. ``trace``: the rule's verdict on the enterprise's facts, when the caller has just computed it."""
    grant = Grant.objects.select_for_update(of=("self",)).select_related("version", "policy__cap_group") \
        .get(pk=grant.pk)
    if grant.state != GrantState.CONFIRMED:
        return grant
    if grant.version.state != VersionState.PUBLISHED:
        return _transition(grant, GrantState.WITHDRAWN, actor=actor, reason=_superseded_reason())
    grant.enterprise = Enterprise.objects.select_for_update().get(pk=grant.enterprise_id)
    if trace is None:
        trace = _evaluate_one(grant.version, grant.enterprise)
    if trace["eligible"] and trace["granted"] != grant.amount:
        return _reoffer(grant, version=grant.version, trace=trace, actor=actor,
                        reason=_amount_changed_reason(grant.amount, trace["granted"]))
    group = grant.policy.cap_group
    held = _held_by_enterprise(group, grant.period[:4], [grant.enterprise_id], exclude=[grant.pk]) \
        .get(grant.enterprise_id, 0) if group else 0
    if refusal := _refusal(grant, eligible=trace["eligible"], trace=trace, held=held):
        return _transition(grant, GrantState.REFUSED, actor=actor, refusal=refusal[0], reason=refusal[1][:300],
                           detail=_refusal_detail(trace if not trace["eligible"] else None))
    try:
        ledger.transfer_create(key=grant.reserve_key, debit=budget_account(policy=grant.policy, year=grant.period),
                               credit=_enterprise_account(grant.enterprise), amount=grant.amount, pending=True,
                               memo=str(grant)[:200],
                               metadata={"grant": grant.pk, "policy": grant.policy.code, "period": grant.period})
    except ValidationError:
        return _transition(grant, GrantState.REFUSED, actor=actor, refusal=RefusalKind.BUDGET,
                           reason=_("the policy's budget is used up."))
    return _transition(grant, GrantState.APPROVED, actor=actor, approved_at=timezone.now(), refusal="", reason="")


def grant_batch_approve(*, policy: Policy, actor=None, chunk: int = CHUNK) -> BatchResult:
    """Approve every confirmed grant of a policy, a chunk per transaction: the rule re-checked for
    the chunk at once (vectorised) on the version in force and today's facts — a changed amount is
    offered again, a superseded version's grant withdrawn —, the caps checked per enterprise **per year
    of each grant** (with the enterprise rows locked when the policy is in a cap group, whose yearly cap
    other policies' approvals also use), and the reservations made in one ledger batch against each
    year's budget envelope. Safe to run again, and beside other workers."""
    result = BatchResult()
    policy = Policy.objects.select_related("cap_group").get(pk=policy.pk)
    envelopes: dict[str, object] = {}
    versions: dict[int, PolicyVersion] = {}
    while True:
        with transaction.atomic():
            grants = _BatchGrant.locked(Grant.objects.filter(policy=policy, state=GrantState.CONFIRMED)
                                        .order_by("id")[:chunk], APPROVE_FIELDS)
            if not grants:
                return result
            for version_id in {g.version_id for g in grants} - set(versions):
                versions[version_id] = PolicyVersion.objects.get(pk=version_id)
            group = policy.cap_group
            rows = Enterprise.objects.filter(pk__any_of=[g.enterprise_id for g in grants]).order_by("id")
            if group is not None:  # the group's yearly cap sums across policies: one approval per enterprise at once
                rows = rows.select_for_update()
            enterprises = {pk: (uscc, name) for pk, uscc, name in rows.values_list("id", "uscc", "name")}
            checks = _recheck(grants, versions)
            # What each enterprise holds under the group, per year: a chunk may hold grants of several years.
            held: dict[tuple[int, str], int] = {}
            if group is not None:
                for year in {g.period[:4] for g in grants}:
                    ids = sorted({g.enterprise_id for g in grants if g.period[:4] == year})
                    for enterprise_id, total in _held_by_enterprise(group, year, ids,
                                                                    exclude=[g.pk for g in grants]).items():
                        held[enterprise_id, year] = total
            events, reserving, reoffers = [], [], []
            for grant in grants:
                grant.policy, grant.version = policy, versions[grant.version_id]
                key = (grant.enterprise_id, grant.period[:4])
                if grant.version.state != VersionState.PUBLISHED:
                    events.append(_state_change(grant, GrantState.WITHDRAWN, actor=actor,
                                                reason=_superseded_reason()))
                    continue
                eligible, amount, trace = checks[grant.pk]
                if eligible and amount != grant.amount:
                    reoffers.append(grant.pk)
                    continue
                if refusal := _refusal(grant, eligible=eligible, trace=trace, held=held.get(key, 0)):
                    events.append(_state_change(grant, GrantState.REFUSED, actor=actor, refusal=refusal[0],
                                                reason=refusal[1][:300], detail=_refusal_detail(trace)))
                    continue
                held[key] = held.get(key, 0) + grant.amount
                reserving.append(grant)
            # the enterprises' ledger accounts (opened on confirmation; any missing are opened in one batch)
            codes = {grant.enterprise_id: f"enterprise:{enterprises[grant.enterprise_id][0]}" for grant in reserving}
            accounts = {a.code: a for a in LedgerAccount.objects.filter(code__any_of=list(codes.values()))
                        .only("id", "code")}
            if missing := [e for e, code in codes.items() if code not in accounts]:
                accounts |= ledger_batches.account_open_batch(accounts=[
                    ledger_batches.AccountSpec(code=codes[e], name=enterprises[e][1], kind=AccountKind.ENTERPRISE)
                    for e in missing])
            for year in {g.period[:4] for g in reserving} - set(envelopes):
                envelopes[year] = budget_account(policy=policy, year=year)
            requests = [ledger_batches.TransferRequest(
                key=grant.reserve_key, debit=envelopes[grant.period[:4]], credit=accounts[codes[grant.enterprise_id]],
                amount=grant.amount, pending=True,
                memo=f"{policy} · {enterprises[grant.enterprise_id][1]} · {grant.period}"[:200],
                metadata={"grant": grant.pk, "policy": policy.code, "period": grant.period}) for grant in reserving]
            now = timezone.now()
            for grant, outcome in zip(reserving, ledger_batches.transfer_batch(requests=requests), strict=True):
                if outcome.ok:
                    events.append(_state_change(grant, GrantState.APPROVED, actor=actor, approved_at=now))
                else:
                    held[grant.enterprise_id, grant.period[:4]] -= grant.amount
                    events.append(_state_change(grant, GrantState.REFUSED, actor=actor, refusal=RefusalKind.BUDGET,
                                                reason=_("the policy's budget is used up.")))
            changed = [g for g in grants if g.pk not in reoffers]
            _save_grants(changed, ["state", "approved_at", "reason", "refusal"])
            _insert_events(events)
            for pk in reoffers:  # few: the facts changed between confirmation and approval
                grant = Grant.objects.select_for_update().select_related("version", "enterprise").get(pk=pk)
                trace = _evaluate_one(grant.version, grant.enterprise)
                _reoffer(grant, version=grant.version, trace=trace, actor=actor,
                         reason=_amount_changed_reason(grant.amount, trace["granted"]))
            result.approved += sum(g.state == GrantState.APPROVED for g in grants)
            result.refused += sum(g.state == GrantState.REFUSED for g in grants)
            result.reoffered += len(reoffers)
            result.withdrawn += sum(g.state == GrantState.WITHDRAWN for g in grants)


def _recheck(grants: list[_BatchGrant], versions: dict[int, PolicyVersion]
             ) -> dict[int, tuple[bool, int, dict | None]]:
    """Evaluate each grant's rule version for its enterprise, vectorised per version:
    (eligible, the amount today, the trace when not eligible)."""
    checks: dict[int, tuple[bool, int, dict | None]] = {}
    by_version: dict[int, list[_BatchGrant]] = {}
    for grant in grants:
        by_version.setdefault(grant.version_id, []).append(grant)
    for version_id, version_grants in by_version.items():
        version = versions[version_id]
        rule, population, evaluation = _evaluate(version, enterprise_ids=[g.enterprise_id for g in version_grants])
        for grant in version_grants:
            index = int(np.searchsorted(population.ids, grant.enterprise_id))
            eligible = bool(evaluation.eligible[index])
            checks[grant.pk] = (eligible, int(evaluation.amount[index]),
                                None if eligible else rules.trace(rule, population, index,
                                                                  cap=version.per_enterprise_cap))
    return checks
