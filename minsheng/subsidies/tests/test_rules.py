"""The rule language without a database: parsing, refusals by line, limits, exact money, and the
vectorised evaluation against an independent per-enterprise interpreter (rule_reference.py)."""

from decimal import Decimal

import numpy as np
import pytest
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from minsheng.subsidies import rules

from . import rule_reference


@pytest.fixture(autouse=True)
def _english():
    """Reasons are asserted in English (the msgids); the UI default is zh-Hans."""
    with translation.override("en"):
        yield

FACTS = {"gas_m3": "year", "tax_paid": "year", "employees": "year", "revenue": "year",
         "electricity_kwh_month": "month", "revenue_quarter": "quarter"}
INDUSTRIES = {"A", "C", "I", "01", "33", "34", "65"}


def parse(text, period="2026"):
    return rules.parse_rule(text, facts=FACTS, period=period, industries=INDUSTRIES)


def population(rows):
    """rows: dicts with scale, industry, district, year and facts {(name, period): value or None}."""
    n = len(rows)
    pop = rules.Population(
        ids=np.arange(1, n + 1, dtype=np.int64),
        scale=np.array([r.get("scale", "规上") for r in rows], dtype="U2"),
        industry=np.array([r.get("industry", "3360") for r in rows], dtype="U4"),
        section=np.array([r.get("section", "C") for r in rows], dtype="U1"),
        district_code=np.array([r.get("district_code", "440606") for r in rows], dtype="U12"),
        district_name=np.array([r.get("district", "顺德区") for r in rows], dtype="U20"),
        registered_year=np.array([r.get("year", 2015) for r in rows], dtype=np.int64),
    )
    keys = {key for r in rows for key in r.get("facts", {})}
    for key in keys:
        values = [r.get("facts", {}).get(key) for r in rows]
        pop.facts[key] = (np.array([int(Decimal(str(v)) * 100) if v is not None else 0 for v in values],
                                   dtype=np.int64),
                          np.array([v is not None for v in values]))
    return pop


GAS = 'clause 工业: scale == "规上" and industry in ["C"]\nclause 用气: fact("gas_m3") >= 100000\n' \
      'amount: min(fact("gas_m3") * 0.1, 500000)'


def test_a_rule_with_clauses_and_an_amount_parses():
    rule = parse(GAS)
    assert [c.name for c in rule.clauses] == ["工业", "用气"]
    assert rule.facts_used() == [("gas_m3", "2026")]


def test_eligibility_and_amount_over_a_population():
    pop = population([
        {"facts": {("gas_m3", "2026"): 200000}},
        {"facts": {("gas_m3", "2026"): 99999}},
        {"scale": "规下", "facts": {("gas_m3", "2026"): 200000}},
        {"facts": {("gas_m3", "2026"): 9_000_000}},
        {"facts": {}},
    ])
    result = rules.evaluate(parse(GAS), pop)
    assert result.eligible.tolist() == [True, False, False, True, False]
    assert result.amount.tolist() == [2_000_000, 0, 0, 50_000_000, 0]


def test_money_is_exact_to_the_fen_with_half_up_rounding():
    rule = parse('amount: fact("tax_paid") * 0.015')
    pop = population([{"facts": {("tax_paid", "2026"): 12345.67}}, {"facts": {("tax_paid", "2026"): 100.3}}])
    # 12345.67 × 0.015 = 185.18505 yuan → 18518.505 fen → 18519; 100.30 × 0.015 = 1.5045 → 150.45 → 150
    assert rules.evaluate(rule, pop).amount.tolist() == [18519, 150]


def test_a_missing_fact_makes_the_clause_fail_and_the_trace_says_so():
    rule = parse('clause 用气: not (fact("gas_m3") < 100)\namount: 1000')
    pop = population([{"facts": {("gas_m3", "2026"): None}}])
    assert not rules.evaluate(rule, pop).eligible[0]
    trace = rules.trace(rule, pop, 0)
    assert trace["clauses"][0]["result"] == "missing"
    assert trace["clauses"][0]["missing"] == ['fact("gas_m3", "2026")']


def test_or_with_one_known_true_side_holds_despite_a_missing_fact():
    rule = parse('clause 任一: fact("gas_m3") > 1 or scale == "规上"\namount: 1')
    assert rules.evaluate(rule, population([{"facts": {}}])).eligible[0]


