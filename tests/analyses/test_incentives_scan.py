"""The eligibility scan (免申即享): every rule against every entity a store holds, with no
hand-made input file — eligible with the amount and why, not eligible with the failing
conditions, or undecidable naming the missing input and where to record it."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from clusteratlas.analyses.incentives import Ruleset
from clusteratlas.analyses.incentives.scan import ELIGIBLE, NOT_ELIGIBLE, UNDECIDABLE, store_scan
from clusteratlas.io import Store
from clusteratlas.io.importer import import_files
from clusteratlas.study.context import open_study
from tests.io.county import COUNTY, credit_code
from tests.test_cli import EXE


@pytest.fixture(scope="module")
def changsha():
    return Ruleset.load("changsha_2005")


def _county_files(folder):
    """A county's firm list and two years of its yearly sheet, as a bureau keeps them (names,
    credit codes, 万元, a 统计期 column): four firms, two of them leading."""
    firms = [("甲机械有限公司", credit_code(COUNTY, 1), "3670", "是"),
             ("乙汽配有限公司", credit_code(COUNTY, 2), "3670", "是"),
             ("丙铸造有限公司", credit_code(COUNTY, 3), "3391", "否"),
             ("丁纺织有限公司", credit_code(COUNTY, 4), "1713", "否")]
    pd.DataFrame(firms, columns=["企业名称", "统一社会信用代码", "行业代码", "是否龙头企业"]).to_csv(
        folder / "企业名录.csv", index=False)
    # 万元: 甲 buys 2,500 more locally (two full steps of 1,000万), 乙 900 more (none);
    # R&D: 甲 +10 % exactly (3,300 against 3,000), 乙 +5 %, 丙 has no 2023 figure
    rows = [(firms[0][1], "2022年", "是", 50000, 3000, 10000), (firms[0][1], "2023年", "是", 56000, 3300, 12500),
            (firms[1][1], "2022年", "是", 30000, 2000, 8000), (firms[1][1], "2023年", "是", 31000, 2100, 8900),
            (firms[2][1], "2022年", "是", 8000, 100, 500), (firms[2][1], "2023年", "是", 8200, None, 600),
            (firms[3][1], "2022年", "是", 6000, 50, 300), (firms[3][1], "2023年", "是", 6100, 60, 320)]
    pd.DataFrame(rows, columns=["统一社会信用代码", "统计期", "是否规上", "工业总产值(万元)", "研发经费支出(万元)",
                                "本地采购额(万元)"]).to_csv(folder / "主要指标.csv", index=False)
    return [folder / "企业名录.csv", folder / "主要指标.csv"], firms


@pytest.fixture(scope="module")
def county_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan_county")
    files, firms = _county_files(folder)
    db = folder / "county.duckdb"
    with Store(db) as s:
        import_files(s, files)
    return db, {name: code for name, code, _, _ in firms}


def _scan(db, ruleset, year, key_industries=(), extra=None):
    with Store(db, read_only=True) as s:
        study = open_study(s)
        return store_scan(ruleset, study.tables, study.region, year, key_industries, extra)


def _outcome(scan, rule, entity):
    o = scan.outcomes
    return o[(o["rule_id"] == rule) & (o["entity_id"] == entity)].iloc[0]


def test_a_county_store_of_firm_data_alone_is_scanned(county_store, changsha):
    db, code = county_store
    # the office names its key industries (the policy's "three clusters"): auto parts, 36
    scan = _scan(db, changsha, 2023, ("36",))
    # every firm × every firm rule, once
    firm_rules = [r.id for r in changsha.rules if r.entity == "firm"]
    assert len(scan.outcomes) == 4 * len(firm_rules)
    assert not scan.outcomes.duplicated(["entity_id", "rule_id"]).any()
    # 第13条: a host firm of the key industries buying CNY 25 million more locally: two steps
    buy = _outcome(scan, "c13_local_purchasing", code["甲机械有限公司"])
    assert buy["outcome"] == ELIGIBLE and buy["status"] == "award" and buy["amount"] == 60000
    assert "local_purchases=125,000,000" in buy["reason"]
    short = _outcome(scan, "c13_local_purchasing", code["乙汽配有限公司"])
    assert short["outcome"] == ELIGIBLE and short["status"] == "zero amount"  # 900万: no full step
    other = _outcome(scan, "c13_local_purchasing", code["丁纺织有限公司"])
    assert other["outcome"] == NOT_ELIGIBLE and "three_industries" in other["reason"]
    # 第17条: +10 % exactly qualifies; the credit's cap needs the tax payable, which a
    # statistics store does not hold: eligible, the amount undecidable, saying what is needed
    rd = _outcome(scan, "c17_rd_deduction", code["甲机械有限公司"])
    assert rd["outcome"] == ELIGIBLE and pd.isna(rd["amount"]) and rd["missing_inputs"] == "income_tax_due"
    assert "inputs file, column income_tax_due" in rd["where"]
    low = _outcome(scan, "c17_rd_deduction", code["乙汽配有限公司"])
    assert low["outcome"] == NOT_ELIGIBLE and "rd_spend >= (1 + param.rd_growth_min) * rd_spend_previous" in low["reason"]
    # a firm of the key industries whose 2023 R&D is blank cannot be judged on it
    # (丙 is division 33, outside the key industries: not eligible whatever its R&D)
    blank = _outcome(scan, "c17_rd_deduction", code["丙铸造有限公司"])
    assert blank["outcome"] == NOT_ELIGIBLE and "three_industries" in blank["reason"]
    # a rule whose condition reads what no statistics store holds is undecidable, naming it
    brand = _outcome(scan, "c14_famous_brand", code["甲机械有限公司"])
    assert brand["outcome"] == UNDECIDABLE and brand["missing_inputs"] == "new_famous_brand"
    assert "newly recognised" in brand["where"]


def test_a_blank_figure_leaves_an_entity_undecidable_only_where_nothing_else_fails(county_store, changsha):
    db, code = county_store
    scan = _scan(db, changsha, 2023, ("33", "36"))
    blank = _outcome(scan, "c17_rd_deduction", code["丙铸造有限公司"])
    assert blank["outcome"] == UNDECIDABLE and blank["missing_inputs"] == "rd_spend"
    assert "record rd_spend" in blank["where"]


def test_without_key_industries_or_a_previous_year_the_scan_says_what_the_store_lacks(county_store, changsha):
    db, code = county_store
    scan = _scan(db, changsha, 2022)  # no 2021, no targets
    buy = _outcome(scan, "c13_local_purchasing", code["甲机械有限公司"])
    assert buy["outcome"] == UNDECIDABLE
    assert set(buy["missing_inputs"].split(", ")) == {"three_industries", "local_purchases_previous"}
    assert "the store has no in_key_industry" in buy["where"]
    assert "the store has no local_purchases_previous" in buy["where"]
    assert (scan.outcomes["outcome"] != ELIGIBLE).all()  # nothing is guessed


def test_inputs_the_office_records_beside_the_store_complete_the_scan(county_store, changsha):
    db, code = county_store
    extra = pd.DataFrame({"entity_id": [code["甲机械有限公司"], "G1"], "entity": ["firm", "guarantor"],
                          "new_famous_brand": [True, None], "income_tax_due": [9e6, None],
                          "sme_guarantee_amount": [None, 3e8], "years_since_registration": [None, 5],
                          "business_tax_due": [None, 0]})
    scan = _scan(db, changsha, 2023, ("36",), extra)
    brand = _outcome(scan, "c14_famous_brand", code["甲机械有限公司"])
    assert brand["outcome"] == ELIGIBLE and brand["amount"] == 500000
    rd = _outcome(scan, "c17_rd_deduction", code["甲机械有限公司"])
    assert rd["amount"] == 9e6  # 50 % of CNY 33 million, at most the tax payable
    g = _outcome(scan, "c16_guarantee_subsidy", "G1")
    assert g["outcome"] == NOT_ELIGIBLE  # 2023 is past the fund's five years (2005–2009)
    # what was read from where is listed
    src = scan.sources.set_index(["kind", "input"])["source"]
    assert src[("firm", "new_famous_brand")] == "inputs file" and src[("firm", "host_firm")] == "store: is_leading"


def test_the_scan_command_on_the_sample_store(tmp_path):
    subprocess.run([EXE, "demo", "--out", str(tmp_path)], check=True, capture_output=True)
    from clusteratlas.sample import INCENTIVE_INPUTS, data_dir

    out = tmp_path / "scan.csv"
    r = subprocess.run([EXE, "incentives", "scan", "--db", str(tmp_path / "sample.duckdb"), "--year", "2006",
                        "--inputs", str(data_dir() / INCENTIVE_INPUTS), "--out", str(out)],
                       capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    o = pd.read_csv(out)
    assert {ELIGIBLE, NOT_ELIGIBLE, UNDECIDABLE} <= set(o["outcome"])
    assert "c13_local_purchasing" in r.stdout
    # the sample's guarantor asks CNY 1.8 million of the CNY 10 million fund: paid in full
    g = o[(o["rule_id"] == "c16_guarantee_subsidy")].iloc[0]
    assert g["outcome"] == ELIGIBLE and g["amount"] == 1.8e6


def test_a_second_policy_scans_the_same_store(county_store):
    """The national R&D super-deduction (2023年第7号) reads the same facts through its own
    store_inputs: 甲 (division 36, manufacturing) spent CNY 33 million on R&D in 2023."""
    db, code = county_store
    scan = _scan(db, Ruleset.load("rd_super_deduction"), 2023)
    jia = _outcome(scan, "rd_expensed_super_deduction", code["甲机械有限公司"])
    assert jia["outcome"] == ELIGIBLE and jia["amount"] == 33e6
    blank = _outcome(scan, "rd_expensed_super_deduction", code["丙铸造有限公司"])
    assert blank["outcome"] == UNDECIDABLE and blank["missing_inputs"] == "rd_expensed"
    amortised = _outcome(scan, "rd_intangible_super_amortisation", code["甲机械有限公司"])
    assert amortised["outcome"] == UNDECIDABLE and "inputs file" in amortised["where"]
