"""The rule language's limits, its errors, the population of enterprises as columns, and the exact
numbers and three-valued truths that evaluation computes with."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .tree import Node

FACT_SCALE = 2  # facts are stored with two decimals and loaded as integers × 100
# The largest magnitude of a loaded fact (× 100): the database column holds 18 digits, two of them
# decimals, and the import refuses values of 10**16 or more.
FACT_BOUND = 10**18 - 1
YEAR_BOUND = 9999
NUMBER_LIMIT = Decimal(10) ** 16  # a number written in a rule is below this, like a fact
NUMBER_DECIMALS = 8
# No value a rule computes may need more than 40 digits (as an integer at its decimal scale): two
# facts multiplied together need 36; Python integers beyond that would only cost memory and time.
MAGNITUDE_DIGITS = 40
MAGNITUDE_LIMIT = 10**MAGNITUDE_DIGITS
INT64_MAX = 2**63 - 1
# The most a grant may ever be, in fen, unless the caller says otherwise (services pass the
# SUBSIDIES_MAX_GRANT_YUAN setting: the city pays at most 100,000,000 yuan per enterprise a year).
MAX_AMOUNT_FEN = 100_000_000 * 100
RULE_MAX_CHARS = 20_000
RULE_MAX_LINES = 400
RULE_MAX_DEPTH = 50  # levels of operators and functions in one expression; levels of brackets, apart
RULE_MAX_TERMS = 2_000  # names, numbers, texts, operators and function calls in the whole rule

PERIOD_PATTERNS = {
    "year": re.compile(r"^\d{4}$"),
    "quarter": re.compile(r"^\d{4}Q[1-4]$"),
    "month": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
}
PERIOD_EXAMPLES = {"year": "2026", "quarter": "2026Q3", "month": "2026-10"}
SCALES = ("规上", "规下")


def period_kind_of(period: str) -> str | None:
    """"year", "quarter" or "month" for a well-formed period, else None."""
    for kind, pattern in PERIOD_PATTERNS.items():
        if pattern.match(period or ""):
            return kind
    return None


class RuleError(Exception):
    """A rule that cannot be accepted; ``problems`` lists (line number, reason)."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))


class _Refused(Exception):
    """``node``: the ast node or the typed node the problem is at (for its column)."""

    def __init__(self, message: str, node: object = None):
        self.message = message
        self.column = getattr(node, "col_offset", None)
        super().__init__(message)


# --- the population: one row per enterprise, as columns -----------------------------------------

@dataclass
class Population:
    """The enterprises a rule is evaluated over, as numpy columns in one order (by ``ids``).

    ``worst_case``: no rows, and every fact and year taken at the largest value the database can
    hold — evaluating a rule over it computes only the magnitudes its values can reach."""

    ids: np.ndarray
    scale: np.ndarray
    industry: np.ndarray  # full GB/T 4754 code, e.g. "3360"
    section: np.ndarray  # its section letter
    district_code: np.ndarray
    district_name: np.ndarray
    registered_year: np.ndarray
    # (fact name, period) -> (values × 10**FACT_SCALE as int64, present as bool)
    facts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    worst_case: bool = False

    def __len__(self) -> int:
        return len(self.ids)

    def fact(self, name: str, period: str) -> tuple[np.ndarray, np.ndarray]:
        column = self.facts.get((name, period))
        if column is None:
            return np.zeros(len(self), dtype=np.int64), np.zeros(len(self), dtype=bool)
        return column

    def fact_bound(self, name: str, period: str) -> int:
        """The largest magnitude of the fact's column (× 10**FACT_SCALE)."""
        return FACT_BOUND if self.worst_case else _largest(self.fact(name, period)[0])

    def year_bound(self) -> int:
        return YEAR_BOUND if self.worst_case else _largest(self.registered_year)

    def take(self, index) -> Population:
        """The rows at ``index`` (an int, a slice or an index array) as a population of their own."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Population(
            ids=self.ids[index], scale=self.scale[index], industry=self.industry[index],
            section=self.section[index], district_code=self.district_code[index],
            district_name=self.district_name[index], registered_year=self.registered_year[index],
            facts={key: (values[index], present[index]) for key, (values, present) in self.facts.items()},
        )


def _largest(column: np.ndarray) -> int:
    """The largest magnitude in an integer column, as a Python int (so that −2**63 does not wrap)."""
    if column.size == 0:
        return 0
    return max(abs(int(column.max())), abs(int(column.min())))


def _empty(dtype) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


WORST_CASE = Population(ids=_empty(np.int64), scale=_empty("U2"), industry=_empty("U4"), section=_empty("U1"),
                        district_code=_empty("U12"), district_name=_empty("U20"),
                        registered_year=_empty(np.int64), worst_case=True)


# --- values during evaluation -------------------------------------------------------------------

@dataclass
class Num:
    """A number per enterprise (or one for all): ``values`` × 10**-``scale``, no magnitude above
    ``bound``. ``values`` are int64 while ``bound`` fits in int64, else Python ints (dtype object)."""

    values: object  # an int64 or object array, or one integer
    scale: int
    present: np.ndarray | bool
    bound: int


@dataclass
class Truth:
    """Three-valued: ``value`` holds only where ``known``; unknown comes from missing facts."""

    value: np.ndarray | bool
    known: np.ndarray | bool


def _both(a, b):
    return a & b


def _exact(values, wide: bool):
    """``values`` as Python ints when ``wide`` (an object array, or a 0-d one for a single number),
    so that numpy computes them exactly at any size; else as they are (int64 that cannot overflow).
    Python arithmetic on a 0-d array gives a plain int again, which numpy would take for an int64
    (or a uint64): values go through here once more before each numpy function."""
    if not wide:
        return values
    if isinstance(values, np.ndarray) and values.ndim:
        return values if values.dtype == object else values.astype(object)
    return np.asarray(int(values), dtype=object)


def _num(values, scale: int, present, bound: int) -> Num:
    """The result of an operation, back in int64 once its bound fits (object columns are slow)."""
    if bound <= INT64_MAX and isinstance(values, np.ndarray) and values.dtype == object:
        values = values.astype(np.int64)
    return Num(values, scale, present, bound)


def _aligned(nums: list[Num], *, summed: bool, node: Node, pop: Population) -> tuple[list, int, int]:
    """The values of ``nums`` at their common (largest) scale, the scale, and the bound of their sum
    (``summed``) or of the largest of them; exact whatever their size."""
    scale = max(n.scale for n in nums)
    factors = [10 ** (scale - n.scale) for n in nums]
    bounds = [n.bound * factor for n, factor in zip(nums, factors, strict=True)]
    bound = sum(bounds) if summed else max(bounds)
    _within(max(bound, *factors), node, pop)
    wide = max(bound, *factors) > INT64_MAX
    values = [_exact(_exact(n.values, wide) * factor, wide) for n, factor in zip(nums, factors, strict=True)]
    return values, scale, bound


def _within(bound: int, node: Node, pop: Population) -> None:
    """Refuse, when checking a rule, a value that could need more than MAGNITUDE_DIGITS digits."""
    if pop.worst_case and bound > MAGNITUDE_LIMIT:
        raise _Refused(_("the numbers in this expression can grow beyond %(digits)s digits, too large to "
                         "compute exactly: multiply fewer facts or large numbers together")
                       % {"digits": MAGNITUDE_DIGITS}, node)