def test_industry_matches_section_division_and_class_prefix():
    rule = parse('clause 行业: industry in ["A", "34"]\namount: 1')
    pop = population([{"industry": "0110", "section": "A"}, {"industry": "3411"}, {"industry": "3360"}])
    assert rules.evaluate(rule, pop).eligible.tolist() == [True, True, False]


def test_district_by_name_or_code_and_not_in():
    rule = parse('clause 区: district in ["顺德区", "440604"] and scale not in ["规下"]\namount: 1')
    pop = population([{}, {"district": "禅城区", "district_code": "440604"},
                      {"district": "南海区", "district_code": "440605"}, {"scale": "规下"}])
    assert rules.evaluate(rule, pop).eligible.tolist() == [True, True, False, False]


def test_chained_comparison_and_registered_year():
    rule = parse('clause 规模: 10 <= fact("employees") < 300 and registered_year <= 2020\namount: 1')
    pop = population([{"facts": {("employees", "2026"): 10}}, {"facts": {("employees", "2026"): 300}},
                      {"year": 2022, "facts": {("employees", "2026"): 50}}])
    assert rules.evaluate(rule, pop).eligible.tolist() == [True, False, False]


def test_cap_bounds_the_amount():
    rule = parse('amount: fact("gas_m3") * 1')
    pop = population([{"facts": {("gas_m3", "2026"): 10}}, {"facts": {("gas_m3", "2026"): 10_000}}])
    assert rules.evaluate(rule, pop, cap=50_000).amount.tolist() == [1000, 50_000]


def test_an_amount_of_zero_does_not_qualify():
    rule = parse('amount: max(fact("gas_m3") - 100, 0)')
    assert not rules.evaluate(rule, population([{"facts": {("gas_m3", "2026"): 50}}])).eligible[0]


def test_facts_of_other_periods_can_be_named():
    rule = parse('clause 增长: fact("tax_paid", "2026") > fact("tax_paid", "2025")\n'
                 'clause 季度: fact("revenue_quarter", "2026Q3") > 0\n'
                 'clause 月: has("electricity_kwh_month", "2026-10")\n'
                 'amount: 1')
    assert set(rule.facts_used()) == {("tax_paid", "2026"), ("tax_paid", "2025"), ("revenue_quarter", "2026Q3"),
                                      ("electricity_kwh_month", "2026-10")}


@pytest.mark.parametrize(("text", "line", "reason"), [
    ('clause a: fact("gaz") > 1\namount: 1', 1, "unknown fact"),
    ('clause a: scale == 3\namount: 1', 1, "cannot compare"),
    ('clause a: scale == "大"\namount: 1', 1, "规上"),
    ('amount: 1\nclause b: eval("1") > 0', 2, "unknown function"),
    ('clause a: __import__("os").system("x")\namount: 1', 1, "unknown function"),
    ('clause a: fact("gas_m3").real > 1\namount: 1', 1, "not allowed"),
    ('clause a: fact("gas_m3") / 2 > 1\namount: 1', 1, "division"),
    ('clause a: fact("gas_m3") ** 2 > 1\namount: 1', 1, "only + - *"),
    ('clause a: fact("electricity_kwh_month") > 1\namount: 1', 1, "by month"),
    ('clause a: fact("gas_m3", "2026Q1") > 1\namount: 1', 1, "by year"),
    ('clause a: (1 >\namount: 1', 1, "syntax error"),
    ('clause a: fact("gas_m3")\namount: 1', 1, "must be a condition"),
    ('clause a: x > 1\namount: 1', 1, "unknown name"),
    ('clause a: industry in ["Q9"]\namount: 1', 1, "unknown industry"),
    ('clause a: industry in [1]\namount: 1', 1, "only hold texts"),
    ('clause a: 1 > 0\nclause a: 2 > 0\namount: 1', 2, "twice"),
    ('amount: 1\namount: 2', 2, "second"),
    ('amount: scale == "规上"', 1, "must be a number"),
    ('what is this', 1, "must start with"),
    ('clause a: 1 > 0', 0, "needs an “amount:”"),
    ('clause a: [x for x in "ab"] == 1\namount: 1', 1, "not allowed"),
])
def test_bad_rules_are_refused_with_line_and_reason(text, line, reason):
    with pytest.raises(rules.RuleError) as caught:
        parse(text)
    problems = caught.value.problems
    assert problems[0][0] == line
    assert reason in problems[0][1]


