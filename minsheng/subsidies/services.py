"""Every write of the policy-funds app: enterprises and facts, policies and versions, grants and payments.

The grant life cycle (choices.GRANT_TRANSITIONS): an offer is found by matching (免申即享) or made
on application (快申快享); the enterprise confirms with its bank account; approval re-checks the
rule and the caps and reserves the amount on the ledger (秒批); payment asks the bank and posts the
reservation when it confirms, or voids it when it fails (秒付).

Money never moves twice: a grant is unique per (policy, enterprise, period); its reservation has a
ledger key derived from that triple; the bank is asked with that key as the reference (banks answer
a known reference from their record); posting and voiding are idempotent by key. So any step can be
re-run after a crash or raced by another worker.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.identifiers import uscc_problem
from minsheng.ledger import batches as ledger_batches
from minsheng.ledger import services as ledger
from minsheng.ledger.bank import BankAdapter, answers_at_once, bank_adapter
from minsheng.ledger.choices import AccountKind, TransferKind
from minsheng.ledger.models import Account as LedgerAccount
from minsheng.ledger.models import Transfer
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region
from minsheng.org.scope import can, user_scope

from . import rules
from .choices import GRANT_TRANSITIONS, HOLDING_STATES, GrantState, PolicyMode, Scale, VersionState
from .models import (
    CapGroup,
    Enterprise,
    EnterpriseFact,
    FactDefinition,
    Grant,
    GrantEvent,
    Industry,
    Policy,
    PolicyApproval,
    PolicyVersion,
)
from .reference import reference_load
from .selectors import ENTERPRISE_SCOPE, GRANT_SCOPE, can_write_policies, fact_kinds, population_load

TREASURY_ACCOUNT = "treasury:city"
CHUNK = 2000
BANK_ACCOUNT = re.compile(r"^\d{8,30}$")


def reference_data_ensure() -> None:
    """Industries and fact kinds, as the migration loads them (tests that flush the database call this)."""
    reference_load(Industry, FactDefinition)
    _industry_codes.cache_clear()


# --- enterprises --------------------------------------------------------------------------------------

def _require_funds_officer(actor) -> None:
    if not can_write_policies(actor):
        raise PermissionDenied(_("Only funds officers may do this."))


def _district_of(region: Region) -> Region | None:
    codes = [code for code in region.path.split("/") if code]
    if region.level == RegionLevel.DISTRICT:
        return region
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


@lru_cache(maxsize=1)
def _industry_codes() -> dict[str, int]:
    return dict(Industry.objects.filter(level="division").values_list("code", "pk"))


def enterprise_problems(*, uscc: str, name: str, industry_code: str, scale: str) -> dict[str, str]:
    """What is wrong with an enterprise's identifying fields, by field (empty when nothing)."""
    problems = {}
    if problem := uscc_problem(uscc):
        problems["uscc"] = problem
    if not (name or "").strip():
        problems["name"] = _("The name is missing.")
    code = (industry_code or "").strip()
    if not re.fullmatch(r"\d{2,4}", code) or code[:2] not in _industry_codes():
        problems["industry_code"] = _(
            "“%(code)s” is not a GB/T 4754 industry code (2 to 4 digits of a known division).") % {"code": code}
    if scale not in Scale.values:
        problems["scale"] = _("The scale is “规上” or “规下”.")
    return problems


@transaction.atomic
def enterprise_register(*, uscc: str, name: str, region: Region, industry_code: str, scale: str,
                        registered_on: date, actor=None) -> Enterprise:
    uscc = (uscc or "").strip().upper()
    if problems := enterprise_problems(uscc=uscc, name=name, industry_code=industry_code, scale=scale):
        raise ValidationError(problems)
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise ValidationError({"uscc": _("An enterprise with this credit code is registered already.")})
    if registered_on > timezone.localdate():
        raise ValidationError({"registered_on": _("The registration date is in the future.")})
    enterprise = Enterprise.objects.create(
        uscc=uscc, name=name.strip(), region=region, district=_district_of(region),
        industry_code=industry_code, industry_id=_industry_codes()[industry_code[:2]], scale=scale,
        registered_on=registered_on,
    )
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprise_register", obj=enterprise, summary={"uscc": uscc})
    return enterprise


@transaction.atomic
def enterprise_link_user(*, enterprise: Enterprise, user, actor=None) -> None:
    """Let ``user`` (holding the enterprise role) act for ``enterprise`` in the mini-app."""
    if Role.ENTERPRISE not in user_scope(user).roles:
        raise ValidationError({"user": _("Only a person with the enterprise role can act for an enterprise.")})
    enterprise.users.add(user)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprise_link_user", obj=enterprise,
                     summary={"user": user.get_username()})


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: int = 0


def _row_error(errors: list[str], number: int, message: str) -> None:
    errors.append(_("Row %(row)s: %(message)s") % {"row": number, "message": message})


def _refuse_if(errors: list[str]) -> None:
    if errors:
        shown = errors[:200]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)s more rows with errors.") % {"n": len(errors) - len(shown)})
        raise ValidationError({"file": shown})


