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
``eval``-ed. A fact an enterprise lacks makes the comparisons that use it unknown, and an unknown
clause does not hold (the trace says which fact was missing). Numbers are exact: every number is
an integer column with a decimal scale, so ``12345.67 * 0.1`` yuan is 123456.7 fen → 123457 fen.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FACT_SCALE = 2  # facts are stored with two decimals and loaded as integers × 100
MAX_SCALE = 8
INT64_LIMIT = 9.0e18

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
    def __init__(self, message: str, node: ast.AST | None = None):
        self.message = message
        self.column = getattr(node, "col_offset", None)
        super().__init__(message)


# --- the population: one row per enterprise, as columns -----------------------------------------

@dataclass
class Population:
    """The enterprises a rule is evaluated over, as numpy columns in one order (by ``ids``)."""

    ids: np.ndarray
    scale: np.ndarray
    industry: np.ndarray  # full GB/T 4754 code, e.g. "3360"
    section: np.ndarray  # its section letter
    district_code: np.ndarray
    district_name: np.ndarray
    registered_year: np.ndarray
    # (fact name, period) -> (values × 10**FACT_SCALE as int64, present as bool)
    facts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def fact(self, name: str, period: str) -> tuple[np.ndarray, np.ndarray]:
        column = self.facts.get((name, period))
        if column is None:
            return np.zeros(len(self), dtype=np.int64), np.zeros(len(self), dtype=bool)
        return column

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


# --- values during evaluation -------------------------------------------------------------------

@dataclass
class Num:
    values: np.ndarray | int  # integer × 10**-scale
    scale: int
    present: np.ndarray | bool

    def rescaled(self, scale: int) -> np.ndarray | int:
        return self.values * 10 ** (scale - self.scale)


@dataclass
class Truth:
    """Three-valued: ``value`` holds only where ``known``; unknown comes from missing facts."""

    value: np.ndarray | bool
    known: np.ndarray | bool


def _both(a, b):
    return a & b


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

    def evaluate(self, pop: Population):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def children(self) -> list[Node]:
        return []

    def walk(self):
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass
class Literal(Node):
    value: object = None

    def evaluate(self, pop):
        if self.typ == NUM:
            decimal = Decimal(str(self.value))
            exponent = max(0, -decimal.as_tuple().exponent)
            return Num(int(decimal.scaleb(exponent)), exponent, True)
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
        return Num(values, FACT_SCALE, present)

    def label(self) -> str:
        return f'fact("{self.name}", "{self.period}")'