def test_every_problem_is_reported_not_only_the_first():
    with pytest.raises(rules.RuleError) as caught:
        parse('clause a: fact("nope") > 1\nclause b: foo()\namount: 1')
    assert [line for line, _ in caught.value.problems] == [1, 2]


def test_comments_and_continuation_lines():
    rule = parse('# header\nclause 工业: scale == "规上"  # trailing "#" comment\n   and industry in ["C"]\namount: 5')
    assert rule.clauses[0].text.endswith('industry in ["C"]')


# --- limits: no rule can exhaust the parser's or the evaluator's stack or memory ----------------------

TOO_DEEP = "the expression is nested too deeply: at most 50 levels of operators, functions and brackets"


@pytest.mark.parametrize("condition", [
    "not " * 4000 + "1 > 0",
    "(" * 5000 + "1 > 0" + ")" * 5000,
    "-" * 4000 + "1 > 0",
    " + ".join(["1"] * 3000) + " > 0",
    "not " * 49 + "1 > 0",
    "min(" * 60 + "1" + ", 2)" * 60 + " > 0",
], ids=["4000 nots", "5000 brackets", "4000 minus signs", "3000 terms summed", "49 nots", "60 nested min"])
def test_deep_nesting_is_refused_with_its_line(condition):
    with pytest.raises(rules.RuleError) as caught:
        parse(f"clause 规模: 1 > 0\nclause 深: {condition}\namount: 1")
    assert caught.value.problems == [(2, TOO_DEEP)]


def test_nesting_up_to_the_limit_and_long_sums_are_accepted():
    parse("clause 深: " + "not " * 48 + "1 > 0\namount: 1")  # 48 × not, the comparison, the numbers: 50
    rule = parse("amount: " + " + ".join(['fact("gas_m3")'] * 40))
    assert rules.evaluate(rule, population([{"facts": {("gas_m3", "2026"): 1}}])).amount.tolist() == [4000]


@pytest.mark.parametrize(("text", "line", "reason"), [
    ('clause 行业: industry in [' + '"C", ' * 200_000 + '"C"]\namount: 1', 1,
     "1,000,038 characters, more than the 20,000"),
    ("clause 深: " + "not " * 250_000 + "1 > 0\namount: 1", 1, "characters, more than the 20,000"),
    ("# 0123456789abcdefg\n" * 2000 + "amount: 1", 1001, "characters, more than the 20,000"),
    ("clause 规模: 1 > 0\n" + "\n" * 450 + "amount: 1", 401, "452 lines, more than the 400"),
    ('clause 规模: 1 > 0\nclause 行业: industry in [' + '"C", ' * 2500 + '"C"]\namount: 1', 2, "more than 2,000 terms"),
], ids=["1 MB list", "1 MB of nots", "2000 comment lines", "452 lines", "2502 terms"])
def test_a_rule_too_large_is_refused_at_the_line_where_it_goes_past_the_limit(text, line, reason):
    with pytest.raises(rules.RuleError) as caught:
        parse(text)
    [(found_line, message)] = caught.value.problems
    assert found_line == line and reason in message


# --- numbers: exact, in range, never wrapping around -------------------------------------------------

@pytest.mark.parametrize(("amount", "reason"), [
    ("10000000000000000000", "the number 10000000000000000000 is out of range"),
    ("1e309", "the number 1e309 is out of range"),
    ("-1e309", "the number 1e309 is out of range"),
    ("1e16", "out of range: a number in a rule must be less than 10,000,000,000,000,000"),
    ("inf", "unknown name “inf”"),
    ("nan", "unknown name “nan”"),
    ("0x10", "write numbers in decimal digits"),
    ("2j", "write numbers in decimal digits"),
    ("0.000000001", "the number 0.000000001 has more than 8 decimals"),
    ("200000000", "the amount is 200,000,000.00 yuan, more than the 100,000,000 yuan a grant may be"),
    ("100000000 + 0.01", "the amount is 100,000,000.01 yuan"),
    ('fact("revenue") * fact("revenue") * fact("revenue")', "can grow beyond 40 digits"),
    ('min(fact("revenue") * fact("revenue") * 100000, 1)', "can grow beyond 40 digits"),
])
def test_numbers_out_of_range_are_refused_at_save_time_with_their_line(amount, reason):
    with pytest.raises(rules.RuleError) as caught:
        parse(f'clause 营收: fact("revenue") > 0\namount: {amount}')
    [(line, message)] = caught.value.problems
    assert line == 2 and reason in message