@transaction.atomic
def enterprises_import(*, rows: Iterable[dict], actor=None) -> ImportResult:
    """Register enterprises from rows (uscc, name, region, industry_code, scale, registered_on).

    Every row is checked first; one bad row refuses the whole file, with each bad row named.
    ``region`` is a region code. New enterprises only: a known credit code is an error.
    """
    rows = list(rows)
    errors: list[str] = []
    regions = {r.code: r for r in Region.objects.all()}
    known = set(Enterprise.objects.filter(uscc__in=[str(r.get("uscc", "")).strip().upper() for r in rows])
                .values_list("uscc", flat=True))
    seen: set[str] = set()
    prepared = []
    for number, row in enumerate(rows, 2):
        uscc = str(row.get("uscc") or "").strip().upper()
        problems = enterprise_problems(uscc=uscc, name=str(row.get("name") or ""),
                                       industry_code=str(row.get("industry_code") or "").strip(),
                                       scale=str(row.get("scale") or "").strip())
        for problem in problems.values():
            _row_error(errors, number, str(problem))
        if uscc in known or uscc in seen:
            _row_error(errors, number, _("credit code %(uscc)s is registered already.") % {"uscc": uscc})
        seen.add(uscc)
        region = regions.get(str(row.get("region") or "").strip())
        if region is None:
            _row_error(errors, number, _("unknown region code “%(code)s”.") % {"code": row.get("region")})
        registered_on = _parse_date(row.get("registered_on"))
        if registered_on is None or registered_on > timezone.localdate():
            _row_error(errors, number, _("the registration date must be a past date like 2015-06-30."))
        prepared.append((uscc, row, region, registered_on))
    _refuse_if(errors)
    districts: dict[int, Region | None] = {}
    objects = []
    for uscc, row, region, registered_on in prepared:
        if region.pk not in districts:
            districts[region.pk] = _district_of(region)
        code = str(row["industry_code"]).strip()
        objects.append(Enterprise(
            uscc=uscc, name=str(row["name"]).strip(), region=region, district=districts[region.pk],
            industry_code=code, industry_id=_industry_codes()[code[:2]], scale=str(row["scale"]).strip(),
            registered_on=registered_on,
        ))
    Enterprise.objects.bulk_create(objects, batch_size=2000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.enterprises_import", summary={"rows": len(objects)})
    return ImportResult(created=len(objects), rows=len(objects))


def _parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def _parse_amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _current_period(kind: str) -> str:
    today = timezone.localdate()
    return {"year": f"{today.year}", "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "month": f"{today.year}-{today.month:02d}"}[kind]


def fact_problem(*, definition: FactDefinition | None, period: str, value: Decimal | None) -> str | None:
    if definition is None:
        return _("unknown fact.")
    kind = rules.period_kind_of(period)
    if kind != definition.period_kind:
        return _("“%(fact)s” is reported by %(kind)s: the period must look like %(example)s, not “%(period)s”.") % {
            "fact": definition.name, "kind": definition.get_period_kind_display(),
            "example": rules.PERIOD_EXAMPLES[definition.period_kind], "period": period}
    if period > _current_period(kind):
        return _("the period %(period)s has not begun yet.") % {"period": period}
    if value is None:
        return _("the value is not a number.")
    if value < 0:
        return _("the value cannot be negative.")
    if value.as_tuple().exponent < -2 or abs(value) >= Decimal("1e16"):
        return _("the value has more than two decimals or is too large.")
    return None


@transaction.atomic
def facts_import(*, rows: Iterable[dict], source: str = "", actor=None) -> ImportResult:
    """Record facts from rows (uscc, fact, period, value[, source]); a later import replaces a value.

    All-or-nothing: every row is checked (credit code known, fact known, period of the fact's kind
    and not in the future, value a non-negative number) before anything is written.
    """
    rows = list(rows)
    errors: list[str] = []
    definitions = {d.name: d for d in FactDefinition.objects.all()}
    usccs = {str(r.get("uscc") or "").strip().upper() for r in rows}
    enterprises = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "pk"))
    wanted: dict[tuple[int, int, str], tuple[Decimal, str]] = {}
    for number, row in enumerate(rows, 2):
        uscc = str(row.get("uscc") or "").strip().upper()
        if problem := uscc_problem(uscc):
            _row_error(errors, number, problem)
            continue
        if uscc not in enterprises:
            _row_error(errors, number, _("no enterprise with credit code %(uscc)s.") % {"uscc": uscc})
            continue
        definition = definitions.get(str(row.get("fact") or "").strip())
        period = str(row.get("period") or "").strip()
        value = _parse_amount(row.get("value"))
        if problem := fact_problem(definition=definition, period=period, value=value):
            if definition is None:
                problem = _("unknown fact “%(fact)s”.") % {"fact": row.get("fact")}
            _row_error(errors, number, problem)
            continue
        wanted[(enterprises[uscc], definition.pk, period)] = (value, str(row.get("source") or source)[:60])
    _refuse_if(errors)
    existing = {
        (f.enterprise_id, f.definition_id, f.period): f
        for f in EnterpriseFact.objects.filter(enterprise_id__in=enterprises.values())
        .filter(definition_id__in={k[1] for k in wanted})
    }
    new, changed = [], []
    for key, (value, row_source) in wanted.items():
        if key in existing:
            fact = existing[key]
            fact.value, fact.source = value, row_source
            changed.append(fact)
        else:
            new.append(EnterpriseFact(enterprise_id=key[0], definition_id=key[1], period=key[2], value=value,
                                      source=row_source))
    EnterpriseFact.objects.bulk_create(new, batch_size=5000)
    EnterpriseFact.objects.bulk_update(changed, ["value", "source", "imported_at"], batch_size=5000)
    if actor is not None:
        audit_record(actor=actor, action="subsidies.facts_import",
                     summary={"created": len(new), "updated": len(changed), "source": source})
    return ImportResult(created=len(new), updated=len(changed), rows=len(rows))


# --- policies -------------------------------------------------------------------------------------------