@dataclass
class Attribute(Node):
    name: str = ""

    def evaluate(self, pop):
        if self.name == "registered_year":
            return Num(pop.registered_year, 0, True)
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
            estimate = np.abs(np.asarray(a.values, dtype=float) * np.asarray(b.values, dtype=float))
            if np.any(estimate >= INT64_LIMIT):
                raise ArithmeticError(_("a product is too large to compute exactly"))
            result = Num(a.values * b.values, a.scale + b.scale, present)
            if result.scale > MAX_SCALE:
                drop = 10 ** (result.scale - MAX_SCALE)
                result = Num(np.floor_divide(result.values + drop // 2, drop), MAX_SCALE, present)
            return result
        scale = max(a.scale, b.scale)
        left, right = a.rescaled(scale), b.rescaled(scale)
        return Num(left + right if self.op == "+" else left - right, scale, present)


@dataclass
class Negate(Node):
    operand: Node | None = None

    def children(self):
        return [self.operand]

    def evaluate(self, pop):
        a = self.operand.evaluate(pop)
        return Num(-a.values, a.scale, a.present)


@dataclass
class Extreme(Node):
    """min(…) / max(…): the smallest or largest of its arguments; unknown if any is."""

    largest: bool = False
    args: list[Node] = field(default_factory=list)

    def children(self):
        return list(self.args)

    def evaluate(self, pop):
        nums = [arg.evaluate(pop) for arg in self.args]
        scale = max(n.scale for n in nums)
        pick = np.maximum if self.largest else np.minimum
        values, present = nums[0].rescaled(scale), nums[0].present
        for n in nums[1:]:
            values = pick(values, n.rescaled(scale))
            present = _both(present, n.present)
        return Num(values, scale, present)


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
            scale = max(a.scale, b.scale)
            present = _both(a.present, b.present)
            return Truth(COMPARE[self.op](a.rescaled(scale), b.rescaled(scale)) & present, present)
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
        truths = [arg.evaluate(pop) for arg in self.args]
        if self.op == "not":
            t = truths[0]
            return Truth(~np.asarray(t.value) & t.known, t.known)
        value, known = truths[0].value, truths[0].known
        for t in truths[1:]:
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

    def build(self, node: ast.AST) -> Node:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise _Refused(_("“%(what)s” is not allowed in a rule") % {"what": _describe(node)}, node)
        return method(node)

    def expect(self, node: ast.AST, typ: str, what: str) -> Node:
        built = self.build(node)
        if built.typ != typ:
            raise _Refused(_("%(what)s must be a %(typ)s, not a %(got)s") % {
                "what": what, "typ": _type(typ), "got": _type(built.typ)}, node)
        return built

    def _Constant(self, node):
        if isinstance(node.value, bool) or node.value is None:
            raise _Refused(_("“%(what)s” is not allowed in a rule") % {"what": node.value}, node)
        if isinstance(node.value, int | float):
            return Literal(NUM, node.value)
        if isinstance(node.value, str):
            return Literal(TEXT, node.value)
        raise _Refused(_("only numbers and texts in quotes are allowed"), node)

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
            return Comparison(BOOL, type(op), left, right)
        if isinstance(left, Attribute) and left.typ in (TEXT, INDUSTRY) and right.typ == TEXT \
                and isinstance(right, Literal):
            if type(op) not in (ast.Eq, ast.NotEq):
                raise _Refused(_("%(name)s can only be compared with == or !=") % {"name": left.name}, right_ast)
            self._check_values(left.name, [right.value], right_ast)
            return Comparison(BOOL, type(op), left, right)
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


def parse_rule(text: str, *, facts: Mapping[str, str], period: str, industries: set[str] | None = None) -> Rule:
    """Parse and type-check ``text``; raise RuleError with every problem found, by line.

    ``facts`` maps each known fact name to its period kind; ``industries`` are the known GB/T 4754
    codes (sections and divisions); ``period`` is the policy's own period, the default for ``fact()``.
    """
    problems: list[tuple[int, str]] = []
    if period_kind_of(period) is None:
        raise RuleError([(0, _("the policy period “%(period)s” is not like 2026, 2026Q3 or 2026-10")
                             % {"period": period})])
    builder = _Builder(facts=facts, industries=industries, period=period)
    clauses: list[Clause] = []
    amount: tuple[int, str, Node] | None = None
    for line, statement in _statements(text):
        match = STATEMENT.match(statement)
        if not match:
            problems.append((line, _("a line must start with “clause NAME:” or “amount:”")))
            continue
        expression = match.group("expr").strip()
        if not expression:
            problems.append((line, _("the expression after the colon is missing")))
            continue
        try:
            tree = ast.parse(expression, mode="eval").body
        except SyntaxError as exc:
            problems.append((line, _("syntax error near column %(column)s: %(message)s")
                             % {"column": exc.offset or 0, "message": exc.msg}))
            continue
        try:
            if match.group("amount"):
                if amount is not None:
                    raise _Refused(_("a second “amount:” (the first is on line %(line)s)") % {"line": amount[0]})
                amount = (line, expression, builder.expect(tree, NUM, _("the amount")))
            else:
                name = match.group("name").strip()
                if any(c.name == name for c in clauses):
                    raise _Refused(_("clause “%(name)s” is defined twice") % {"name": name})
                what = _("clause “%(name)s”") % {"name": name}
                clauses.append(Clause(name, expression, line, builder.expect(tree, BOOL, what)))
        except _Refused as exc:
            where = (_(" (column %(column)s)") % {"column": exc.column + 1}) if exc.column is not None else ""
            problems.append((line, exc.message + where))
    if amount is None and not problems:
        problems.append((0, _("the rule needs an “amount:” line")))
    if problems:
        raise RuleError(problems)
    return Rule(tuple(clauses), amount[1], amount[0], amount[2], period)


# --- evaluation -------------------------------------------------------------------------------------

@dataclass
class Evaluation:
    """Per enterprise (in population order): each clause, whether eligible, and the amount in fen."""

    clause_values: dict[str, np.ndarray]
    clause_known: dict[str, np.ndarray]
    eligible: np.ndarray
    amount: np.ndarray  # fen; 0 where not eligible
    raw_amount: np.ndarray  # fen before the cap; 0 where unknown
    amount_known: np.ndarray


def _broadcast(value, n: int, dtype) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()


def to_fen(num: Num, n: int) -> np.ndarray:
    """Yuan (integer × 10**-scale) to fen, rounding half-up."""
    values = _broadcast(num.values, n, np.int64)
    if num.scale <= 2:
        return values * 10 ** (2 - num.scale)
    divisor = 10 ** (num.scale - 2)
    return np.floor_divide(values + divisor // 2, divisor)


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
    raw = np.where(amount_known, to_fen(amount_num, n), 0)
    capped = np.minimum(raw, cap) if cap is not None else raw
    eligible &= amount_known & (capped > 0)
    return Evaluation(values, known, eligible, np.where(eligible, capped, 0), raw, amount_known)


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
    """Why enterprise ``index`` of ``pop`` does or does not qualify: each clause, the values it saw."""
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
    return {
        "enterprise_id": int(one.ids[0]),
        "period": rule.period,
        "clauses": clauses,
        "amount": {"text": rule.amount_text, "seen": amount_seen,
                   "fen": int(result.raw_amount[0]) if result.amount_known[0] else None, "cap": cap},
        "eligible": bool(result.eligible[0]),
        "granted": int(result.amount[0]),
    }
