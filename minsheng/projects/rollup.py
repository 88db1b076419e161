"""The one progress rule of a project (pure: no database).

progress = Σ wᵢ·vᵢ / Σ wᵢ over every measure of the project, where the measures are

* each milestone: vᵢ = 1 when done, else 0;
* each indicator: vᵢ = (actual − baseline) / (target − baseline), clipped to [0, 1] — so a
  "reduce to" indicator (target below baseline) works the same way; when target equals baseline,
  vᵢ = 1 once the actual reaches the target;

with wᵢ the measure's weight (a positive integer; the weights are normalised by their sum, so only
their ratios matter). A missing value is always "no progress yet": an indicator without an actual
counts as its baseline (vᵢ = 0). A project without any measure has progress 0 — nothing measured is
nothing shown — whatever its declared status. The rule is applied again after every change to a
milestone or an indicator, including deletion, so the stored figure never drifts.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class MilestoneMeasure:
    weight: int
    done: bool


@dataclass(frozen=True)
class IndicatorMeasure:
    weight: int
    baseline: Decimal
    target: Decimal
    actual: Decimal | None


def indicator_share(baseline: Decimal, target: Decimal, actual: Decimal | None) -> float:
    """How far an indicator has moved from its baseline to its target, in [0, 1]."""
    if actual is None:
        return 0.0
    span = Decimal(target) - Decimal(baseline)
    if span == 0:
        return 1.0 if actual == target else 0.0
    share = float((Decimal(actual) - Decimal(baseline)) / span)
    return min(1.0, max(0.0, share))


def indicator_completion(baseline: Decimal, target: Decimal, actual: Decimal | None) -> float | None:
    """An indicator's completion as shown everywhere (pages, API, export, statistics): its share of the way
    from baseline to target, clipped to [0, 1] — or None while no actual is reported ("—", not 0 %)."""
    if actual is None:
        return None
    return indicator_share(baseline, target, actual)


def percent_text(share: float | None) -> str | None:
    """A share as people read it (the export's column; pages use the same rounding): 0.53 → "53%"."""
    return None if share is None else f"{share * 100:.0f}%"


def progress(milestones: Iterable[MilestoneMeasure], indicators: Iterable[IndicatorMeasure]) -> float:
    """The project's measured progress in [0, 1] (see the module docstring)."""
    total_weight = 0
    weighted = 0.0
    for milestone in milestones:
        if milestone.weight <= 0:
            raise ValueError("a milestone's weight must be positive")
        total_weight += milestone.weight
        weighted += milestone.weight * (1.0 if milestone.done else 0.0)
    for indicator in indicators:
        if indicator.weight <= 0:
            raise ValueError("an indicator's weight must be positive")
        total_weight += indicator.weight
        weighted += indicator.weight * indicator_share(indicator.baseline, indicator.target, indicator.actual)
    if total_weight == 0:
        return 0.0
    return round(weighted / total_weight, 6)