def rule_compile(*, rule_text: str, period: str) -> rules.Rule:
    """Parse a rule against the fact registry and the industry table; ValidationError by line."""
    try:
        return _compile(rule_text, period, tuple(sorted(fact_kinds().items())),
                        settings.SUBSIDIES_MAX_GRANT_YUAN * 100)
    except rules.RuleError as exc:
        raise ValidationError({"rule_text": [
            (_("Line %(line)s: %(reason)s") % {"line": line, "reason": reason}) if line else reason
            for line, reason in exc.problems
        ]}) from exc


@lru_cache(maxsize=64)
def _compile(rule_text: str, period: str, facts: tuple, max_amount: int) -> rules.Rule:
    industries = set(_industry_codes()) | set(Industry.objects.filter(level="section").values_list("code", flat=True))
    return rules.parse_rule(rule_text, facts=dict(facts), period=period, industries=industries,
                            max_amount=max_amount)


def _check_terms(*, period: str, budget: int, per_enterprise_cap: int | None, legal_reference: str) -> None:
    problems = {}
    if rules.period_kind_of(period) is None:
        problems["period"] = _("The period looks like 2026, 2026Q3 or 2026-10.")
    if not isinstance(budget, int) or budget <= 0:
        problems["budget"] = _("The budget must be a positive amount.")
    if per_enterprise_cap is not None and per_enterprise_cap <= 0:
        problems["per_enterprise_cap"] = _("The cap per enterprise must be a positive amount.")
    if not (legal_reference or "").strip():
        problems["legal_reference"] = _("Name the document the policy rests on.")
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def policy_create(*, code: str, name: str, mode: str, actor, rule_text: str, period: str, budget: int,
                  legal_reference: str, per_enterprise_cap: int | None = None, cap_group: CapGroup | None = None,
                  owner_unit=None) -> PolicyVersion:
    """A new policy with its first (draft) version."""
    _require_funds_officer(actor)
    if mode not in PolicyMode.values:
        raise ValidationError({"mode": _("Unknown policy mode.")})
    if not re.fullmatch(r"[-a-z0-9_]{2,40}", code or ""):
        raise ValidationError({"code": _("A policy code has 2 to 40 lower-case letters, digits, - or _.")})
    if Policy.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A policy with this code exists already.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("The name is missing.")})
    _check_terms(period=period, budget=budget, per_enterprise_cap=per_enterprise_cap, legal_reference=legal_reference)
    rule_compile(rule_text=rule_text, period=period)
    policy = Policy.objects.create(code=code, name=name.strip(), mode=mode, cap_group=cap_group,
                                   owner_unit=owner_unit, created_by=actor, budget_account_code=f"budget:{code}")
    version = PolicyVersion.objects.create(policy=policy, number=1, rule_text=rule_text, period=period, budget=budget,
                                           per_enterprise_cap=per_enterprise_cap, legal_reference=legal_reference,
                                           author=actor)
    audit_record(actor=actor, action="subsidies.policy_create", obj=policy, summary={"code": code})
    return version


@transaction.atomic
def policy_version_save(*, policy: Policy, actor, rule_text: str, period: str, budget: int, legal_reference: str,
                        per_enterprise_cap: int | None = None) -> PolicyVersion:
    """Change a policy: edit its draft, or — when the latest version is published — start a new version."""
    _require_funds_officer(actor)
    _check_terms(period=period, budget=budget, per_enterprise_cap=per_enterprise_cap, legal_reference=legal_reference)
    rule_compile(rule_text=rule_text, period=period)
    Policy.objects.select_for_update().get(pk=policy.pk)
    latest = policy.versions.order_by("-number").first()
    terms = {"rule_text": rule_text, "period": period, "budget": budget, "legal_reference": legal_reference,
             "per_enterprise_cap": per_enterprise_cap}
    if latest is not None and latest.state == VersionState.DRAFT:
        for name, value in terms.items():
            setattr(latest, name, value)
        latest.author = actor
        latest.save(update_fields=[*terms, "author"])
        version = latest
    else:
        version = PolicyVersion.objects.create(policy=policy, number=(latest.number + 1) if latest else 1,
                                               author=actor, **terms)
    audit_record(actor=actor, action="subsidies.policy_version_save", obj=version, summary={"number": version.number})
    return version


@dataclass
class Simulation:
    version: PolicyVersion
    population: int
    eligible: int
    total: int  # fen
    budget: int
    by_district: list[tuple[str, int, int]] = field(default_factory=list)  # (name, count, fen)
    by_industry: list[tuple[str, int, int]] = field(default_factory=list)
    clause_pass: list[tuple[str, int]] = field(default_factory=list)  # how many pass each clause
    traces: list[dict] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # named credit codes that are not registered

    @property
    def within_budget(self) -> bool:
        return self.total <= self.budget


def _evaluate(version: PolicyVersion, enterprise_ids=None) -> tuple[rules.Rule, rules.Population, rules.Evaluation]:
    rule = rule_compile(rule_text=version.rule_text, period=version.period)
    population = population_load(facts=rule.facts_used(), enterprise_ids=enterprise_ids)
    return rule, population, rules.evaluate(rule, population, cap=version.per_enterprise_cap)


def _group(keys: np.ndarray, amounts: np.ndarray, eligible: np.ndarray) -> list[tuple[str, int, int]]:
    groups = []
    for key in np.unique(keys[eligible]):
        mask = eligible & (keys == key)
        groups.append((str(key) or "—", int(mask.sum()), int(amounts[mask].sum())))
    return sorted(groups, key=lambda g: -g[2])