@pytest.mark.parametrize("condition", [
    'scale == "规上" and fact("revenue") * fact("revenue") * fact("revenue") > 1',
    'scale == "规上" and fact("revenue") * fact("revenue") * 5 > 0.00000001',  # 5e36 at 4 decimals, compared at 8
])
def test_a_condition_that_could_grow_too_large_is_refused_with_its_column(condition):
    with pytest.raises(rules.RuleError) as caught:
        parse(f"clause 营收: {condition}\namount: 1")
    [(line, message)] = caught.value.problems
    assert line == 1 and "40 digits" in message and message.endswith("(column 19)")  # where fact( starts


def test_numbers_are_read_exactly_from_their_digits_not_through_a_float():
    # as floats these are 99999999999999.98 and 12345678901234.568
    rule = parse('clause 等于: fact("revenue") == 99999999999999.99\n'
                 'clause 小于: fact("revenue") * 0 + 12345678901234.56784 < 12345678901234.56785\n'
                 'clause 写法: 1_000.5 == 1.0005e3\n'
                 'amount: 1')
    assert rules.evaluate(rule, population([{"facts": {("revenue", "2026"): "99999999999999.99"}}])).eligible[0]


def test_a_tiny_number_added_to_a_large_fact_still_counts():
    rule = parse('clause 大于: fact("revenue") + 0.00000001 > 100000000000\n'
                 'clause 正: fact("revenue") + 0.00000001 > 0\n'
                 'amount: fact("revenue") * 0.00000001 + 0.005')
    result = rules.evaluate(rule, population([{"facts": {("revenue", "2026"): 100_000_000_000}},
                                              {"facts": {("revenue", "2026"): "100000000000.01"}}]))
    assert result.eligible.tolist() == [True, True]
    # 1e11 × 1e-8 = 1000 yuan + 0.005 → 100000.5 fen → 100001; 100000000000.01 × 1e-8 = 1000.0000000001
    assert result.amount.tolist() == [100_001, 100_001]


LARGEST = "9999999999999999.99"  # the largest fact the database holds


def test_sums_and_products_beyond_int64_are_exact_and_never_wrap_around():
    rule = parse("clause 和: " + " + ".join(['fact("revenue")'] * 10) + " > 0\n"
                 'clause 积: fact("revenue") * 1000 > fact("revenue") * 999.99999999\n'
                 'clause 负: -fact("revenue") * 100000000000 < 0\n'
                 'amount: fact("revenue") * 100000000000 - fact("revenue") * 100000000000 + 12.345')
    result = rules.evaluate(rule, population([{"facts": {("revenue", "2026"): LARGEST}}]))
    assert [v[0] for v in result.clause_values.values()] == [True, True, True]
    assert result.amount.tolist() == [1235]  # 12.345 yuan, half-up


def test_an_amount_beyond_the_largest_grant_is_paid_the_largest_grant_and_the_trace_says_so():
    rule = parse('amount: fact("revenue") * 100000000000')
    pop = population([{"facts": {("revenue", "2026"): LARGEST}}, {"facts": {("revenue", "2026"): "0.00000001"}}])
    result = rules.evaluate(rule, pop)
    assert result.amount.tolist() == [100_000_000_00, 0]
    assert result.amount.dtype == np.int64
    trace = rules.trace(rule, pop, 0)
    assert trace["amount"]["fen"] == 999999999999999999 * 10**11 and trace["amount"]["cap"] == 100_000_000_00
    assert trace["granted"] == 100_000_000_00


def test_the_largest_grant_can_be_lowered_and_a_policy_cap_below_it_still_applies():
    rule = rules.parse_rule('amount: fact("gas_m3")', facts=FACTS, period="2026", max_amount=5_000)
    pop = population([{"facts": {("gas_m3", "2026"): 70}}, {"facts": {("gas_m3", "2026"): 20}}])
    assert rules.evaluate(rule, pop).amount.tolist() == [5_000, 2_000]
    assert rules.evaluate(rule, pop, cap=3_000).amount.tolist() == [3_000, 2_000]
    assert rules.evaluate(rule, pop, cap=9_000).amount.tolist() == [5_000, 2_000]
    with pytest.raises(rules.RuleError, match="a grant may be"):
        rules.parse_rule("amount: 50.01", facts=FACTS, period="2026", max_amount=5_000)


