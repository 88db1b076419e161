"""Evaluating a parsed rule over a population, and the trace of one enterprise (why it got what it got)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .parse import Rule, _fen
from .tree import Attribute, FactRef, Node
from .values import FACT_SCALE, Population

# --- evaluation -------------------------------------------------------------------------------------

@dataclass
class Evaluation:
    """Per enterprise (in population order): each clause, whether eligible, and the amount in fen."""

    clause_values: dict[str, np.ndarray]
    clause_known: dict[str, np.ndarray]
    eligible: np.ndarray
    amount: np.ndarray  # fen (int64); 0 where not eligible; never above the rule's max_amount or the cap
    raw_amount: np.ndarray  # fen before the cap; 0 where unknown (Python ints where beyond int64)
    amount_known: np.ndarray


def _broadcast(value, n: int, dtype) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()


def _column(values, n: int) -> np.ndarray:
    """Integers as a column of ``n``: int64, or Python ints (dtype object) for larger ones."""
    values = np.asarray(values)
    if values.dtype != object:
        values = values.astype(np.int64)
    return np.broadcast_to(values, (n,)).copy()


def amount_limit(rule: Rule, cap: int | None) -> int:
    """The most a grant under ``rule`` may be (fen): the policy's ``cap`` or the rule's max_amount."""
    return rule.max_amount if cap is None else min(cap, rule.max_amount)


def evaluate(rule: Rule, pop: Population, *, cap: int | None = None) -> Evaluation:
    """Evaluate ``rule`` over every enterprise at once; ``cap`` (fen) bounds each amount."""
    n = len(pop)
    values, known = {}, {}
    eligible = np.ones(n, dtype=bool)
    for clause in rule.clauses:
        truth = clause.condition.evaluate(pop)
        values[clause.name] = _broadcast(truth.value, n, bool)
        known[clause.name] = _broadcast(truth.known, n, bool)
        eligible &= values[clause.name]
    amount_num = rule.amount.evaluate(pop)
    amount_known = _broadcast(amount_num.present, n, bool)
    fen, _bound = _fen(amount_num, pop, rule.amount)
    raw = np.where(amount_known, _column(fen, n), 0)
    capped = np.minimum(raw, amount_limit(rule, cap))
    eligible &= amount_known & np.asarray(capped > 0, dtype=bool)
    granted = np.where(eligible, capped, 0).astype(np.int64)  # 0 < granted <= the limit: fits
    return Evaluation(values, known, eligible, granted, raw, amount_known)


def _seen(node: Node, pop: Population) -> dict[str, object]:
    """The inputs a clause read for the single enterprise in ``pop``: facts and attributes."""
    seen: dict[str, object] = {}
    for sub in node.walk():
        if isinstance(sub, FactRef):
            values, present = pop.fact(sub.name, sub.period)
            seen[sub.label()] = str(Decimal(int(values[0])).scaleb(-FACT_SCALE)) if present[0] else None
        elif isinstance(sub, Attribute):
            column = pop.district_name if sub.name == "district" else getattr(pop, sub.name)
            seen[sub.name] = column[0].item() if hasattr(column[0], "item") else column[0]
    return seen


def trace(rule: Rule, pop: Population, index: int, *, cap: int | None = None) -> dict:
    """Why enterprise ``index`` of ``pop`` does or does not qualify: each clause, the values it saw.
    ``cap`` in the trace is the limit the amount met: the policy's cap, or the largest grant there is
    when the amount went past it."""
    one = pop.take(index)
    result = evaluate(rule, one, cap=cap)
    clauses = []
    for clause in rule.clauses:
        seen = _seen(clause.condition, one)
        holds = bool(result.clause_values[clause.name][0])
        known = bool(result.clause_known[clause.name][0])
        clauses.append({
            "clause": clause.name, "text": clause.text, "line": clause.line,
            "result": "true" if holds else ("false" if known else "missing"),
            "seen": seen, "missing": [name for name, value in seen.items() if value is None],
        })
    amount_seen = _seen(rule.amount, one)
    raw = int(result.raw_amount[0]) if result.amount_known[0] else None
    limit = amount_limit(rule, cap)
    return {
        "enterprise_id": int(one.ids[0]),
        "period": rule.period,
        "clauses": clauses,
        "amount": {"text": rule.amount_text, "seen": amount_seen, "fen": raw,
                   "cap": limit if cap is not None or (raw is not None and raw > limit) else None},
        "eligible": bool(result.eligible[0]),
        "granted": int(result.amount[0]),
    }
