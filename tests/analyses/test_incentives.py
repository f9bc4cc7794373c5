"""The incentive engine: the safe expression language, the Changsha ruleset's own test cases,
exclusivity, budgets, what-if runs, run records, and explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.incentives import Ruleset, compare, explain, run, run_test_cases
from clusteratlas.analyses.incentives.engine import shipped_cases
from clusteratlas.study.records import add_ruleset, load_ruleset, record_run, rulesets
from clusteratlas.analyses.incentives.expressions import Expression, ExpressionError
from clusteratlas.sample import INCENTIVE_INPUTS, data_dir


@pytest.fixture(scope="module")
def changsha():
    return Ruleset.load("changsha_2005")


@pytest.mark.parametrize("text", ["__import__('os').system('x')", "open('f')", "a.b", "x[0]",
                                  "lambda: 1", "[i for i in x]", "exec('1')", "param.__class__"])
def test_the_expression_language_refuses_anything_but_arithmetic_and_logic(text):
    with pytest.raises(ExpressionError):
        e = Expression.parse(text)
        e.evaluate({"x": np.ones(1), "a": np.ones(1)}, {}, 1)


def test_expressions_work_on_columns_and_missing_values_never_fire():
    e = Expression.parse("x >= param.t and not flag or min(x, 3) > 10")
    out = e.evaluate({"x": np.array([5.0, 1.0, np.nan]), "flag": np.array([False, False, False])},
                     {"t": 2}, 3)
    assert out.tolist() == [True, False, False]
    cond = Expression.parse("0.5 if county else 1").evaluate({"county": np.array([True, False])}, {}, 2)
    assert cond.tolist() == [0.5, 1.0]
    assert e.names == {"x", "flag"} and e.params == {"t"}


def test_every_changsha_rule_has_passing_boundary_cases(changsha):
    cases = shipped_cases()
    result = run_test_cases(changsha, cases)
    assert result.passed.all(), result[~result.passed].to_string()
    covered = set(result.check.str.removeprefix("no "))
    assert {r.id for r in changsha.rules} <= covered
    assert len(cases) >= 50


@pytest.mark.parametrize("name", ["changsha_2005", "rd_super_deduction"])
def test_every_shipped_ruleset_passes_its_cases_and_covers_every_rule(name):
    from clusteratlas.analyses.incentives import SHIPPED

    assert name in SHIPPED
    rs = Ruleset.load(name)
    result = run_test_cases(rs, shipped_cases(name))
    assert result.passed.all(), result[~result.passed].to_string()
    assert {r.id for r in rs.rules} <= set(result.check.str.removeprefix("no "))
    assert all(r.reading for r in rs.rules)  # every rule says how its clause is read


def test_each_rule_cites_its_clause_and_each_parameter_its_source(changsha):
    assert all(r.clause.startswith("第1") for r in changsha.rules)
    assert {r.clause for r in changsha.rules} == {f"第{i}条" for i in (10, 11, 12, 13, 14, 16, 17)}
    assert all(p["clause"] for p in changsha.parameters.values())
    assert "misprint" in changsha.parameters["park_fund_annual"]["note"]  # the 2024万 reading


def test_exclusivity_keeps_the_highest_and_says_why(changsha):
    e = pd.DataFrame([{"entity_id": "F", "entity": "firm", "three_industries": True,
                       "new_national_tech_centre": True, "new_provincial_tech_centre": True}])
    lines = run(changsha, e, 2006).lines.set_index("rule_id")
    assert lines.loc["c17_tech_centre_national", "status"] == "award"
    assert lines.loc["c17_tech_centre_provincial", "status"] == "suppressed"
    assert "the higher applies" in lines.loc["c17_tech_centre_provincial", "reason"]


def test_the_guarantee_fund_caps_every_run_pro_rata_or_ranked(changsha):
    """第16条: 市财政……每年安排1000万元……进行1%补贴 — the fund is the ruleset's budget, applied by
    every run (CLI, API, report alike), not by a caller who remembers to."""
    e = pd.DataFrame([{"entity_id": f"G{i}", "entity": "guarantor", "sme_guarantee_amount": a,
                       "years_since_registration": 9, "business_tax_due": 0}
                      for i, a in enumerate([6e8, 3e8, 3e8])])
    res = run(changsha, e, 2006)  # asks 6M + 3M + 3M = 12M of a 10M fund
    pro = res.lines.set_index("entity_id")
    assert pro["amount"].sum() == pytest.approx(1e7) and pro["entitled"].sum() == pytest.approx(1.2e7)
    assert pro.loc["G0", "amount"] == pytest.approx(6e6 * 10 / 12)
    assert "budget guarantee_fund: CNY 10,000,000 for CNY 12,000,000 claimed in 2006" in pro.loc["G0", "reason"]
    ranked = run(changsha, e, 2006, budgets={"guarantee_fund": {"method": "ranked"}}).lines.set_index("entity_id")
    assert ranked.loc["G0", "amount"] == 6e6 and ranked["amount"].sum() == pytest.approx(1e7)
    assert sorted(ranked.loc[["G1", "G2"], "amount"]) == [1e6, 3e6]
    lifted = run(changsha, e, 2006, budgets=False).lines
    assert lifted["amount"].sum() == pytest.approx(1.2e7)
    with pytest.raises(ValueError, match="no budget"):
        run(changsha, e, 2006, budgets={"fund": {"cap": 1}})


def test_what_if_runs_are_compared_with_the_base(changsha):
    e = pd.DataFrame([{"entity_id": "P", "entity": "project", "new_in_zone": True, "priority_project": True,
                       "investment_usd": 4e7, "annual_tax": 2e7, "land_premium_paid": 1e8}])
    base = run(changsha, e, 2006)
    alt = run(changsha, e, 2006, {"land_rebate_rate": 0.6})
    diff = compare(base, alt).groupby("rule_id")[["base", "alternative", "difference"]].sum()
    assert diff.loc["c10_land_premium_rebate", "base"] == pytest.approx(3e7)
    assert diff.loc["c10_land_premium_rebate", "alternative"] == pytest.approx(6e7)
    assert base.ruleset_sha256 == alt.ruleset_sha256 and alt.parameters["land_rebate_rate"] == 0.6


def test_runs_are_recorded_with_hashes(changsha, tmp_path):
    from clusteratlas.io import Store

    inputs = pd.read_csv(data_dir() / INCENTIVE_INPUTS)
    res = run(changsha, inputs, 2006)
    assert (res.lines.ruleset_sha256 == changsha.sha256).all()
    with Store(tmp_path / "s.duckdb") as store:
        a = record_run(store, res, changsha, label="base")
        b = record_run(store, res, changsha, label="again")
        runs = store.sql("SELECT * FROM incentive_runs ORDER BY run_id")
        lines = store.sql("SELECT run_id, count(*) n, sum(amount) total FROM award_lines GROUP BY 1 ORDER BY 1")
    assert (a, b) == (1, 2) and list(runs.inputs_sha256.unique()) == [res.inputs_sha256]
    assert lines.n.tolist() == [len(res.lines)] * 2


def test_explain_in_chinese_and_english(changsha):
    inputs = pd.read_csv(data_dir() / INCENTIVE_INPUTS)
    firm = inputs[inputs.entity == "firm"].iloc[0]
    items = explain(changsha, firm, 2006)
    assert {i["rule_id"] for i in items} == {r.id for r in changsha.rules if r.entity == "firm"}
    eq = next(i for i in items if i["rule_id"] == "c12_equipment_subsidy")
    assert "第12条" in eq["zh"] and ("holds" in eq["en"] or "does not hold" in eq["en"])
    assert "new_project_investment" in eq["inputs"]


def test_decision_rules_never_get_an_amount(changsha):
    e = pd.DataFrame([{"entity_id": "P", "entity": "project", "operating_years": 15,
                       "local_jobs": 2000, "tax_year_after": 0, "exports_usd": 0}])
    line = run(changsha, e, 2006).lines.set_index("rule_id").loc["c10_special_support"]
    assert line.status == "for decision" and np.isnan(line.amount)


def _lines(rows):
    return pd.DataFrame(rows, columns=["entity_id", "rule_id", "clause", "title_zh", "payer",
                                       "amount", "status"])


def test_award_totals_count_entities_and_add_up():
    from clusteratlas.analyses.incentives import award_totals

    lines = _lines([
        ("f1", "a", "§1", "甲", "city", 60.0, "award"), ("f1", "a", "§1", "甲", "county", 40.0, "award"),
        ("f2", "a", "§1", "甲", "city", 30.0, "award"), ("f3", "a", "§1", "甲", "city", 30.0, "award"),
        ("f4", "b", "§2", "乙", "city", 50.0, "award"), ("f5", "b", "§2", "乙", "city", 45.0, "award"),
        ("f6", "b", "§2", "乙", "city", 55.0, "award"), ("f7", "c", "§3", "丙", "county", 70.0, "award"),
        ("f8", "c", "§3", "丙", "county", 0.0, "not eligible")])
    t = award_totals(lines)
    by_rule = t.by_rule.set_index("rule_id")
    assert by_rule["entities"].to_dict() == {"a": 3, "b": 3, "c": 1}
    assert by_rule["amount"].to_dict() == {"a": 160.0, "b": 150.0, "c": 70.0}
    assert t.total == 380.0 == t.by_payer["amount"].sum()
    assert (by_rule["suppressed"] == "").all()


def test_award_totals_withhold_a_rule_of_one_firm_with_a_partner_and_the_payer_split():
    from clusteratlas.analyses.disclosure import recoverable
    from clusteratlas.analyses.incentives import award_totals

    lines = _lines([
        ("f1", "a", "§1", "甲", "city", 100.0, "award"), ("f2", "a", "§1", "甲", "city", 30.0, "award"),
        ("f3", "a", "§1", "甲", "city", 30.0, "award"), ("f4", "b", "§2", "乙", "city", 50.0, "award"),
        ("f5", "b", "§2", "乙", "city", 45.0, "award"), ("f6", "b", "§2", "乙", "county", 55.0, "award"),
        ("f7", "c", "§3", "丙", "county", 70.0, "award")])
    t = award_totals(lines, withhold=True).by_rule.set_index("rule_id")
    assert t.at["c", "suppressed"] == "primary"  # one firm
    assert t.at["b", "suppressed"] == "complementary"  # the smaller of the others
    assert t.at["a", "amount"] == 160.0 and np.isnan(t.at["c", "amount"])
    # with the run's total published, the two hidden rules are one equation in two unknowns
    assert not recoverable(t["amount"].isna().to_numpy()[:, None], np.zeros(3, bool)).any()
    # each rule's payer shares are parameters: per-payer sums would solve them back
    assert award_totals(lines, withhold=True).by_payer["amount"].isna().all()


def test_a_firm_alone_in_a_hidden_rule_cannot_solve_the_other_from_its_own_award():
    from clusteratlas.analyses.incentives import award_totals

    # c pays only f7, d only f8: the public sees two hidden rules, one equation in two unknowns;
    # f7 knows its own award, so to f7 that equation gives d's award back — unless a third goes
    lines = _lines([
        ("f1", "a", "§1", "甲", "city", 40.0, "award"), ("f2", "a", "§1", "甲", "city", 30.0, "award"),
        ("f3", "a", "§1", "甲", "city", 30.0, "award"), ("f4", "b", "§2", "乙", "city", 50.0, "award"),
        ("f5", "b", "§2", "乙", "city", 45.0, "award"), ("f6", "b", "§2", "乙", "county", 55.0, "award"),
        ("f7", "c", "§3", "丙", "county", 70.0, "award"), ("f8", "d", "§4", "丁", "county", 20.0, "award")])
    public = award_totals(lines, withhold=True).by_rule.set_index("rule_id")
    assert set(public.index[public["amount"].isna()]) == {"c", "d"}
    theirs = award_totals(lines, withhold=True, known_entities={"f7"}).by_rule.set_index("rule_id")
    hidden = set(theirs.index[theirs["amount"].isna()])
    assert {"c", "d"} < hidden and len(hidden - {"c"}) >= 2  # two unknown to f7 share the one equation
    # the rules stay hidden for the reason the public's release gives
    assert theirs.at["c", "suppressed"] == theirs.at["d", "suppressed"] == "primary"


def _policy(id_: str, equipment_rate: str = "0.05") -> str:
    from importlib import resources

    text = resources.files("clusteratlas.analyses.incentives").joinpath(
        "rulesets", "changsha_2005.yaml").read_text(encoding="utf-8")
    text = text.replace("id: changsha_2005", f"id: {id_}")
    return text.replace("equipment_rate: {value: 0.05,", f"equipment_rate: {{value: {equipment_rate},")


def _cases() -> str:
    from importlib import resources

    return resources.files("clusteratlas.analyses.incentives").joinpath(
        "rulesets", "changsha_2005.cases.yaml").read_text(encoding="utf-8")


def test_a_ruleset_added_to_the_store_is_used_by_name_and_kept_with_its_hash(store):
    from clusteratlas.analyses.incentives import Ruleset

    text = _policy("jingzhou_2006")
    first = add_ruleset(store, text, _cases(), author="policy office")
    rs = load_ruleset("jingzhou_2006", store)
    assert rs.sha256 == Ruleset.parse(text).sha256 and rs.metadata["id"] == "jingzhou_2006"
    listed = rulesets(store)
    assert listed["name"].tolist() == ["changsha_2005", "rd_super_deduction", "jingzhou_2006"]
    assert listed.set_index("name").at["jingzhou_2006", "source"] == "store"
    # a new version is a new row; the newest of a name is the one used, the old one stays
    second = add_ruleset(store, _policy("jingzhou_2006", "0.06"))
    assert second == first + 1
    assert load_ruleset("jingzhou_2006", store).parameter_values("2006-12-31")["equipment_rate"] == 0.06
    assert store.sql("SELECT count(*) n FROM rulesets").iloc[0, 0] == 2


def test_a_ruleset_whose_cases_fail_is_refused_with_the_failures(store):
    from clusteratlas.analyses.incentives import RulesetRejected

    # the shipped cases expect 5 % of equipment investment; this policy pays 6 %
    with pytest.raises(RulesetRejected) as e:
        add_ruleset(store, _policy("jingzhou_2006", "0.06"), _cases())
    assert len(e.value.failures) and set(e.value.failures["check"]) == {"c12_equipment_subsidy"}
    assert store.sql("SELECT count(*) n FROM rulesets").iloc[0, 0] == 0


@pytest.mark.parametrize("text, why", [
    ("rules: [", "does not parse"),
    ("", "does not parse"),  # schemathesis found this one: YAML of nothing
    ("- a list", "does not parse"),
    ("rules: [{id: x}]", "metadata.id"),
    (None, "shipped ruleset"),
])
def test_broken_or_clashing_rulesets_are_refused(store, text, why):
    from clusteratlas.analyses.incentives import RulesetRejected

    with pytest.raises(RulesetRejected, match=why):
        add_ruleset(store, text if text is not None else _policy("changsha_2005"))


def test_a_ruleset_name_is_never_read_as_a_path(store, tmp_path):

    path = tmp_path / "mine.yaml"
    path.write_text(_policy("mine"), encoding="utf-8")
    with pytest.raises(ValueError, match="no ruleset"):
        load_ruleset(str(path), store)


def test_thresholds_compare_exactly_as_the_decimals_written():
    """"增幅达到10%以上（含10%）": 33,000,000 ≥ 1.1 × 30,000,000 must hold, and every comparison
    must agree with rational arithmetic on the decimals as written (checked on ties built on
    purpose and on random figures in fen)."""
    from fractions import Fraction

    e = Expression.parse("rd >= (1 + param.g) * prev")
    assert 1.1 * 30e6 > 33e6  # the trap: floating point alone refuses the award
    assert e.evaluate({"rd": np.array([33e6]), "prev": np.array([30e6])}, {"g": 0.10}, 1).tolist() == [True]
    rng = np.random.default_rng(1)
    prev = np.round(rng.uniform(1, 1e8, 2000), 2)
    growth = rng.choice([0.05, 0.1, 0.15, 0.2, 0.3, 0.07], 2000)
    def dec(x):
        return Fraction(repr(float(x)))

    exact_tie = [float(dec(p) * (1 + dec(g))) for p, g in zip(prev, growth)]
    rd = np.where(rng.random(2000) < 0.5, np.round(exact_tie, 2), np.round(rng.uniform(1, 1.3e8, 2000), 2))
    out = Expression.parse("rd >= (1 + g) * prev").evaluate({"rd": rd, "prev": prev, "g": growth}, {}, 2000)
    truth = [dec(r) >= (1 + dec(g)) * dec(p) for r, p, g in zip(rd, prev, growth)]
    assert out.tolist() == truth
    # sums and differences too: 0.1 + 0.2 is 0.3, and 0.3 − 0.1 is not below 0.2
    assert Expression.parse("a + b == 0.3 and c - a >= 0.2").evaluate(
        {"a": np.array([0.1]), "b": np.array([0.2]), "c": np.array([0.3])}, {}, 1).tolist() == [True]


def test_whole_steps_and_bracket_bounds_are_exact(changsha):
    """每新增1000万元奖励3万元: an increase of exactly CNY 90 million is nine steps, though floats
    make it 89,999,999.99999988."""
    e = pd.DataFrame([{"entity_id": "H", "entity": "firm", "three_industries": True, "host_firm": True,
                       "supporting_firm": False, "registered_in_changsha": True,
                       "local_purchases": 1077271941.83, "local_purchases_previous": 987271941.83}])
    lines = run(changsha, e, 2006).lines.set_index("rule_id")
    assert 1077271941.83 - 987271941.83 < 9e7
    assert lines.loc["c13_local_purchasing", "amount"] == 9 * 30000
    # a bracket's bound on a computed variable: 5亿 of supporting output reached as a sum
    from clusteratlas.analyses.incentives.engine import _at_least

    x = Expression.parse("a + b")
    var = {"a": np.array([0.1]), "b": np.array([0.2])}
    assert _at_least(x.evaluate(var, {}, 1), 0.3, x, var, {}).tolist() == [True]


def test_top_up_mode_pays_the_difference_to_another_documents_award(changsha):
    text = changsha.source_text.replace("duplicate_awards: higher", "duplicate_awards: top_up")
    rs = Ruleset.parse(text)
    e = pd.DataFrame([{"entity_id": "B", "entity": "firm", "new_famous_brand": True,
                       "other_award_c14_famous_brand": 300000}])
    line = run(rs, e, 2006).lines.set_index("rule_id").loc["c14_famous_brand"]
    assert line["status"] == "award" and line["amount"] == pytest.approx(200000)
    assert "top-up: CNY 300,000 was paid" in line["reason"]
    with pytest.raises(ValueError, match="duplicate_awards"):
        Ruleset.parse(text.replace("duplicate_awards: top_up", "duplicate_awards: both"))


def test_a_one_off_award_is_paid_once_over_recorded_runs(store, changsha):
    """Run 2006 and record it; run the same inputs for 2007 with the store's history: the brand
    award (一次性) is not paid again, the yearly purchasing award is."""
    from clusteratlas.study.records import award_history

    e = pd.DataFrame([{"entity_id": "F", "entity": "firm", "three_industries": True, "host_firm": True,
                       "supporting_firm": False, "registered_in_changsha": True, "new_famous_brand": True,
                       "local_purchases": 2e8, "local_purchases_previous": 1e8}])
    record_run(store, run(changsha, e, 2006), changsha)
    again = run(changsha, e, 2007, history=award_history(store, "changsha_2005")).lines.set_index("rule_id")
    assert again.loc["c14_famous_brand", "status"] == "paid before"
    assert "paid in 2006" in again.loc["c14_famous_brand", "reason"]
    assert again.loc["c13_local_purchasing", "status"] == "award"


def test_a_missing_yes_no_input_never_fires_a_rule(changsha):
    """当 new_famous_brand is blank for a firm, the brand award is not paid: NaN is truthy to numpy,
    but a missing figure is no recognition."""
    e = pd.DataFrame({"entity_id": ["A", "B"], "entity": "firm", "new_famous_brand": [True, np.nan]})
    lines = run(changsha, e, 2006).lines
    assert set(lines.loc[lines["rule_id"] == "c14_famous_brand", "entity_id"]) == {"A"}


def test_a_policy_not_yet_in_force_pays_nothing_and_says_so():
    """The R&D super-deduction's rates start in 2018: a run for 2005 evaluates no rule of it."""
    from clusteratlas.analyses.incentives.scan import scan

    rs = Ruleset.load("rd_super_deduction")
    e = pd.DataFrame([{"entity_id": "F", "entity": "firm", "name": "F", "assessed_on_accounts": True,
                       "division": "35", "manufacturing": True, "rd_expensed": 1e7}])
    res = run(rs, e, 2005)
    assert res.lines.empty and res.skipped["missing_inputs"].str.contains("not in force on 2005-12-31").all()
    o = scan(rs, e, 2005).outcomes
    assert (o["outcome"] == "not eligible").all() and o["reason"].str.contains("takes effect on 2018-01-01").all()


