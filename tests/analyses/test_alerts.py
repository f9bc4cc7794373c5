"""Early-warning rules on constructed facts: for every rule of the shipped ruleset, rows where it
must fire and rows where it must not — the exact set of warnings raised, their scope and their
message; and a ruleset that reaches beyond its language is refused when read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.alerts import AlertRuleset, evaluate
from clusteratlas.analyses.alerts import facts as F

R = "421003"


def _firms():
    return pd.DataFrame([("A", "龙头甲", R, "P1", True), ("B", "企业乙", R, "P1", False), ("C", "企业丙", R, "P2", False),
                         ("X", "外地丁", "420100", None, True)],
                        columns=["firm_id", "name", "region_id", "park_id", "is_leading"])


def _facts():
    firms = _firms()
    fy = pd.DataFrame([  # firm, year, output, tax, electricity (CNY, kWh)
        ("A", 2005, 100e6, 10e6, 50e6), ("A", 2006, 70e6, 9e6, 30e6),      # output −30 %, electricity −40 %
        ("B", 2005, 100e6, 10e6, np.nan), ("B", 2006, 90e6, 7e6, np.nan),  # tax −30 %; no electricity
        ("C", 2005, 0.0, 0.0, 1e6), ("C", 2006, 50e6, 1e6, 0.9e6),         # from nothing; −10 %
        ("X", 2005, 100e6, 10e6, 1e6), ("X", 2006, 10e6, 1e6, 1e5),        # another region's firm
    ], columns=["firm_id", "year", "output", "tax_paid", "electricity_kwh"]).assign(month_to=12)
    grades_2006 = pd.DataFrame({"firm_id": ["A", "B", "C"], "grade": ["D", "D", "C"]})
    grades_2005 = pd.DataFrame({"firm_id": ["A", "B", "C"], "grade": ["D", "C", "D"]})
    links = pd.DataFrame([  # buyer, supplier id, name, region, year, amount (CNY), product
        ("A", None, "宝鸡钢管", "610300", 2006, 2e6, "管材"),      # one outside supplier, 200 万元
        ("A", None, "上海液压", "310000", 2006, 0.5e6, "液压件"),  # the same, but 50 万元
        ("A", "C", "企业丙", R, 2006, 3e6, "零件"),              # one supplier, local
        ("A", None, "武汉铸锻", "420100", 2006, 2e6, "铸件"),      # two suppliers, both outside
        ("A", None, "襄阳铸锻", "420600", 2006, 2e6, "铸件"),
        ("B", None, "宝鸡钢管", "610300", 2006, 5e6, "管材"),      # not a leading firm
        ("A", None, "宝鸡钢管", "610300", 2005, 9e6, "钢材"),      # an earlier year
    ], columns=["buyer_id", "supplier_id", "supplier_name", "supplier_region_id", "year", "amount", "product"])
    projects = pd.DataFrame([  # id, name, stage, park, signed, started, contracted, funds (CNY)
        ("J1", "签约未开工项目", "signed", "P1", "2006-01-01", None, 100e6, 10e6),    # 364 days: late
        ("J2", "新签约项目", "signed", "P2", "2006-10-01", None, 100e6, 10e6),        # 91 days
        ("J3", "资金不足项目", "started", "P1", "2005-06-01", "2005-09-01", 100e6, 20e6),  # 20 % after 578 days
        ("J4", "资金到位项目", "started", "P2", "2005-06-01", "2005-09-01", 100e6, 80e6),
        ("J5", "已终止项目", "dropped", "P1", "2005-01-01", None, 100e6, 0.0),
        ("J6", "外区项目", "signed", None, "2004-01-01", None, 100e6, 0.0),
    ], columns=["project_id", "name", "stage", "park_id", "signed_date", "start_date", "contracted_investment",
                "funds_in_place"]).assign(region_id=[R] * 5 + ["420100"])
    progress = pd.DataFrame([
        ("T1", "region", R, "output", 2010, 200.0, 150.0, "off track", "荆州区"),
        ("T2", "park", "P1", "output", 2010, 50.0, 47.0, "at risk", "园区一"),
        ("T3", "industry", "35", "output", 2010, 50.0, 60.0, "on track", "专用设备"),
        ("T4", "firm", "A", "output", 2010, 20.0, np.nan, "no data", "龙头甲"),
        ("T5", "park", "P2", "output", 2010, 30.0, 10.0, "off track", "园区二"),
    ], columns=["target_id", "scope", "scope_id", "indicator", "target_year", "target", "projection", "status",
                "scope_name"])
    rates = pd.DataFrame([("A", 2005, 40.0), ("A", 2006, 30.0), ("B", 2005, 30.0), ("B", 2006, 28.0)],
                         columns=["firm_id", "year", "rate_pct"])
    return {"firm_period": F.firm_periods(firms, fy, R, 2006, 12),
            "firm_grade": F.firm_grades(grades_2006, grades_2005, firms, 2006),
            "supply": F.single_sources(links, firms, R),
            "project": F.project_states(projects, R, dt.date(2006, 12, 31)),
            "target": F.target_states(progress),
            "leader_rate": F.leader_rates(rates, firms)}


@pytest.fixture(scope="module")
def raised():
    return evaluate(AlertRuleset.load(), _facts(), R)


@pytest.mark.parametrize("rule, fires_on", [
    ("output_drop", {"A"}),                 # −30 %; B −10 %, C from nothing, X elsewhere
    ("tax_drop", {"B"}),                    # −30 %; A −10 %
    ("electricity_drop", {"A"}),            # −40 %; B has none, C −10 %
    ("grade_d_twice", {"A"}),               # D then D; B C→D, C D→C
    ("single_source_outside", {"A:管材"}),   # 200 万元 from one outside supplier; 液压件 50 万元, 零件 local, 铸件 two
    ("project_not_started", {"J1"}),        # 364 days; J2 91 days, J5 dropped, J6 elsewhere
    ("project_funds_short", {"J3"}),        # 20 % after a year; J4 80 %; J1 not a year yet
    ("target_off_track", {"T1", "T5"}),     # T2 at risk, T3 on track, T4 no data
    ("leader_rate_falling", {"A"}),         # −10 points; B −2
])
def test_each_rule_fires_where_it_must_and_nowhere_else(raised, rule, fires_on):
    hit = raised[raised["rule_id"] == rule]
    things = {":".join(k.split(":")[1:3 if rule == "single_source_outside" else 2]) for k in hit["alert_key"]}
    assert things == fires_on


def test_each_warning_has_its_scope_and_its_message(raised):
    a = raised.set_index("rule_id")
    drop = a.loc["output_drop"]
    assert (drop["scope"], drop["firm_id"], drop["park_id"]) == ("firm", "A", "P1")
    assert drop["message_zh"] == "龙头甲（2006年）工业总产值 7,000.0 万元，同比 -30.0%（上年同期 10,000.0 万元）"
    late = a.loc["project_not_started"]
    assert (late["scope"], late["park_id"]) == ("park", "P1") and pd.isna(late["firm_id"])
    assert late["message_zh"] == "签约未开工项目于 2006-01-01 签约，至 2006-12-31 已 364 天仍未开工"
    targets = raised[raised["rule_id"] == "target_off_track"].set_index("alert_key")
    assert targets.loc["target_off_track:T1", "scope"] == "region"
    assert (targets.loc["target_off_track:T5", "scope"], targets.loc["target_off_track:T5", "park_id"]) == ("park", "P2")
    supply = a.loc["single_source_outside"]
    assert "只从区外的宝鸡钢管采购" in supply["message_zh"] and "200.0 万元" in supply["message_zh"]
    assert raised["alert_key"].is_unique


def test_a_parameter_moves_the_threshold(raised):
    looser = evaluate(AlertRuleset.load(), _facts(), R, {"drop_pct": 10})
    drops = looser[looser["rule_id"] == "output_drop"]["alert_key"]
    assert {k.split(":")[1] for k in drops} == {"A", "B"}  # B's −10 % now counts


def test_facts_that_cannot_be_built_raise_nothing():
    empty = {k: v.iloc[0:0] for k, v in _facts().items()}
    assert evaluate(AlertRuleset.load(), empty, R).empty
    firms = _firms()
    one_year = pd.DataFrame({"firm_id": ["A"], "year": [2006], "month_to": [12], "output": [1.0], "tax_paid": [1.0],
                             "electricity_kwh": [1.0]})
    assert F.firm_periods(firms, one_year, R, 2006, 12).empty  # no year to compare with


RULE = """
metadata: {id: mine}
parameters: {k: {value: 1, description: x}}
rules:
  - id: r
    subject: SUBJECT
    severity: SEVERITY
    when: "WHEN"
    title_zh: 标题
    title_en: title
    message_zh: "MESSAGE"
    message_en: "m"
"""


@pytest.mark.parametrize("change, says", [
    (dict(SUBJECT="firms"), "subject must be one of"),
    (dict(SEVERITY="urgent"), "severity must be one of"),
    (dict(WHEN="output > param.nope"), "names parameters it has not: nope"),
    (dict(WHEN="__import__('os').system('x')"), "when:"),
    (dict(WHEN="output.real > 1"), "when:"),
    (dict(MESSAGE="{name.__class__}"), "a field is a column name"),
    (dict(MESSAGE="{name!r}"), "a field is a column name"),
    (dict(MESSAGE="{output:>{width}}"), "a number format"),
])
def test_a_ruleset_that_reaches_beyond_its_language_is_refused(change, says):
    text = RULE
    for k, v in {"SUBJECT": "firm_period", "SEVERITY": "high", "WHEN": "output > param.k", "MESSAGE": "{name}",
                 **change}.items():
        text = text.replace(k, v)
    with pytest.raises(ValueError, match=says):
        AlertRuleset.parse(text)
