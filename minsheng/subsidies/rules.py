"""The policy rule language: parsed into a small typed tree, evaluated over columns with numpy.

A rule text is a list of statements, one per line (an indented line continues the one above)::

    # comments start with #
    clause 规上工业企业: scale == "规上" and industry in ["C"]
    clause 用气量达标: fact("gas_m3") >= 100000
    amount: min(fact("gas_m3") * 0.1, 500000)

* ``clause NAME: condition`` — every clause must hold for an enterprise to qualify.
* ``amount: expression`` — the amount in yuan, rounded half-up to the fen.

Names: ``scale`` (text: "规上"/"规下"), ``industry`` (GB/T 4754; ``industry in ["C", "33"]`` matches
section C or codes starting with 33), ``district`` (division code or name), ``registered_year``.
Functions: ``fact(name[, period])`` (the policy's period by default), ``has(name[, period])``,
``min(…)``, ``max(…)``. Operators: ``+ - *``, comparisons (chains allowed), ``in``/``not in`` a
list of texts, ``and``/``or``/``not``.

Expressions are parsed with :mod:`ast` and only a whitelist of nodes is accepted — nothing is ever
``eval``-ed. A rule's size is bounded (characters, lines, nesting depth, terms) so that neither the
parser nor the evaluator can be made to exhaust the stack or the memory. A fact an enterprise lacks
makes the comparisons that use it unknown, and an unknown clause does not hold (the trace says which
fact was missing).

Numbers are exact. A number in a rule is read from its own digits (never through a float); every
value is an integer with a decimal scale, so ``12345.67 * 0.1`` yuan is 123456.7 fen → 123457 fen.
Each value carries the largest magnitude it can have (from the data being evaluated); while that
fits in int64 the columns are int64, and beyond it they are Python integers (exact at any size,
slower), so an overflow can never wrap around. When a rule is saved it is evaluated over no
enterprise with every fact at the largest value the database can hold: an expression that could
grow beyond ``MAGNITUDE_LIMIT`` is refused then, with its line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


# --- the typed tree -------------------------------------------------------------------------------

NUM, BOOL, TEXT, TEXTS, INDUSTRY = "number", "condition", "text", "list of texts", "industry"
TYPE_LABELS = {NUM: gettext_lazy("number"), BOOL: gettext_lazy("condition"), TEXT: gettext_lazy("text"),
               TEXTS: gettext_lazy("list of texts"), INDUSTRY: gettext_lazy("industry")}
# The period kinds, named for messages (the msgids "year", "quarter", "month").
PERIOD_KIND_LABELS = (gettext_lazy("year"), gettext_lazy("quarter"), gettext_lazy("month"))


def _type(typ: str) -> str:
    return str(TYPE_LABELS.get(typ, typ))


@dataclass
class Node:
    typ: str
    col_offset: int | None = field(default=None, kw_only=True)  # where it starts in its expression

    def evaluate(self, pop: Population):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def children(self) -> list[Node]:
        return []

    def walk(self):
        yield self
        for child in self.children():
            yield from child.walk()


def _fixed(number: Decimal) -> tuple[int, int]:
    """``number`` as (integer, scale) with number == integer × 10**-scale, with the fewest decimals.
    The number is finite and within NUMBER_LIMIT (the parser checked), so the integer is small."""
    sign, digits, exponent = number.as_tuple()
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    integer = int("".join(map(str, digits)))
    if exponent >= 0:
        return (-1 if sign else 1) * integer * 10**exponent, 0
    return (-1 if sign else 1) * integer, -exponent


@dataclass
class Literal(Node):
    value: object = None  # a Decimal for a number (exact, from the rule's digits), a str, a list of str

    def evaluate(self, pop):
        if self.typ == NUM:
            integer, scale = _fixed(self.value)
            return Num(integer, scale, True, abs(integer))
        return self.value


@dataclass
class FactRef(Node):
    name: str = ""
    period: str = ""
    presence_only: bool = False

    def evaluate(self, pop):
        values, present = pop.fact(self.name, self.period)
        if self.presence_only:
            return Truth(present, True)
        bound = pop.fact_bound(self.name, self.period)
        return Num(_exact(values, bound > INT64_MAX), FACT_SCALE, present, bound)

    def label(self) -> str:
        return f'fact("{self.name}", "{self.period}")'


@dataclass
class Attribute(Node):
    name: str = ""

    def evaluate(self, pop):
        if self.name == "registered_year":
            bound = pop.year_bound()
            return Num(_exact(pop.registered_year, bound > INT64_MAX), 0, True, bound)
        return getattr(pop, self.name)


@dataclass
class Arithmetic(Node):
    op: str = "+"
    left: Node | None = None
    right: Node | None = None

    def children(self):
        return [self.left, self.right]

    def evaluate(self, pop):
        a, b = self.left.evaluate(pop), self.right.evaluate(pop)
        present = _both(a.present, b.present)
        if self.op == "*":
            bound = a.bound * b.bound
            _within(bound, self, pop)
            wide = bound > INT64_MAX
            return _num(_exact(a.values, wide) * _exact(b.values, wide), a.scale + b.scale, present, bound)
        (left, right), scale, bound = _aligned([a, b], summed=True, node=self, pop=pop)
        return _num(left + right if self.op == "+" else left - right, scale, present, bound)


@dataclass
class Negate(Node):
    operand: Node | None = None

    def children(self):
        return [self.operand]

    def evaluate(self, pop):
        a = self.operand.evaluate(pop)
        return Num(-_exact(a.values, a.bound > INT64_MAX), a.scale, a.present, a.bound)


@dataclass
class Extreme(Node):
    """min(…) / max(…): the smallest or largest of its arguments; unknown if any is."""

    largest: bool = False
    args: list[Node] = field(default_factory=list)

    def children(self):
        return list(self.args)

    def evaluate(self, pop):
        pick = np.maximum if self.largest else np.minimum
        result = self.args[0].evaluate(pop)
        for arg in self.args[1:]:  # one argument at a time: min() of many columns holds two at once
            n = arg.evaluate(pop)
            (values, other), scale, bound = _aligned([result, n], summed=False, node=self, pop=pop)
            result = _num(pick(values, other), scale, _both(result.present, n.present), bound)
        return result


COMPARE = {
    ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
    ast.Gt: np.greater, ast.GtE: np.greater_equal,
}
COMPARE_TEXT = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@dataclass
class Comparison(Node):
    op: type = ast.Eq
    left: Node | None = None
    right: Node | None = None

    def children(self):
        return [self.left, self.right]

    def evaluate(self, pop):
        if self.left.typ == NUM:
            a, b = self.left.evaluate(pop), self.right.evaluate(pop)
            (left, right), _scale, _bound = _aligned([a, b], summed=False, node=self, pop=pop)
            present = _both(a.present, b.present)
            return Truth(COMPARE[self.op](left, right) & present, present)
        # text == text, or industry/district equality: the same as membership of one
        result = Membership(BOOL, subject=self.left, items=[self.right.value]).evaluate(pop)
        if self.op is ast.NotEq:
            return Truth(~np.asarray(result.value), True)
        return result


@dataclass
class Membership(Node):
    subject: Node | None = None
    items: list[str] = field(default_factory=list)
    negated: bool = False

    def children(self):
        return [self.subject]

    def evaluate(self, pop):
        name = self.subject.name
        mask = np.zeros(len(pop), dtype=bool)
        for item in self.items:
            if name == "industry":
                if item.isalpha():
                    mask |= pop.section == item
                else:
                    mask |= np.char.startswith(pop.industry, item) if len(item) < 4 else pop.industry == item
            elif name == "district":
                mask |= (pop.district_code == item) if item.isdigit() else (pop.district_name == item)
            else:
                mask |= getattr(pop, name) == item
        return Truth(~mask if self.negated else mask, True)


@dataclass
class Logic(Node):
    op: str = "and"  # and / or / not
    args: list[Node] = field(default_factory=list)

    def children(self):
        return list(self.args)

    def evaluate(self, pop):
        first = self.args[0].evaluate(pop)
        if self.op == "not":
            return Truth(~np.asarray(first.value) & first.known, first.known)
        value, known = first.value, first.known
        for arg in self.args[1:]:  # one argument at a time, not all of them held at once
            t = arg.evaluate(pop)
            if self.op == "and":
                known = (known & t.known) | (known & ~np.asarray(value)) | (t.known & ~np.asarray(t.value))
                value = value & t.value
            else:
                known = (known & t.known) | value | t.value
                value = value | t.value
        return Truth(value, known)


# --- parsing ----------------------------------------------------------------------------------------

ATTRIBUTES = {"scale": TEXT, "industry": INDUSTRY, "district": TEXT, "registered_year": NUM}
FUNCTIONS = ("fact", "has", "min", "max")
# What Python's parser accepted as a number, written in decimal digits (not 0x1F, 0o7, 0b1 or 2j).
DECIMAL_NUMBER = re.compile(r"[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?")


@dataclass(frozen=True)
class Clause:
    name: str
    text: str
    line: int
    condition: Node


@dataclass(frozen=True)
class Rule:
    clauses: tuple[Clause, ...]
    amount_text: str
    amount_line: int
    amount: Node
    period: str
    max_amount: int = MAX_AMOUNT_FEN  # fen: no grant is more, whatever the rule computes

    def facts_used(self) -> list[tuple[str, str]]:
        """(fact, period) pairs the rule reads, in order of first use."""
        seen: dict[tuple[str, str], None] = {}
        for node in [c.condition for c in self.clauses] + [self.amount]:
            for sub in node.walk():
                if isinstance(sub, FactRef):
                    seen.setdefault((sub.name, sub.period), None)
        return list(seen)


class _Builder:
    def __init__(self, *, facts: Mapping[str, str], industries: set[str] | None, period: str):
        self.facts = facts
        self.industries = industries
        self.period = period
        self.source = ""  # the expression being built (numbers are read from its text)

    def build(self, node: ast.AST) -> Node:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise _Refused(_("“%(what)s” is not allowed in a rule") % {"what": _describe(node)}, node)
        built = method(node)
        if built.col_offset is None:
            built.col_offset = getattr(node, "col_offset", None)
        return built

    def expect(self, node: ast.AST, typ: str, what: str) -> Node:
        built = self.build(node)
        if built.typ != typ:
            raise _Refused(_("%(what)s must be a %(typ)s, not a %(got)s") % {
                "what": what, "typ": _type(typ), "got": _type(built.typ)}, node)
        return built

    def _Constant(self, node):
        if isinstance(node.value, bool) or node.value is None:
            raise _Refused(_("“%(what)s” is not allowed in a rule") % {"what": node.value}, node)
        if isinstance(node.value, int | float | complex):
            return Literal(NUM, self._number(node))
        if isinstance(node.value, str):
            return Literal(TEXT, node.value)
        raise _Refused(_("only numbers and texts in quotes are allowed"), node)

    def _number(self, node) -> Decimal:
        """The number exactly as written (Python's own value for ``0.1`` or ``1e309`` is a float)."""
        text = ast.get_source_segment(self.source, node) or ""
        if not DECIMAL_NUMBER.fullmatch(text):
            raise _Refused(_("write numbers in decimal digits, like 1500 or 0.015, not “%(text)s”")
                           % {"text": text}, node)
        try:
            number = Decimal(text.replace("_", ""))
            in_range = number.is_finite() and abs(number) < NUMBER_LIMIT
        except InvalidOperation:  # an exponent beyond what decimal can hold
            in_range = False
        if not in_range:
            raise _Refused(_("the number %(text)s is out of range: a number in a rule must be less than "
                             "10,000,000,000,000,000") % {"text": text}, node)
        _sign, digits, exponent = number.as_tuple()
        trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        if -exponent - trailing_zeros > NUMBER_DECIMALS and number:
            raise _Refused(_("the number %(text)s has more than %(decimals)s decimals")
                           % {"text": text, "decimals": NUMBER_DECIMALS}, node)
        return number

    def _List(self, node):
        items = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                raise _Refused(_("a list may only hold texts in quotes"), element)
            items.append(element.value)
        if not items:
            raise _Refused(_("the list is empty"), node)
        return Literal(TEXTS, items)

    _Tuple = _List

    def _Name(self, node):
        if node.id not in ATTRIBUTES:
            known = ", ".join(ATTRIBUTES)
            raise _Refused(_("unknown name “%(name)s” (known: %(known)s; facts are read with fact(\"name\"))")
                           % {"name": node.id, "known": known}, node)
        return Attribute(ATTRIBUTES[node.id], node.id)
    def _BinOp(self, node):
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
        if type(node.op) not in ops:
            if isinstance(node.op, ast.Div):
                raise _Refused(_("division is not supported: multiply by a decimal instead (e.g. * 0.1)"), node)
            raise _Refused(_("only + - * are allowed in arithmetic"), node)
        left = self.expect(node.left, NUM, _("each side of an arithmetic operator"))
        right = self.expect(node.right, NUM, _("each side of an arithmetic operator"))
        return Arithmetic(NUM, ops[type(node.op)], left, right)

    def _UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            return Logic(BOOL, "not", [self.expect(node.operand, BOOL, _("what follows “not”"))])
        if isinstance(node.op, ast.USub):
            return Negate(NUM, self.expect(node.operand, NUM, _("what follows “-”")))
        raise _Refused(_("this operator is not allowed"), node)

    def _BoolOp(self, node):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return Logic(BOOL, op, [self.expect(v, BOOL, _("each side of “%(op)s”") % {"op": op}) for v in node.values])

    def _Compare(self, node):
        parts = []
        left_ast = node.left
        for op, right_ast in zip(node.ops, node.comparators, strict=True):
            parts.append(self._compare_one(left_ast, op, right_ast))
            left_ast = right_ast
        return parts[0] if len(parts) == 1 else Logic(BOOL, "and", parts)

    def _compare_one(self, left_ast, op, right_ast) -> Node:
        left = self.build(left_ast)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(left, Attribute) or left.typ not in (TEXT, INDUSTRY):
                raise _Refused(_("“in” works on scale, industry or district"), left_ast)
            items = self.expect(right_ast, TEXTS, _("the right of “in”"))
            self._check_values(left.name, items.value, right_ast)
            return Membership(BOOL, subject=left, items=items.value, negated=isinstance(op, ast.NotIn))
        if type(op) not in COMPARE:
            raise _Refused(_("this comparison is not allowed"), right_ast)
        right = self.build(right_ast)
        if left.typ == NUM and right.typ == NUM:
            return Comparison(BOOL, type(op), left, right, col_offset=left_ast.col_offset)
        if isinstance(left, Attribute) and left.typ in (TEXT, INDUSTRY) and right.typ == TEXT \
                and isinstance(right, Literal):
            if type(op) not in (ast.Eq, ast.NotEq):
                raise _Refused(_("%(name)s can only be compared with == or !=") % {"name": left.name}, right_ast)
            self._check_values(left.name, [right.value], right_ast)
            return Comparison(BOOL, type(op), left, right, col_offset=left_ast.col_offset)
        raise _Refused(_("cannot compare a %(left)s with a %(right)s") % {
            "left": _type(left.typ), "right": _type(right.typ)}, right_ast)

    def _check_values(self, name: str, values: list[str], node) -> None:
        for value in values:
            if name == "scale" and value not in SCALES:
                raise _Refused(_("scale is “规上” or “规下”, not “%(value)s”") % {"value": value}, node)
            if name == "industry" and self.industries is not None and value not in self.industries \
                    and value[:2] not in self.industries:
                raise _Refused(_("unknown industry code “%(value)s” (GB/T 4754)") % {"value": value}, node)

    def _Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise _Refused(_("unknown function “%(name)s” (known: %(known)s)") % {
                "name": name, "known": ", ".join(FUNCTIONS)}, node)
        if node.keywords:
            raise _Refused(_("functions take no named arguments"), node)
        name = node.func.id
        if name in ("min", "max"):
            if len(node.args) < 2:
                raise _Refused(_("%(name)s() needs at least two numbers") % {"name": name}, node)
            what = _("each argument of %(name)s()") % {"name": name}
            return Extreme(NUM, name == "max", [self.expect(a, NUM, what) for a in node.args])
        return self._fact(node, presence_only=name == "has")

    def _fact(self, node, *, presence_only: bool) -> Node:
        args = node.args
        if not 1 <= len(args) <= 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            raise _Refused(_('write fact("name") or fact("name", "period") with texts in quotes'), node)
        fact_name = args[0].value
        if fact_name not in self.facts:
            known = ", ".join(sorted(self.facts))
            raise _Refused(_("unknown fact “%(name)s” (known: %(known)s)") % {"name": fact_name, "known": known}, node)
        kind = self.facts[fact_name]
        period = args[1].value if len(args) == 2 else self.period
        if period_kind_of(period) != kind:
            raise _Refused(_("“%(name)s” is reported by %(kind)s: give a period like \"%(example)s\", not “%(period)s”")
                           % {"name": fact_name, "kind": _(kind), "example": PERIOD_EXAMPLES[kind], "period": period},
                           node)
        return FactRef(BOOL if presence_only else NUM, fact_name, period, presence_only)



def _describe(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return type(node).__name__


STATEMENT = re.compile(r"^(clause\s+(?P<name>[^:：]+?)|(?P<amount>amount))\s*[:：]\s*(?P<expr>.*)$", re.S)


def _statements(text: str) -> list[tuple[int, str]]:
    """(line number, statement) with comments removed and indented continuation lines joined."""
    statements: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).rstrip()
        if not line.strip():
            continue
        if raw[:1] in (" ", "\t") and statements:
            start, previous = statements[-1]
            statements[-1] = (start, previous + " " + line.strip())
        else:
            statements.append((number, line.strip()))
    return statements


def _strip_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _too_deep() -> str:
    return _("the expression is nested too deeply: at most %(limit)s levels of operators, functions and "
             "brackets") % {"limit": RULE_MAX_DEPTH}


def _bracket_depth(expression: str) -> int:
    """How deeply brackets nest outside texts in quotes (Python's parser stops at 200 with its own
    message, and deep nesting exhausts it before that)."""
    deepest = depth = 0
    quote = None
    for char in expression:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _extent(tree: ast.AST) -> tuple[int, int]:
    """(depth, count) of the expression nodes of ``tree``, without recursion (the tree may be deep)."""
    deepest = count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            count += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest, count


def _size_problem(text: str) -> tuple[int, str] | None:
    """The rule is too long or has too many lines: (the line where it goes past the limit, why)."""
    if len(text) > RULE_MAX_CHARS:
        line = len(text[:RULE_MAX_CHARS + 1].splitlines())
        return line, _("the rule has %(length)s characters, more than the %(limit)s a rule may have; it goes past "
                       "the limit on this line") % {"length": f"{len(text):,}", "limit": f"{RULE_MAX_CHARS:,}"}
    lines = len(text.splitlines())
    if lines > RULE_MAX_LINES:
        return RULE_MAX_LINES + 1, _("the rule has %(count)s lines, more than the %(limit)s a rule may have") % {
            "count": f"{lines:,}", "limit": f"{RULE_MAX_LINES:,}"}
    return None


def _fen(num: Num, pop: Population, node: Node) -> tuple[object, int]:
    """Yuan (integer × 10**-scale) to fen, rounding half-up (halves away from zero), and the bound."""
    if num.scale <= 2:
        factor = 10 ** (2 - num.scale)
        bound = num.bound * factor
        _within(max(bound, factor), node, pop)
        wide = max(bound, factor) > INT64_MAX
        return _exact(_exact(num.values, wide) * factor, wide), bound
    divisor = 10 ** (num.scale - 2)
    half = divisor // 2
    _within(max(num.bound + half, divisor), node, pop)
    wide = max(num.bound + half, divisor) > INT64_MAX
    values = _exact(num.values, wide)
    up, down = (values + half) // divisor, -((half - values) // divisor)
    return np.where(values >= 0, _exact(up, wide), _exact(down, wide)), (num.bound + half) // divisor


def parse_rule(text: str, *, facts: Mapping[str, str], period: str, industries: set[str] | None = None,
               max_amount: int = MAX_AMOUNT_FEN) -> Rule:
    """Parse and type-check ``text``; raise RuleError with every problem found, by line.

    ``facts`` maps each known fact name to its period kind; ``industries`` are the known GB/T 4754
    codes (sections and divisions); ``period`` is the policy's own period, the default for ``fact()``;
    ``max_amount`` (fen) is the most any grant may be.
    """
    problems: list[tuple[int, str]] = []
    if period_kind_of(period) is None:
        raise RuleError([(0, _("the policy period “%(period)s” is not like 2026, 2026Q3 or 2026-10")
                             % {"period": period})])
    if problem := _size_problem(text):
        raise RuleError([problem])
    builder = _Builder(facts=facts, industries=industries, period=period)
    clauses: list[Clause] = []
    amount: tuple[int, str, Node] | None = None
    terms = 0
    for line, statement in _statements(text):
        match = STATEMENT.match(statement)
        if not match:
            problems.append((line, _("a line must start with “clause NAME:” or “amount:”")))
            continue
        expression = match.group("expr").strip()
        if not expression:
            problems.append((line, _("the expression after the colon is missing")))
            continue
        if _bracket_depth(expression) > RULE_MAX_DEPTH:
            problems.append((line, _too_deep()))
            continue
        try:
            tree = ast.parse(expression, mode="eval").body
        except SyntaxError as exc:
            problems.append((line, _("syntax error near column %(column)s: %(message)s")
                             % {"column": exc.offset or 0, "message": exc.msg}))
            continue
        except (RecursionError, MemoryError):  # Python's parser gives up on deep nesting: `not not … x`
            problems.append((line, _too_deep()))
            continue
        depth, count = _extent(tree)
        if depth > RULE_MAX_DEPTH:
            problems.append((line, _too_deep()))
            continue
        terms += count
        if terms > RULE_MAX_TERMS:
            problems.append((line, _("the rule has more than %(limit)s terms (names, numbers, texts, operators "
                                     "and functions); it goes past the limit on this line")
                             % {"limit": f"{RULE_MAX_TERMS:,}"}))
            break
        builder.source = expression
        try:
            if match.group("amount"):
                if amount is not None:
                    raise _Refused(_("a second “amount:” (the first is on line %(line)s)") % {"line": amount[0]})
                node = builder.expect(tree, NUM, _("the amount"))
                _check_amount(node, max_amount)
                amount = (line, expression, node)
            else:
                name = match.group("name").strip()
                if any(c.name == name for c in clauses):
                    raise _Refused(_("clause “%(name)s” is defined twice") % {"name": name})
                what = _("clause “%(name)s”") % {"name": name}
                node = builder.expect(tree, BOOL, what)
                node.evaluate(WORST_CASE)  # refuses values that could grow too large
                clauses.append(Clause(name, expression, line, node))
        except _Refused as exc:
            where = ""
            if exc.column is not None:  # ast counts UTF-8 bytes: "规上" is 6 of them, 2 characters
                column = len(expression.encode()[:exc.column].decode(errors="ignore")) + 1
                where = _(" (column %(column)s)") % {"column": column}
            problems.append((line, exc.message + where))
    if amount is None and not problems:
        problems.append((0, _("the rule needs an “amount:” line")))
    if problems:
        raise RuleError(problems)
    return Rule(tuple(clauses), amount[1], amount[0], amount[2], period, max_amount)


def _check_amount(node: Node, max_amount: int) -> None:
    """Refuse an amount that could grow too large to compute, or that is a number above ``max_amount``."""
    num = node.evaluate(WORST_CASE)
    fen, _bound = _fen(num, WORST_CASE, node)
    if np.ndim(num.values) == 0 and int(fen) > max_amount:  # a number, the same for every enterprise
        raise _Refused(_("the amount is %(amount)s yuan, more than the %(limit)s yuan a grant may be") % {
            "amount": f"{int(fen) // 100:,}.{int(fen) % 100:02d}", "limit": f"{max_amount // 100:,}"}, node)


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