def policy_simulate(*, version: PolicyVersion, named: Iterable[str] = ()) -> Simulation:
    """Who would qualify and for how much, against the budget; with a clause trace for named enterprises."""
    rule, population, result = _evaluate(version)
    sections = dict(Industry.objects.filter(level="section").values_list("code", "name"))
    simulation = Simulation(
        version=version, population=len(population), eligible=int(result.eligible.sum()),
        total=int(result.amount.sum()), budget=version.budget,
        by_district=_group(population.district_name, result.amount, result.eligible),
        by_industry=[(f"{code} {sections.get(code, '')}", n, fen)
                     for code, n, fen in _group(population.section, result.amount, result.eligible)],
        clause_pass=[(c.name, int(result.clause_values[c.name].sum())) for c in rule.clauses],
    )
    codes = [c.strip().upper() for c in named if c.strip()]
    ids = dict(Enterprise.objects.filter(uscc__in=codes).values_list("uscc", "pk"))
    for code in codes:
        if code not in ids:
            simulation.unknown.append(code)
            continue
        index = int(np.searchsorted(population.ids, ids[code]))
        simulation.traces.append({"uscc": code, **rules.trace(rule, population, index, cap=version.per_enterprise_cap)})
    return simulation


def _budget_account(policy: Policy):
    return ledger.account_open(code=policy.budget_account_code or f"budget:{policy.code}",
                               name=f"{policy.name} 预算", kind=AccountKind.BUDGET,
                               debits_must_not_exceed_credits=True)


@transaction.atomic
def policy_publish(*, version: PolicyVersion, approver, comment: str = "") -> PolicyVersion:
    """Publish a draft with a second person's approval (四眼原则); fund its budget on the ledger."""
    _require_funds_officer(approver)
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy").get(pk=version.pk)
    if version.state != VersionState.DRAFT:
        raise Conflict(_("Version %(n)s is %(state)s already.") % {"n": version.number,
                                                                   "state": version.get_state_display()})
    if version.author_id == approver.pk:
        raise ValidationError({"approver": _("The author cannot approve their own version: a second person must.")})
    rule_compile(rule_text=version.rule_text, period=version.period)
    policy = version.policy
    budget_account = _budget_account(policy)
    funded = ledger.account_balance(budget_account).posted_credits
    if version.budget < funded:
        raise ValidationError({"budget": _("The budget cannot fall below the %(funded)s fen already funded.")
                               % {"funded": funded}})
    if version.budget > funded:
        treasury = ledger.account_open(code=TREASURY_ACCOUNT, name="市财政", kind=AccountKind.TREASURY)
        ledger.transfer_create(key=f"fund:{policy.code}:v{version.number}", debit=treasury, credit=budget_account,
                               amount=version.budget - funded, memo=f"{policy.name} v{version.number}")
    policy.versions.filter(state=VersionState.PUBLISHED).update(state=VersionState.SUPERSEDED)
    PolicyApproval.objects.create(version=version, approver=approver, comment=comment[:300])
    version.state = VersionState.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["state", "published_at"])
    audit_record(actor=approver, action="subsidies.policy_publish", obj=version,
                 summary={"number": version.number, "budget": version.budget})
    return version


