"""Policies and their versions: the rule compiled, the simulation, the four-eyes publication, cap groups."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng import lookups  # noqa: F401  (registers __any_of)
from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger import services as ledger
from minsheng.ledger.choices import AccountKind
from minsheng.ledger.models import Transfer

from .. import rules
from ..choices import OPEN_OFFER_STATES, GrantState, PolicyMode, VersionState
from ..models import (
    CapGroup,
    Enterprise,
    Grant,
    Industry,
    Policy,
    PolicyApproval,
    PolicyVersion,
)
from ..selectors import fact_kinds, population_load
from .core import TREASURY_ACCOUNT, _require_funds_officer, _transition, budget_account
from .enterprises import _industry_codes


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
    version.editors.add(actor)
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
    version.editors.add(actor)  # everyone who touched the draft, not only the last
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


@transaction.atomic
def policy_publish(*, version: PolicyVersion, approver, reviewed_hash: str, comment: str = "") -> PolicyVersion:
    """Publish a draft with a second person's approval (四眼原则), bound to exactly what they reviewed:
    ``reviewed_hash`` is the ``terms_hash`` the review page showed, and nobody who wrote or changed the
    version may approve it. Funds that year's budget envelope on the ledger. The version in force for
    the same period is superseded and its open offers (offered or confirmed, not yet approved) are
    withdrawn, with the reason the enterprise reads; matching the new version offers them again."""
    _require_funds_officer(approver)
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy").get(pk=version.pk)
    if version.state != VersionState.DRAFT:
        raise Conflict(_("Version %(n)s is %(state)s already.") % {"n": version.number,
                                                                   "state": version.get_state_display()})
    if version.author_id == approver.pk or version.editors.filter(pk=approver.pk).exists():
        raise ValidationError({"approver": _(
            "You wrote or changed this version: a funds officer who did not must approve it.")})
    if reviewed_hash != version.terms_hash:
        raise Conflict(_("Version %(n)s changed after it was reviewed: review it again before approving.")
                       % {"n": version.number})
    rule_compile(rule_text=version.rule_text, period=version.period)
    policy = version.policy
    year = version.period[:4]
    envelope = budget_account(policy=policy, year=year)
    funded = _envelope_funded(envelope)
    if version.budget < funded:
        raise ValidationError({"budget": _("The budget cannot fall below the %(funded)s fen already funded.")
                               % {"funded": funded}})
    if version.budget > funded:
        treasury = ledger.account_open(code=TREASURY_ACCOUNT, name="市财政", kind=AccountKind.TREASURY)
        ledger.transfer_create(key=f"fund:{policy.code}:v{version.number}", debit=treasury, credit=envelope,
                               amount=version.budget - funded, memo=f"{policy.name} v{version.number} {year}")
    superseded = list(policy.versions.select_for_update().filter(state=VersionState.PUBLISHED,
                                                                 period=version.period))
    withdrawn = 0
    for old in superseded:
        old.state = VersionState.SUPERSEDED
        old.save(update_fields=["state"])
        withdrawn += _withdraw_open_offers(old, new=version, actor=approver)
    PolicyApproval.objects.create(version=version, approver=approver, comment=comment[:300],
                                  reviewed_hash=reviewed_hash)
    version.state = VersionState.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["state", "published_at"])
    audit_record(actor=approver, action="subsidies.policy_publish", obj=version,
                 summary={"number": version.number, "budget": version.budget, "reviewed_hash": reviewed_hash,
                          "superseded": [old.number for old in superseded], "withdrawn_offers": withdrawn})
    return version


def _envelope_funded(envelope) -> int:
    """What the treasury put into a year's envelope (publishing, top-ups). Money paid back under a recovery
    (追回) is credited to the envelope too — it may be spent again — but it is not funding."""
    repaid = Transfer.objects.filter(credit_account=envelope, debit_account__kind=AccountKind.RECEIVABLE) \
        .aggregate(total=Sum("amount"))["total"] or 0
    return ledger.account_balance(envelope).posted_credits - repaid


def _withdraw_open_offers(old: PolicyVersion, *, new: PolicyVersion, actor) -> int:
    """Withdraw the superseded version's offers that no money was reserved for yet."""
    reason = _("The policy was updated to version %(n)s: the offer will be made again under the new rules "
               "if the enterprise qualifies.") % {"n": new.number}
    grants = list(Grant.objects.select_for_update().filter(version=old, state__in=OPEN_OFFER_STATES))
    for grant in grants:
        _transition(grant, GrantState.WITHDRAWN, actor=actor, reason=reason[:300],
                    detail={"superseded_by": new.number, "amount": grant.amount})
    return len(grants)


def _evaluate_one(version: PolicyVersion, enterprise: Enterprise) -> dict:
    rule, population, _result = _evaluate(version, enterprise_ids=[enterprise.pk])
    return rules.trace(rule, population, 0, cap=version.per_enterprise_cap)


def _not_eligible(trace: dict) -> ValidationError:
    failed = [c["clause"] for c in trace["clauses"] if c["result"] != "true"]
    if failed:
        return ValidationError(_("The enterprise does not qualify: %(clauses)s.") % {"clauses": "、".join(failed)})
    return ValidationError(_("The enterprise does not qualify: the amount comes to nothing."))


@transaction.atomic
def cap_group_create(*, code: str, name: str, year_cap: int, actor=None) -> CapGroup:
    if year_cap <= 0:
        raise ValidationError({"year_cap": _("The cap must be a positive amount.")})
    group, _created = CapGroup.objects.get_or_create(code=code, defaults={"name": name, "year_cap": year_cap})
    return group


ACCOUNT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,39}$")
ACCOUNT_CODE_FIELDS = ("expenditure_account_code", "payable_account_code", "bank_account_code",
                       "receivable_account_code", "funding_account_code")


@transaction.atomic
def policy_accounts_set(*, policy: Policy, actor, **codes: str) -> Policy:
    """Set the finance system's account codes of a policy's vouchers (blank: the city's default)."""
    _require_funds_officer(actor)
    unknown = set(codes) - set(ACCOUNT_CODE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown account: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    cleaned = {name: (value or "").strip() for name, value in codes.items()}
    problems = {name: _("An account code has 1 to 40 digits, letters, . or - (e.g. 7101 or 2307.01).")
                for name, value in cleaned.items() if value and not ACCOUNT_CODE.match(value)}
    if problems:
        raise ValidationError(problems)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before = {name: getattr(policy, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(policy, name, value)
    policy.save(update_fields=list(cleaned))
    audit_record(actor=actor, action="subsidies.policy_accounts_set", obj=policy,
                 summary={"before": before, "after": cleaned})
    return policy
