"""The rule language without a database: parsing, refusals by line, exact money, vectorised == trace."""

import numpy as np
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.subsidies import rules


@pytest.fixture(autouse=True)
def _english():
    """Reasons are asserted in English (the msgids); the UI default is zh-Hans."""
    with translation.override("en"):
        yield

FACTS = {"gas_m3": "year", "tax_paid": "year", "employees": "year", "electricity_kwh_month": "month",
         "revenue_quarter": "quarter"}
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
        pop.facts[key] = (np.array([round(v * 100) if v is not None else 0 for v in values], dtype=np.int64),
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
def test_vectorised_evaluation_equals_the_per_enterprise_trace(rows):
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
