"""Reading a rule's text into the typed tree: statements, the whitelist of Python syntax, the size bounds."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from django.utils.translation import gettext as _

from .tree import (
    BOOL,
    COMPARE,
    INDUSTRY,
    NUM,
    TEXT,
    TEXTS,
    Arithmetic,
    Attribute,
    Comparison,
    Extreme,
    FactRef,
    Literal,
    Logic,
    Membership,
    Negate,
    Node,
    _type,
)
from .values import (
    INT64_MAX,
    MAX_AMOUNT_FEN,
    NUMBER_DECIMALS,
    NUMBER_LIMIT,
    PERIOD_EXAMPLES,
    RULE_MAX_CHARS,
    RULE_MAX_DEPTH,
    RULE_MAX_LINES,
    RULE_MAX_TERMS,
    SCALES,
    WORST_CASE,
    Num,
    Population,
    RuleError,
    _exact,
    _Refused,
    _within,
    period_kind_of,
)

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