def _facts_hash(seen: dict) -> str:
    return hashlib.sha256(json.dumps(seen, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _trace_inputs(trace: dict) -> dict:
    inputs: dict = {}
    for clause in trace["clauses"]:
        inputs.update(clause["seen"])
    inputs.update(trace["amount"]["seen"])
    return inputs


def _event(grant: Grant, to_state: str, *, from_state: str = "", actor=None, detail: dict | None = None) -> GrantEvent:
    return GrantEvent(grant=grant, from_state=from_state, to_state=to_state,
                      actor=actor if getattr(actor, "is_authenticated", False) else None, detail=detail or {})


def _transition(grant: Grant, to_state: str, *, actor=None, detail: dict | None = None, **fields) -> Grant:
    if to_state not in GRANT_TRANSITIONS[grant.state]:
        raise ValidationError(_("A grant that is %(state)s cannot become %(to)s.") % {
            "state": grant.get_state_display(), "to": GrantState(to_state).label})
    _event(grant, to_state, from_state=grant.state, actor=actor, detail=detail).save()
    grant.state = to_state
    for name, value in fields.items():
        setattr(grant, name, value)
    grant.save(update_fields=["state", *fields])
    return grant


@dataclass
class MatchResult:
    eligible: int
    offered: int
    existing: int
    conflicting: int  # existing offers whose amount differs from today's evaluation (left unchanged)


@transaction.atomic
def policy_match(*, version: PolicyVersion, actor=None) -> MatchResult:
    """Find every eligible enterprise and offer it the grant (免申即享). Safe to run again: an
    enterprise offered once is not offered twice, and an existing grant keeps its amount."""
    version = PolicyVersion.objects.select_related("policy").get(pk=version.pk)
    if version.state != VersionState.PUBLISHED:
        raise ValidationError(_("Only a published version can be matched."))
    Policy.objects.select_for_update().get(pk=version.policy_id)  # one matching run per policy at a time
    rule, population, result = _evaluate(version)
    indexes = np.flatnonzero(result.eligible)
    existing = dict(Grant.objects.filter(policy=version.policy, period=version.period)
                    .values_list("enterprise_id", "amount"))
    conflicting = 0
    new = []
    for index in indexes:
        enterprise_id, amount = int(population.ids[index]), int(result.amount[index])
        if enterprise_id in existing:
            conflicting += existing[enterprise_id] != amount
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
        audit_record(actor=actor, action="subsidies.policy_match", obj=version, summary={"offered": len(created)})
    return MatchResult(eligible=len(indexes), offered=len(created), existing=len(indexes) - len(created),
                       conflicting=conflicting)


def _reserve_key(policy: Policy, enterprise_id: int, period: str) -> str:
    return f"grant:{policy.code}:{enterprise_id}:{period}"


def _evaluate_one(version: PolicyVersion, enterprise: Enterprise) -> dict:
    rule, population, _result = _evaluate(version, enterprise_ids=[enterprise.pk])
    return rules.trace(rule, population, 0, cap=version.per_enterprise_cap)


def _not_eligible(trace: dict) -> ValidationError:
    failed = [c["clause"] for c in trace["clauses"] if c["result"] != "true"]
    if failed:
        return ValidationError(_("The enterprise does not qualify: %(clauses)s.") % {"clauses": "、".join(failed)})
    return ValidationError(_("The enterprise does not qualify: the amount comes to nothing."))


@transaction.atomic
def grant_offer(*, version: PolicyVersion, enterprise: Enterprise, actor=None) -> Grant:
    """The grant for one enterprise (an application, 快申快享): created when the rule holds; a retry
    returns the first grant; a retry that would come to a different amount is refused."""
    if version.state != VersionState.PUBLISHED:
        raise ValidationError(_("This policy version is not published."))
    trace = _evaluate_one(version, enterprise)
    if not trace["eligible"]:
        raise _not_eligible(trace)
    existing = Grant.objects.filter(policy=version.policy_id, enterprise=enterprise, period=version.period).first()
    if existing is not None:
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


def _check_bank_account(account_no: str, account_name: str) -> tuple[str, str]:
    account_no = (account_no or "").replace(" ", "")
    problems = {}
    if not BANK_ACCOUNT.match(account_no):
        problems["bank_account_no"] = _("A bank account number has 8 to 30 digits.")
    if not (account_name or "").strip():
        problems["bank_account_name"] = _("Give the name on the receiving account.")
    if problems:
        raise ValidationError(problems)
    return account_no, account_name.strip()[:200]


@transaction.atomic
def _confirm(*, grant: Grant, user, bank_account_no: str, bank_account_name: str) -> tuple[Grant, dict]:
    account_no, account_name = _check_bank_account(bank_account_no, bank_account_name)
    grant = Grant.objects.select_for_update(of=("self",)).select_related("version", "policy", "enterprise") \
        .get(pk=grant.pk)
    if not can(user, action="write", rules=GRANT_SCOPE, obj=grant) or not (
            user.is_superuser or grant.enterprise.users.filter(pk=user.pk).exists()):
        raise PermissionDenied(_("Only the enterprise's own users can confirm its grant."))
    if grant.state != GrantState.OFFERED:
        if grant.state == GrantState.REFUSED:
            raise ValidationError(_("This grant was refused: %(reason)s") % {"reason": grant.reason})
        raise Conflict(_("This grant was confirmed already (it is %(state)s now).")
                       % {"state": grant.get_state_display()})
    trace = _evaluate_one(grant.version, grant.enterprise)
    if not trace["eligible"]:
        raise _not_eligible(trace)
    _transition(grant, GrantState.CONFIRMED, actor=user, confirmed_at=timezone.now(), bank_account_no=account_no,
                bank_account_name=account_name, detail={"facts_hash": _facts_hash(_trace_inputs(trace))})
    _enterprise_account(grant.enterprise)
    audit_record(actor=user, action="subsidies.grant_confirm", obj=grant, summary={"amount": grant.amount})
    return grant, trace


def grant_confirm(*, grant: Grant, user, bank_account_no: str, bank_account_name: str,
                  bank: BankAdapter | None = None, settle: bool = True) -> Grant:
    """The enterprise confirms its offer with a receiving account, in one step; then, when the rules
    and caps hold, it is approved (秒批) and paid (秒付) at once. Confirming twice is refused."""
    grant, trace = _confirm(grant=grant, user=user, bank_account_no=bank_account_no,
                            bank_account_name=bank_account_name)
    if not settle:
        return grant
    grant = grant_approve(grant=grant, trace=trace)
    if grant.state == GrantState.APPROVED:
        grant = grant_pay(grant=grant, bank=bank)
    return grant


def grant_apply(*, version: PolicyVersion, enterprise: Enterprise, user, bank_account_no: str,
                bank_account_name: str, bank: BankAdapter | None = None) -> Grant:
    """Apply to a policy by application (快申快享): the rule decides at once, then confirm → approve → pay."""
    if not user.is_superuser and not enterprise.users.filter(pk=user.pk).exists():
        raise PermissionDenied(_("Only the enterprise's own users can apply for it."))
    grant = grant_offer(version=version, enterprise=enterprise, actor=user)
    return grant_confirm(grant=grant, user=user, bank_account_no=bank_account_no,
                         bank_account_name=bank_account_name, bank=bank)


# --- approval and payment ---------------------------------------------------------------------------

def _enterprise_account(enterprise: Enterprise):
    """The enterprise's ledger account, opened when it first confirms a grant."""
    return ledger.account_open(code=f"enterprise:{enterprise.uscc}", name=enterprise.name, kind=AccountKind.ENTERPRISE)


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


def _refusal(grant: Grant, *, eligible: bool, trace: dict | None, held: int) -> str | None:
    if not eligible:
        return str(_not_eligible(trace).messages[0])[:300]
    return _cap_problem(grant, held=held)


def _save_grants(grants: "list[Grant] | list[_BatchGrant]", fields: list[str]) -> None:
    """Write ``fields`` of many grants in one statement. On PostgreSQL one UPDATE … FROM
    json_to_recordset(one JSON document) whatever the number of rows (the json module's C encoder
    writes it; arrays would be quoted value by value); elsewhere one executemany. (Django's
    bulk_update builds one CASE per field and row, which costs more than the database work.)"""
    if not grants:
        return
    table = connection.ops.quote_name(Grant._meta.db_table)
    columns = [Grant._meta.get_field(name) for name in fields]
    if connection.vendor == "postgresql":
        quoted = {c.column: connection.ops.quote_name(c.column) for c in columns}
        record = ", ".join(["id bigint", *(f"{quoted[c.column]} {c.db_type(connection)}" for c in columns)])
        assignments = ", ".join(f"{q} = v.{q}" for q in quoted.values())
        document = _json_rows([{"id": g.pk, **{c.column: _json_value(c, getattr(g, c.attname)) for c in columns}}
                               for g in grants])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {assignments} FROM json_to_recordset(%s::json) AS v({record}) "
                           f"WHERE {table}.id = v.id", [document])
        return
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
    rows = [[c.get_db_prep_save(getattr(g, c.attname), connection) for c in columns] + [g.pk] for g in grants]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)