def test_negative_amounts_round_half_away_from_zero_and_do_not_qualify():
    rule = parse('amount: 0.5 - fact("gas_m3") * 0.001')
    pop = population([{"facts": {("gas_m3", "2026"): 505}}, {"facts": {("gas_m3", "2026"): 495}}])
    result = rules.evaluate(rule, pop)
    assert result.raw_amount.tolist() == [-1, 1]  # -0.005 yuan → -1 fen; 0.005 → 1 fen
    assert result.amount.tolist() == [0, 1]


# --- the vectorised evaluation against the reference interpreter ---------------------------------------

SECTIONS = {"3360": "C", "3411": "C", "3312": "C", "0110": "A", "6510": "I"}
DISTRICTS = [("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区")]
FACT_KEYS = [(name, period) for name in ("gas_m3", "tax_paid", "revenue") for period in ("2026", "2025")]
MAX_AMOUNT = rules.MAX_AMOUNT_FEN

fact_values = st.one_of(
    st.none(),
    st.integers(0, 1000).map(Decimal),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value="-9999999999999999.99", max_value=LARGEST, places=2),
    st.sampled_from([Decimal(v) for v in (LARGEST, "-" + LARGEST, "0.01", "0.03", "-0.01", "-0.03", "0.00")]),
)
enterprises = st.fixed_dictionaries({
    "scale": st.sampled_from(["规上", "规下"]),
    "industry": st.sampled_from(sorted(SECTIONS)),
    "district": st.sampled_from(DISTRICTS),
    "year": st.integers(1990, 2026),
    "facts": st.fixed_dictionaries({key: fact_values for key in FACT_KEYS}),
})


def _rendered(number: Decimal, scientific: bool) -> tuple:
    return ("num", number, f"{number:e}" if scientific else f"{number:f}")


literals = st.builds(_rendered, st.one_of(
    st.integers(0, 1000).map(Decimal),
    st.decimals(min_value=0, max_value=1, places=8),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value="9999999999999999.99999999", places=8),  # more digits than a float has
    st.sampled_from([Decimal(v) for v in ("9999999999999999.99999999", "100000000", "100000000000", "0.00000001",
                                          "0.5", "0.005", "0.015", "1.005")]),  # halves of a fen
), st.booleans())
fact_refs = st.tuples(st.just("fact"), st.sampled_from(["gas_m3", "tax_paid", "revenue"]),
                      st.sampled_from([None, "2026", "2025"]))


def numbers(depth: int):
    leaves = st.one_of(literals, fact_refs, st.just(("year",)))
    if depth == 0:
        return leaves
    inner = numbers(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(st.just("neg"), inner),
        st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=3)),
    )


comparisons = st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.just("compare"), st.lists(numbers(2), min_size=n + 1, max_size=n + 1),
    st.lists(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), min_size=n, max_size=n)))
memberships = st.one_of(
    st.tuples(st.just("in"), st.just("industry"),
              st.lists(st.sampled_from(["C", "A", "I", "33", "34", "336", "3360", "3312", "01", "65"]),
                       min_size=1, max_size=3), st.booleans()),
    st.tuples(st.just("in"), st.just("district"),
              st.lists(st.sampled_from(["禅城区", "顺德区", "440604", "440605"]), min_size=1, max_size=2),
              st.booleans()),
    st.tuples(st.just("text"), st.sampled_from(["industry", "district", "scale"]), st.sampled_from(["==", "!="]),
              st.sampled_from(["C", "33"])).map(lambda t: t if t[1] == "industry" else (*t[:3], {
                  "district": "顺德区", "scale": "规上"}[t[1]])),
)


def conditions(depth: int):
    presence = st.tuples(st.just("has"), st.sampled_from(["gas_m3", "revenue"]), st.sampled_from([None, "2025"]))
    leaves = st.one_of(comparisons, memberships, presence)
    if depth == 0:
        return leaves
    inner = conditions(depth - 1)
    return st.one_of(leaves, st.tuples(st.just("not"), inner),
                     st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3)))


