"""Re-deriving a grant from the facts it was computed on: its rule version evaluated again on the fact
revisions in force at each step that evaluated it — the offer (whose inputs ``Grant.facts_hash`` covers),
the enterprise's confirmation (whose hash its event keeps) and the approval (which checked the amount) —
and every input that differs named, with the revision (value, time, batch, actor) that holds it."""

from dataclasses import dataclass, field
from datetime import datetime

from .. import rules
from ..choices import GrantState
from ..models import EnterpriseFactRevision, Grant, GrantEvent
from ..selectors import facts_as_of, population_load
from .core import _facts_hash, _trace_inputs
from .policies import rule_compile


@dataclass
class InputChange:
    """One input of the rule whose value differs from what the grant recorded at its offer."""

    name: str  # a fact as the trace names it, fact("gas_m3", "2025"), or an attribute (scale, industry, …)
    recorded: object  # the value the grant's trace recorded (None: the fact was missing)
    derived: object  # the value the facts of that moment give (None: no revision was in force then)
    revision: EnterpriseFactRevision | None  # the revision in force at that moment, for a fact


@dataclass
class Checkpoint:
    """One step that evaluated the grant's rule, evaluated again on the facts as they were then."""

    step: str  # GrantState: offered, confirmed or approved
    at: datetime
    trace: dict
    facts_hash: str
    expected_hash: str | None  # the hash the step stored (none stored: only the amount is compared)
    expected_amount: int
    revisions: dict[str, EnterpriseFactRevision] = field(default_factory=dict)  # fact label -> revision read
    changes: list[InputChange] = field(default_factory=list)  # inputs that differ from those the offer recorded

    @property
    def step_label(self) -> str:
        return str(GrantState(self.step).label)

    @property
    def hash_matches(self) -> bool:
        return self.expected_hash is None or self.expected_hash == self.facts_hash

    @property
    def amount_matches(self) -> bool:
        return bool(self.trace["eligible"]) and self.trace["granted"] == self.expected_amount

    @property
    def holds(self) -> bool:
        return self.hash_matches and self.amount_matches


@dataclass
class Rederivation:
    grant: Grant
    # Whether the stored trace's inputs hash to the stored facts hash (the grant row is whole).
    trace_matches_hash: bool
    checkpoints: list[Checkpoint]

    @property
    def holds(self) -> bool:
        return self.trace_matches_hash and all(c.holds for c in self.checkpoints)


def grant_rederive(*, grant: Grant) -> Rederivation:
    """Evaluate the grant's rule version again on the facts as they were when it was offered (checking the
    stored ``facts_hash`` and amount), confirmed (the hash the confirmation recorded) and approved (the
    amount). Reads only. Which enterprise and grant the caller may see is the caller's selector's concern.

    One caveat, inherent in telling time apart by clock: an import that was still being written when the
    grant was evaluated has revisions stamped before the moment the grant records, which that evaluation
    could not see; such a fact shows as changed, its revision recorded a moment before the step."""
    grant = Grant.objects.select_related("version", "enterprise").get(pk=grant.pk)
    rule = rule_compile(rule_text=grant.version.rule_text, period=grant.version.period)
    recorded = _trace_inputs(grant.trace) if grant.trace else {}
    checkpoints = [
        _checkpoint(grant, rule, recorded, step=step, at=at, expected_hash=expected_hash)
        for step, at, expected_hash in _steps(grant)
    ]
    return Rederivation(grant=grant, trace_matches_hash=bool(grant.trace) and _facts_hash(recorded) == grant.facts_hash,
                        checkpoints=checkpoints)


def _steps(grant: Grant) -> list[tuple[str, datetime, str | None]]:
    """(step, instant, stored hash) of the offer the grant stands on and of the first confirmation and
    approval after it. A re-offer (the facts or the version changed) starts the grant's story again."""
    events = list(GrantEvent.objects.filter(grant=grant).order_by("occurred_at", "id")
                  .values_list("to_state", "occurred_at", "detail"))
    offers = [i for i, (to_state, _at, _detail) in enumerate(events) if to_state == GrantState.OFFERED]
    since = offers[-1] if offers else 0
    offered_at = events[since][1] if offers else grant.created_at
    steps: list[tuple[str, datetime, str | None]] = [(GrantState.OFFERED, offered_at, grant.facts_hash)]
    for step in (GrantState.CONFIRMED, GrantState.APPROVED):
        after = next(((at, detail) for to_state, at, detail in events[since:] if to_state == step), None)
        if after is not None:
            at, detail = after
            steps.append((step, at, (detail or {}).get("facts_hash") if step == GrantState.CONFIRMED else None))
    return steps


def _checkpoint(grant: Grant, rule: rules.Rule, recorded: dict, *, step: str, at: datetime,
                expected_hash: str | None) -> Checkpoint:
    population = population_load(facts=rule.facts_used(), enterprise_ids=[grant.enterprise_id], as_of=at)
    trace = rules.trace(rule, population, 0, cap=grant.version.per_enterprise_cap)
    derived = _trace_inputs(trace)
    in_force = facts_as_of(enterprise=grant.enterprise, at=at)
    revisions = {rules.FactRef(typ=rules.NUM, name=name, period=period).label(): in_force[name, period]
                 for name, period in rule.facts_used() if (name, period) in in_force}
    changes = [InputChange(name=name, recorded=recorded.get(name), derived=derived.get(name),
                           revision=revisions.get(name))
               for name in sorted(set(recorded) | set(derived)) if recorded.get(name) != derived.get(name)]
    return Checkpoint(step=step, at=at, trace=trace, facts_hash=_facts_hash(derived), expected_hash=expected_hash,
                      expected_amount=grant.amount, revisions=revisions, changes=changes)
