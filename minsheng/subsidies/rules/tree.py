"""The typed tree a rule is parsed into: each node knows its type and evaluates itself over columns."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_lazy

from .values import FACT_SCALE, INT64_MAX, Num, Population, Truth, _aligned, _both, _exact, _num, _within

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
