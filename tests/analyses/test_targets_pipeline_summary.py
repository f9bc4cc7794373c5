"""Targets, tiers, the pipeline and the economic summary: formulas by hand and the sample."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.overview import overview
from clusteratlas.analyses.pipeline import pipeline_summary, reached
from clusteratlas.analyses.summary import economic_summary
from clusteratlas.analyses.targets import OFF, ON, RISK, cagr, light, required_growth, target_progress
from clusteratlas.analyses.tiers import core_firm_share, firm_tiers


def test_growth_formulas():
    assert cagr(100, 121, 2) == pytest.approx(0.10)
    assert required_growth(25, 50, 4) == pytest.approx(2 ** 0.25 - 1)
    assert np.isnan(cagr(0, 5, 2)) and np.isnan(cagr(5, 6, 0))
    assert (light(100, 100), light(92, 100), light(80, 100)) == (ON, RISK, OFF)


def small_firms():
    firms = pd.DataFrame({"firm_id": ["a", "b", "c"], "region_id": "R", "park_id": ["P", "P", None],
                          "industry_code": ["3512", "3512", "2221"], "is_leading": [True, False, False]})
    fy = pd.DataFrame({"firm_id": ["a", "b", "c", "a", "b", "c"], "year": [2004] * 3 + [2005] * 3,
                       "month_to": 12, "above_scale": True,
                       "output": [80e6, 20e6, 50e6, 100e6, 21e6, 60e6]})
    return firms, fy


def test_target_progress_by_hand():
    firms, fy = small_firms()
    targets = pd.DataFrame([
        {"target_id": "T1", "scope": "industry", "scope_id": "35", "indicator": "output",
         "kind": "level", "year": 2007, "value": 150e6, "unit": "CNY"},
        {"target_id": "T2", "scope": "region", "scope_id": "R", "indicator": "firms_output_over_1e8",
         "kind": "count", "year": 2005, "value": 1, "unit": "count"},
    ])
    p = target_progress(targets, firms, fy, 2005).set_index("target_id")
    # industry 35: 100 → 121 (+21 %); two more years at 21 % → 121 × 1.21² = 177.2 ≥ 150
    assert p.loc["T1", "actual"] == 121e6
    assert p.loc["T1", "growth_so_far_pct"] == pytest.approx(21.0)
    assert p.loc["T1", "required_growth_pct"] == pytest.approx(((150 / 121) ** 0.5 - 1) * 100)
    assert p.loc["T1", "projection"] == pytest.approx(121e6 * 1.21**2)
    assert p.loc["T1", "status"] == ON
    assert p.loc["T2", "actual"] == 1 and p.loc["T2", "status"] == ON


def test_tiers_and_core_share():
    firms, fy = small_firms()
    t = firm_tiers(firms, fy, 2005, thresholds={"over_1e8": 1e8, "over_5e7": 5e7}).iloc[0]
    assert (t.over_1e8, t.over_5e7) == (1, 2)
    c = core_firm_share(firms, fy, 2005, k=1).set_index("division")
    assert c.loc["35", "core_share_pct"] == pytest.approx(100 / 121 * 100)


def test_pipeline_conversion_on_a_small_example():
    p = pd.DataFrame({
        "project_id": list("abcde"), "stage": ["negotiating", "signed", "started", "in_production", "dropped"],
        "industry_code": ["3512", "3512", "2221", "7010", "3512"], "park_id": ["P", "P", None, None, "P"],
        "source_region": ["上海"] * 5, "contracted_investment": [10, 20, 30, 40, 50.0],
        "funds_in_place": [0, 5, 15, 40, 0.0], "lead_date": [None] * 5,
        "signed_date": [None, "2006-01-10", "2006-02-01", "2005-06-01", "2006-03-01"],
        "start_date": [None, None, "2006-03-01", "2005-08-01", None],
        "production_date": [None, None, None, "2006-01-01", None]})
    r = reached(p)
    assert r.loc[4, "signed"] and not r.loc[4, "started"]  # a dropped project keeps what it reached
    s = pipeline_summary(p).funnel.set_index("stage")
    assert s.loc["signed", "projects"] == 4 and s.loc["started", "projects"] == 2
    assert s.loc["started", "conversion_pct"] == pytest.approx(50.0)
    assert s.loc["in_production", "conversion_pct"] == pytest.approx(50.0)
    assert s.loc["dropped", "projects"] == 1


@pytest.fixture(scope="module")
def sample(sample_store):
    return sample_store


def test_the_sample_pipeline_reproduces_the_texts_sentence(sample):
    s = pipeline_summary(sample.table("projects"), "2006-01-01", "2006-06-30")
    assert s.text_zh == ("引进项目75个，招商引资到位资金7.6亿元，其中工业项目48个，到位资金3.6亿元；"
                         "入园项目46个，其中新开工项目37个。")


def test_the_economic_summary_equals_its_own_tables(sample):
    ov = overview(sample.table("firms"), sample.table("firm_years"), sample.table("parks"),
                  "421003", 2006, 6)
    es = economic_summary(ov, "荆州区", ["35", "22", "17", "13", "30"])
    t = ov.totals.set_index("indicator")
    assert es.figures["output"] == t.at["output", "value"]
    assert f"规模以上工业总产值{t.at['output', 'value'] / 1e8:.1f}亿元" in es.text_zh
    assert "同比增31.0%" in es.text_zh and "工业增加值7.5亿元，同比增35.6%" in es.text_zh
    assert "园区完成工业产值17.5亿元" in es.text_zh and "75%和94%" in es.text_zh
    ind = ov.by_industry.set_index("division")
    assert es.figures["key_output"] == pytest.approx(ind.loc[["35", "22", "17", "13", "30"], "output"].sum())
    assert "+31.0% year on year" in es.text_en


def test_the_summary_never_states_a_sum_that_holds_a_withheld_part(sample):
    import dataclasses

    import numpy as np

    from clusteratlas.analyses.overview import OUTSIDE_PARKS

    ov = overview(sample.table("firms"), sample.table("firm_years"), sample.table("parks"),
                  "421003", 2006, 6)
    keys = ["35", "22", "17", "13", "30"]
    ind = ov.by_industry.copy()
    ind.loc[ind["division"] == "30", "output"] = np.nan  # one key industry withheld
    es = economic_summary(dataclasses.replace(ov, by_industry=ind), "荆州区", keys)
    assert "key_output" not in es.figures and "重点产业" not in es.text_zh
    assert "园区完成工业产值17.5亿元，占全区规模以上工业总产值的75%" in es.text_zh
    # the part outside the parks withheld: the output in parks (the total minus it) goes too
    park = ov.by_park.copy()
    park.loc[park["park_id"] == OUTSIDE_PARKS, "output"] = np.nan
    totals = ov.totals.copy()
    totals.loc[totals["indicator"].isin(["output_in_parks", "park_share_of_output_pct"]), "value"] = np.nan
    es = economic_summary(dataclasses.replace(ov, by_park=park, totals=totals), "荆州区", keys)
    assert "园区" not in es.text_zh and "94%" in es.text_zh and "parks" not in es.text_en


def test_sample_targets_have_a_status(sample):
    p = target_progress(sample.table("targets"), sample.table("firms"), sample.table("firm_years"), 2006, 6)
    assert len(p) == 16 and p.status.isin([ON, RISK, OFF]).all()


def test_growth_gap_targets_compare_with_the_reference_region():
    firms = pd.DataFrame({"firm_id": ["a", "b"], "region_id": "R", "park_id": ["P", None],
                          "industry_code": "3512"})
    fy = pd.DataFrame({"firm_id": ["a", "b", "a", "b"], "year": [2005, 2005, 2006, 2006],
                       "month_to": 6, "above_scale": True, "output": [100.0, 100.0, 120.0, 105.0]})
    t = pd.DataFrame([{"target_id": "G", "scope": "park", "scope_id": "P", "indicator": "output",
                       "kind": "growth_gap_pct", "year": 2006, "value": 3.0, "unit": "%",
                       "reference_id": "R"}])
    r = target_progress(t, firms, fy, 2006, 6).iloc[0]
    # the park grew 20 %, the region 12.5 %: 7.5 points above, target 3 points → on track
    assert r.actual == pytest.approx(7.5) and r.status == ON


def test_commitments_are_checked_once_in_production(sample):
    from clusteratlas.analyses.pipeline import commitment_check

    c = commitment_check(sample.table("projects"), sample.table("firm_years"), 2005).iloc[0]
    assert c["name"] == "华升商混搅拌中心"
    assert c.committed_tax_per_mu == pytest.approx(5e4)  # 5 万元 per mu
    firm = sample.table("firm_years").query("firm_id == @c.firm_id and year == 2005 and month_to == 12").iloc[0]
    assert c.actual_tax_per_mu == pytest.approx(firm.tax_paid / firm.land_mu)
    assert c.tax_status == ("met" if c.actual_tax_per_mu >= 5e4 else "short")