def _json_value(field, value):
    """A grant field's value for _json_rows: text as it is (what get_db_prep_save returns for it)."""
    return value if value is None or isinstance(value, str) else field.get_db_prep_save(value, connection)


def _json_rows(rows: list[dict]) -> str:
    """Rows as one JSON document for json_to_recordset (times in ISO 8601 with their offset)."""
    return json.dumps(rows, ensure_ascii=False, default=lambda value: value.isoformat())


@dataclass(slots=True)
class _BatchGrant:
    """A grant as a batch step reads and changes it: the columns of APPROVE_FIELDS or PAY_FIELDS,
    and the policy and version once the step sets them. One object where a model instance is
    four, for thousands of grants a chunk; _state_change, _refusal and _save_grants take either."""
    id: int
    state: str
    amount: int
    reserve_key: str
    reason: str
    policy_id: int | None = None
    version_id: int | None = None
    enterprise_id: int | None = None
    period: str = ""
    approved_at: datetime | None = None
    bank_account_no: str = ""
    bank_account_name: str = ""
    bank_reference: str = ""
    paid_at: datetime | None = None
    policy: Policy | None = None
    version: PolicyVersion | None = None

    @property
    def pk(self) -> int:
        return self.id

    def get_state_display(self) -> str:
        return str(GrantState(self.state).label)

    @classmethod
    def locked(cls, queryset, fields: tuple[str, ...]) -> list["_BatchGrant"]:
        """The grants of ``queryset`` with ``fields``, locked (SELECT … FOR UPDATE)."""
        return [cls(**dict(zip(fields, row, strict=True)))
                for row in queryset.select_for_update().values_list(*fields)]


@dataclass(frozen=True)
class _EventRow:
    """A grant event waiting to be appended by _insert_events (lighter than a model instance)."""
    grant_id: int
    from_state: str
    to_state: str
    actor_id: int | None
    detail: dict


_EVENT_COLUMNS = ("grant_id", "from_state", "to_state", "actor_id", "detail")


def _insert_events(events: list[_EventRow]) -> None:
    """Append many grant events in one statement (PostgreSQL: INSERT … SELECT FROM
    json_to_recordset; elsewhere one executemany), for the same reason as _save_grants."""
    if not events:
        return
    now = timezone.now()
    table = connection.ops.quote_name(GrantEvent._meta.db_table)
    fields = [GrantEvent._meta.get_field(n[:-3] if n.endswith("_id") else n) for n in _EVENT_COLUMNS]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        record = ", ".join(f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}" for f in fields)
        document = _json_rows([dict(zip(_EVENT_COLUMNS, (e.grant_id, e.from_state, e.to_state, e.actor_id, e.detail),
                                        strict=True)) for e in events])
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}, occurred_at) "
                           f"SELECT {names}, %s FROM json_to_recordset(%s::json) AS v({record})", [now, document])
        return
    detail = GrantEvent._meta.get_field("detail")
    occurred = GrantEvent._meta.get_field("occurred_at").get_db_prep_save(now, connection)
    rows = [[e.grant_id, e.from_state, e.to_state, e.actor_id, detail.get_db_prep_save(e.detail, connection),
             occurred] for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}, occurred_at) VALUES (%s, %s, %s, %s, %s, %s)", rows)


def _state_change(grant: "Grant | _BatchGrant", to_state: str, *, actor=None, detail: dict | None = None,
                  **fields) -> _EventRow:
    """Change the grant in memory (checked against the transition table); the caller saves in bulk."""
    if to_state not in GRANT_TRANSITIONS[grant.state]:
        raise ValidationError(_("A grant that is %(state)s cannot become %(to)s.") % {
            "state": grant.get_state_display(), "to": GrantState(to_state).label})
    event = _EventRow(grant.pk, grant.state, to_state, actor.pk if getattr(actor, "is_authenticated", False) else None,
                      detail or {})
    grant.state = to_state
    for name, value in fields.items():
        setattr(grant, name, value)
    return event