def test_a_guide_says_who_qualifies_what_to_submit_how_it_is_computed_with_an_example(changsha):
    """申兑指南, generated from the rule: the clause's words, the condition with its figures named
    in Chinese, the parameters' values, the payer, one-off and budget, an example from the cases."""
    from clusteratlas.analyses.incentives.guide import guide, guides

    g = dict(guide(changsha, "c13_local_purchasing", 2006, "zh", shipped_cases()).sections)
    assert "比上年每新增1000万元奖励3万元" in g["谁可以申请"]
    assert "「三大产业的主机企业」" in g["条件"] and "上年采购本地配套企业产品金额" in g["需要提供"]
    assert "每满 1000万元 奖励 3万元" in g["怎样计算"] and g["支付方"] == "市财政 100%"
    assert g["示例"].endswith("→ 6万元")  # the case of CNY 25 million more: two full steps
    fund = dict(guide(changsha, "c16_guarantee_subsidy", 2006, "zh", shipped_cases()).sections)
    assert fund["资金上限"].startswith("guarantee_fund: 1000万元/年")
    brand = dict(guide(changsha, "c14_famous_brand", 2006, "en", shipped_cases()).sections)
    assert brand["One-off"].startswith("yes") and "CNY 500,000" in brand["How the amount is computed"]
    # a parameter changed by a later text changes the guide of that year
    rd = Ruleset.load("rd_super_deduction")
    assert "75%" in dict(guide(rd, "rd_expensed_super_deduction", 2022, "zh").sections)["怎样计算"]
    assert "100%" in dict(guide(rd, "rd_expensed_super_deduction", 2023, "zh").sections)["怎样计算"]
    assert len(guides(changsha, 2006, "en")) == len(changsha.rules)
    with pytest.raises(KeyError, match="no rule"):
        guide(changsha, "c99", 2006)