def reference_population(rows: list[dict]) -> rules.Population:
    """The rows as columns, written here from scratch (facts × 100 as int64)."""
    pop = rules.Population(
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        scale=np.array([r["scale"] for r in rows], dtype="U2"),
        industry=np.array([r["industry"] for r in rows], dtype="U4"),
        section=np.array([SECTIONS[r["industry"]] for r in rows], dtype="U1"),
        district_code=np.array([r["district"][0] for r in rows], dtype="U12"),
        district_name=np.array([r["district"][1] for r in rows], dtype="U20"),
        registered_year=np.array([r["year"] for r in rows], dtype=np.int64),
    )
    for key in FACT_KEYS:
        values = [r["facts"][key] for r in rows]
        pop.facts[key] = (np.array([int(v * 100) if v is not None else 0 for v in values], dtype=np.int64),
                          np.array([v is not None for v in values]))
    return pop


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clauses=st.lists(conditions(2), max_size=3), amount=numbers(3),
       rows=st.lists(enterprises, min_size=1, max_size=6), max_amount=st.sampled_from([10_000, MAX_AMOUNT]),
       cap=st.none() | st.sampled_from([1, 9_999, 10_001, MAX_AMOUNT - 1, MAX_AMOUNT + 1]) | st.integers(1, 10**12))
def test_vectorised_evaluation_agrees_with_the_reference_interpreter(clauses, amount, rows, max_amount, cap):
    text = rule_reference.render_rule(clauses, amount)
    try:
        rule = rules.parse_rule(text, facts=FACTS, period="2026", industries=INDUSTRIES, max_amount=max_amount)
    except rules.RuleError as exc:  # the only refusals a generated rule may meet: magnitudes
        assert all("digits" in why or "a grant may be" in why for _line, why in exc.problems), (text, exc.problems)
        assume(False)
    result = rules.evaluate(rule, reference_population(rows), cap=cap)
    for index, row in enumerate(rows):
        expected = rule_reference.grant(clauses, amount, {
            **row, "section": SECTIONS[row["industry"]], "district_code": row["district"][0],
            "district_name": row["district"][1]}, period="2026", cap=cap, max_amount=max_amount)
        for number, verdict in enumerate(expected["clauses"]):
            assert bool(result.clause_values[f"c{number}"][index]) is (verdict is True), (text, row)
            assert bool(result.clause_known[f"c{number}"][index]) is (verdict is not None), (text, row)
        assert bool(result.amount_known[index]) is (expected["fen"] is not None), (text, row)
        if expected["fen"] is not None:
            assert int(result.raw_amount[index]) == expected["fen"], (text, row)
        assert bool(result.eligible[index]) is expected["eligible"], (text, row)
        assert int(result.amount[index]) == expected["granted"], (text, row)


row = st.fixed_dictionaries({
    "scale": st.sampled_from(["规上", "规下"]),
    "industry": st.sampled_from(["3360", "3411", "0110", "6510"]),
    "facts": st.fixed_dictionaries({
        ("gas_m3", "2026"): st.one_of(st.none(), st.integers(0, 10**8)),
        ("tax_paid", "2026"): st.one_of(st.none(), st.decimals(0, 10**7, places=2).map(float)),
    }),
})


@settings(max_examples=40, deadline=None)
@given(st.lists(row, min_size=1, max_size=30))
def test_the_per_enterprise_trace_agrees_with_the_vectorised_evaluation(rows):
    for r in rows:
        r["section"] = {"3": "C", "0": "A", "6": "I"}[r["industry"][0]]
    rule = parse('clause 工业: scale == "规上" and industry in ["C", "65"]\n'
                 'clause 用气: fact("gas_m3") >= 1000 or fact("tax_paid") > 5000\n'
                 'amount: min(fact("gas_m3") * 0.1 + fact("tax_paid") * 0.02, 200000)')
    pop = population(rows)
    result = rules.evaluate(rule, pop, cap=10_000_000)
    for index in range(len(rows)):
        trace = rules.trace(rule, pop, index, cap=10_000_000)
        assert trace["eligible"] == bool(result.eligible[index])
        assert trace["granted"] == int(result.amount[index])


def test_an_amount_of_thirty_digits_is_computed_exactly():
    """Found by the property test (the reference then rounded at 28 digits): 9,999,999,999,999,999.99 yuan ×
    (1990 + 10^11) is 1000000019899999998999999980.10 yuan exactly, i.e. …98010 fen."""
    row = {"scale": "规上", "industry": "0110", "district": ("440604", "禅城区"), "year": 1990,
           "facts": {key: None for key in FACT_KEYS} | {("revenue", "2025"): Decimal("9999999999999999.99")}}
    rule = parse('amount: 0 + fact("revenue", "2025") * (registered_year + 100000000000)')
    result = rules.evaluate(rule, reference_population([row]), cap=None)
    assert int(result.raw_amount[0]) == 100000001989999999899999998010