@transaction.atomic
def grant_approve(*, grant: Grant, actor=None, trace: dict | None = None) -> Grant:
    """Approve a confirmed grant when the rule still holds and the caps allow (秒批): the amount is
    reserved against the policy budget. Idempotent: a grant past confirmation is returned as it is.
    ``trace``: the rule's verdict on the enterprise's facts, when the caller has just computed it."""
    grant = Grant.objects.select_for_update(of=("self",)).select_related("version", "policy__cap_group") \
        .get(pk=grant.pk)
    if grant.state != GrantState.CONFIRMED:
        return grant
    grant.enterprise = Enterprise.objects.select_for_update().get(pk=grant.enterprise_id)
    if trace is None:
        trace = _evaluate_one(grant.version, grant.enterprise)
    group = grant.policy.cap_group
    held = _held_by_enterprise(group, grant.period[:4], [grant.enterprise_id], exclude=[grant.pk]) \
        .get(grant.enterprise_id, 0) if group else 0
    if problem := _refusal(grant, eligible=trace["eligible"], trace=trace, held=held):
        return _transition(grant, GrantState.REFUSED, actor=actor, reason=problem[:300])
    try:
        ledger.transfer_create(key=grant.reserve_key, debit=_budget_account(grant.policy),
                               credit=_enterprise_account(grant.enterprise), amount=grant.amount, pending=True,
                               memo=str(grant)[:200],
                               metadata={"grant": grant.pk, "policy": grant.policy.code, "period": grant.period})
    except ValidationError:
        return _transition(grant, GrantState.REFUSED, actor=actor, reason=_("the policy's budget is used up."))
    return _transition(grant, GrantState.APPROVED, actor=actor, approved_at=timezone.now())


@dataclass
class BatchResult:
    approved: int = 0
    refused: int = 0
    paid: int = 0
    failed: int = 0
    skipped: int = 0


def grant_batch_approve(*, policy: Policy, actor=None, chunk: int = CHUNK) -> BatchResult:
    """Approve every confirmed grant of a policy, a chunk per transaction: the rule re-checked for
    the chunk at once (vectorised), the caps checked (with the enterprise rows locked when the
    policy is in a cap group, whose yearly cap other policies' approvals also use), and the
    reservations made in one ledger batch. Safe to run again, and beside other workers."""
    result = BatchResult()
    budget_account = _budget_account(policy)
    policy = Policy.objects.select_related("cap_group").get(pk=policy.pk)
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
            held = _held_by_enterprise(group, grants[0].period[:4], list(enterprises),
                                       exclude=[g.pk for g in grants]) if group else {}
            events, reserving = [], []
            for grant in grants:
                grant.policy, grant.version = policy, versions[grant.version_id]
                eligible, trace = checks[grant.pk]
                if problem := _refusal(grant, eligible=eligible, trace=trace, held=held.get(grant.enterprise_id, 0)):
                    events.append(_state_change(grant, GrantState.REFUSED, actor=actor, reason=problem[:300]))
                    continue
                held[grant.enterprise_id] = held.get(grant.enterprise_id, 0) + grant.amount
                reserving.append(grant)
            # the enterprises' ledger accounts (opened on confirmation; any missing are opened in one batch)
            codes = {grant.enterprise_id: f"enterprise:{enterprises[grant.enterprise_id][0]}" for grant in reserving}
            accounts = {a.code: a for a in LedgerAccount.objects.filter(code__any_of=list(codes.values()))
                        .only("id", "code")}
            if missing := [e for e, code in codes.items() if code not in accounts]:
                accounts |= ledger_batches.account_open_batch(accounts=[
                    ledger_batches.AccountSpec(code=codes[e], name=enterprises[e][1], kind=AccountKind.ENTERPRISE)
                    for e in missing])
            requests = [ledger_batches.TransferRequest(
                key=grant.reserve_key, debit=budget_account, credit=accounts[codes[grant.enterprise_id]],
                amount=grant.amount, pending=True,
                memo=f"{policy} · {enterprises[grant.enterprise_id][1]} · {grant.period}"[:200],
                metadata={"grant": grant.pk, "policy": policy.code, "period": grant.period}) for grant in reserving]
            now = timezone.now()
            for grant, outcome in zip(reserving, ledger_batches.transfer_batch(requests=requests), strict=True):
                if outcome.ok:
                    events.append(_state_change(grant, GrantState.APPROVED, actor=actor, approved_at=now))
                else:
                    held[grant.enterprise_id] -= grant.amount
                    events.append(_state_change(grant, GrantState.REFUSED, actor=actor,
                                                reason=_("the policy's budget is used up.")))
            _save_grants(grants, ["state", "approved_at", "reason"])
            _insert_events(events)
            result.approved += sum(g.state == GrantState.APPROVED for g in grants)
            result.refused += sum(g.state == GrantState.REFUSED for g in grants)


def _recheck(grants: list[_BatchGrant], versions: dict[int, PolicyVersion]) -> dict[int, tuple[bool, dict | None]]:
    """Evaluate each grant's rule version for its enterprise, vectorised per version."""
    checks: dict[int, tuple[bool, dict | None]] = {}
    by_version: dict[int, list[_BatchGrant]] = {}
    for grant in grants:
        by_version.setdefault(grant.version_id, []).append(grant)
    for version_id, version_grants in by_version.items():
        version = versions[version_id]
        rule, population, evaluation = _evaluate(version, enterprise_ids=[g.enterprise_id for g in version_grants])
        for grant in version_grants:
            index = int(np.searchsorted(population.ids, grant.enterprise_id))
            eligible = bool(evaluation.eligible[index])
            checks[grant.pk] = (eligible, None if eligible else rules.trace(rule, population, index,
                                                                            cap=version.per_enterprise_cap))
    return checks


def grant_pay(*, grant: Grant, bank: BankAdapter | None = None) -> Grant:
    """Pay one approved grant (秒付). Runs outside a transaction: the bank is never asked while a row
    is locked. Idempotent and safe to race: see the module docstring."""
    _pay_chunk([grant.pk], bank=bank or bank_adapter())
    return Grant.objects.select_related("policy", "enterprise", "version").get(pk=grant.pk)


