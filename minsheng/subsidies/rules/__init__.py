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

# The language is split by stage: values.py (limits, columns, exact numbers), tree.py (the typed nodes),
# parse.py (text → tree), evaluate.py (tree × population → amounts, and one enterprise's trace).
from .evaluate import (  # noqa: F401
    Evaluation,
    amount_limit,
    evaluate,
    trace,
)
from .parse import (  # noqa: F401
    ATTRIBUTES,
    DECIMAL_NUMBER,
    FUNCTIONS,
    STATEMENT,
    Clause,
    Rule,
    parse_rule,
)
from .tree import (  # noqa: F401
    BOOL,
    COMPARE,
    COMPARE_TEXT,
    INDUSTRY,
    NUM,
    PERIOD_KIND_LABELS,
    TEXT,
    TEXTS,
    TYPE_LABELS,
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
)
from .values import (  # noqa: F401
    FACT_BOUND,
    FACT_SCALE,
    INT64_MAX,
    MAGNITUDE_DIGITS,
    MAGNITUDE_LIMIT,
    MAX_AMOUNT_FEN,
    NUMBER_DECIMALS,
    NUMBER_LIMIT,
    PERIOD_EXAMPLES,
    PERIOD_PATTERNS,
    RULE_MAX_CHARS,
    RULE_MAX_DEPTH,
    RULE_MAX_LINES,
    RULE_MAX_TERMS,
    SCALES,
    WORST_CASE,
    YEAR_BOUND,
    Num,
    Population,
    RuleError,
    Truth,
    period_kind_of,
)