def grant_batch_pay(*, policy: Policy, bank: BankAdapter | None = None, chunk: int = CHUNK,
                    limit: int | None = None) -> BatchResult:
    """Pay every approved grant of a policy (and finish any left half-paid by a crash), a chunk at a time."""
    result = BatchResult()
    bank = bank or bank_adapter()
    done = 0
    last_id = 0
    while limit is None or done < limit:
        ids = list(Grant.objects.filter(policy=policy, state__in=(GrantState.APPROVED, GrantState.PAYING),
                                        pk__gt=last_id).order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        last_id = ids[-1]
        outcome = _pay_chunk(ids, bank=bank)
        result.paid += outcome.paid
        result.failed += outcome.failed
        result.skipped += outcome.skipped
        done += len(ids)
    return result


# What approving and paying read of a grant (not the trace, the facts or the times they do not write).
APPROVE_FIELDS = ("id", "policy_id", "version_id", "enterprise_id", "period", "amount", "state", "reserve_key",
                  "approved_at", "reason")
PAY_FIELDS = ("id", "state", "amount", "reserve_key", "bank_account_no", "bank_account_name", "bank_reference",
              "paid_at", "reason")


def _pay_chunk(ids: list[int], *, bank: BankAdapter) -> BatchResult:
    """Claim, ask the bank, post or void, record. With a bank that answers at once (no network: the
    simulated bank at 0 ms) all in one transaction, the grants locked from claim to record; else the
    claim is committed first and the bank asked outside any transaction, so no row stays locked
    while a real bank answers. Either way a crash anywhere is finished by running the batch again:
    the bank answers a reference it has seen from its record, and the ledger closes a reservation once."""
    if answers_at_once(bank):
        with transaction.atomic():
            return _pay_claimed(_claim(ids, save=False), bank=bank, locked=True)
    with transaction.atomic():
        grants = _claim(ids, save=True)
    return _pay_claimed(grants, bank=bank, locked=False)


def _claim(ids: list[int], *, save: bool) -> list[_BatchGrant]:
    """Lock the grants and claim the approved ones: approved → paying (a grant already paying was
    claimed before a crash or by another worker), the events recorded. Returns every grant found,
    in id order. ``save``: write the paying state now (else the caller writes each grant once, with
    its outcome, in the same transaction: nobody else can see the grant paying in between)."""
    grants = _BatchGrant.locked(Grant.objects.filter(pk__any_of=ids).order_by("id"), PAY_FIELDS)
    claimed = [g for g in grants if g.state == GrantState.APPROVED]
    events = [_state_change(g, GrantState.PAYING) for g in claimed]
    if save:
        _save_grants(claimed, ["state"])
    _insert_events(events)
    return grants


def _pay_claimed(grants: list[_BatchGrant], *, bank: BankAdapter, locked: bool) -> BatchResult:
    """Ask the bank for each paying grant (the reservation key is the payment reference), post or
    void the reservations in one ledger batch and record the outcome. ``locked``: the caller holds
    the grants' row locks since the claim (else they are locked again before recording)."""
    result = BatchResult()
    paying = [g for g in grants if g.state == GrantState.PAYING]
    result.skipped = len(grants) - len(paying)
    if not paying:
        return result
    answers = {g.pk: bank.pay(reference=g.reserve_key, account_no=g.bank_account_no,
                              account_name=g.bank_account_name, amount=g.amount) for g in paying}
    reservations = {t.key: t for t in Transfer.objects.filter(key__any_of=[g.reserve_key for g in paying])
                    .only("id", "key")}
    with transaction.atomic(savepoint=not locked):  # locked: inside _pay_chunk's transaction already
        now = timezone.now()
        if locked:
            current = {g.pk: g.state for g in paying}
        else:
            current = dict(Grant.objects.select_for_update().filter(pk__any_of=[g.pk for g in paying])
                           .order_by("id").values_list("id", "state"))
        requests = []
        for grant in paying:
            answer = answers[grant.pk]
            details = {"bank_reference": answer.bank_reference, "bank_message": answer.message}
            requests.append(ledger_batches.CloseRequest(
                key=f"{grant.reserve_key}:{'post' if answer.confirmed else 'void'}",
                pending=reservations[grant.reserve_key], post=answer.confirmed,
                memo="" if answer.confirmed else answer.message[:200], metadata=details))
        outcomes = ledger_batches.pending_close_batch(requests=requests)
        changed, events = [], []
        for grant, outcome in zip(paying, outcomes, strict=True):
            closing = outcome.transfer or outcome.resolution
            # recorded by another worker first? (else the grant is as claimed above, now locked)
            if current[grant.pk] != GrantState.PAYING or closing is None:
                continue
            posted = closing.kind == TransferKind.POST_PENDING
            answer = answers[grant.pk]
            if posted:
                events.append(_state_change(grant, GrantState.PAID, bank_reference=answer.bank_reference,
                                            paid_at=now, detail={"bank_reference": answer.bank_reference}))
                result.paid += 1
            else:
                events.append(_state_change(grant, GrantState.FAILED, bank_reference=answer.bank_reference,
                                            reason=answer.message[:300],
                                            detail={"bank_reference": answer.bank_reference}))
                result.failed += 1
            changed.append(grant)
        # with the locks held since the claim, the claim was not written yet: write every paying grant
        _save_grants(paying if locked else changed, ["state", "bank_reference", "paid_at", "reason"])
        _insert_events(events)
    return result


@transaction.atomic
def cap_group_create(*, code: str, name: str, year_cap: int, actor=None) -> CapGroup:
    if year_cap <= 0:
        raise ValidationError({"year_cap": _("The cap must be a positive amount.")})
    group, _created = CapGroup.objects.get_or_create(code=code, defaults={"name": name, "year_cap": year_cap})
    return group


def can_manage_enterprise(user, enterprise: Enterprise) -> bool:
    return can(user, action="write", rules=ENTERPRISE_SCOPE, obj=enterprise)
