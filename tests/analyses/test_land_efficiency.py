"""Per-mu efficiency grading, worked by hand on ten firms."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.land_efficiency import (
    Method,
    grade_by_quota,
    grade_by_thresholds,
    land_efficiency,
)

TWO_ITEMS = Method(
    name="hand", title_zh="手算", source="test", verified=True, firms="all",
    indicators=[
        {"key": "tax_per_mu", "numerator": "tax_paid", "denominator": "land_mu", "weight": 60},
        {"key": "va_per_emission", "numerator": "value_added", "denominator": "emission_t",
         "weight": 40, "missing": "average"},
    ],
    base="region_average", cap=1.5, missing="zero", negative="zero",
    grades={"method": "quota", "quota": {"A": 0.2, "B": 0.5, "D": 0.1}},
    consequences={"columns": ["relief_pct"], "A": [100], "B": [80], "C": [0], "D": [0]})


def ten_firms():
    firms = pd.DataFrame({"firm_id": [f"f{i}" for i in range(10)], "name": [f"厂{i}" for i in range(10)],
                          "park_id": ["P1"] * 5 + ["P2"] * 5, "industry_code": "3512",
                          "region_id": "R"})
    fy = pd.DataFrame({
        "firm_id": firms.firm_id, "year": 2005, "month_to": 12, "above_scale": True,
        "land_mu": [10.0] * 10,
        # tax per mu 10, 20, …; firm 9 far above the average (its item hits the cap)
        "tax_paid": [100, 200, 300, 400, 500, 600, 700, 800, 800, 5000],
        # value added per t of emission; f3 has no emission data, f4 a negative value added
        "value_added": [100, 100, 100, 100, -50, 100, 100, 100, 100, 100],
        "emission_t": [1.0, 1.0, 1.0, np.nan, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    })
    return firms, fy


def test_scores_by_hand():
    firms, fy = ten_firms()
    r = land_efficiency(firms, fy, 2005, method=TWO_ITEMS).firms.set_index("firm_id")
    base_tax = 9400 / 100  # Σ tax / Σ land = 94 CNY per mu
    assert r.loc["f0", "tax_per_mu"] == pytest.approx(10)  # the ratio, CNY per mu
    assert r.loc["f0", "tax_per_mu_score"] == pytest.approx(10 / base_tax * 60)  # its points
    assert r.loc["f9", "tax_per_mu_score"] == pytest.approx(1.5 * 60)  # 500/94 × 60 capped at 90
    # value added per t: base = Σ VA / Σ emission over firms that have both = (850 − 100 … )
    have = fy.emission_t.notna()
    base_em = fy.value_added[have].sum() / fy.emission_t[have].sum()
    assert r.loc["f0", "va_per_emission_score"] == pytest.approx(min(100 / base_em * 40, 60))
    assert r.loc["f4", "va_per_emission_score"] == 0  # a negative value scores 0
    others = r.drop(index="f3")["va_per_emission_score"]
    # the method says how to fill this item (missing: average): marked, and graded by that rule
    assert r.loc["f3", "va_per_emission_score"] == pytest.approx(others.mean())
    assert r.loc["f3", "va_per_emission_missing"] and r.loc["f3", "complete"]
    assert r.loc["f0", "score"] == pytest.approx(r.loc["f0", "tax_per_mu_score"]
                                                 + r.loc["f0", "va_per_emission_score"])


def test_a_firm_missing_an_item_the_method_does_not_fill_is_incomplete_and_outside_the_quota():
    firms, fy = ten_firms()
    fy.loc[fy.firm_id.isin(["f0", "f1"]), "tax_paid"] = np.nan  # the tax item fills nothing
    r = land_efficiency(firms, fy, 2005, method=TWO_ITEMS)
    f = r.firms.set_index("firm_id")
    assert not f.loc["f0", "complete"] and f.loc["f0", "missing_items"] == "tax_per_mu"
    assert pd.isna(f.loc["f0", "score"]) and pd.isna(f.loc["f0", "grade"]) and pd.isna(f.loc["f0", "rank"])
    graded = f[f.complete]
    assert len(graded) == 8 and (graded.computed_grade == "A").sum() == 1  # ⌊0.2 × 8⌋, not of 10
    assert list(graded.sort_values("score", ascending=False)["rank"]) == list(range(1, 9))
    assert r.parks.set_index("park_id").loc["P1", "incomplete"] == 2
    # with value added missing for every firm, no firm of a value-added method is graded
    fy["value_added"] = np.nan
    fy["emission_t"] = 1.0
    only_va = land_efficiency(firms, fy, 2005, method=TWO_ITEMS)
    assert not only_va.firms["complete"].any() and only_va.firms["grade"].isna().all()
    assert only_va.parks["value_added_per_mu"].isna().all()  # no figure, never 0


def test_quota_grades_and_a_tie_at_the_boundary():
    firms, fy = ten_firms()
    r = land_efficiency(firms, fy, 2005, method=TWO_ITEMS).firms.set_index("firm_id")
    # A at most 2 of 10: f9 is first; f7 and f8 tie on score and on tax per mu, and straddle the
    # A cap (positions 2 and 3), so both take B
    assert r.loc["f7", "score"] == pytest.approx(r.loc["f8", "score"])
    assert r.loc["f9", "computed_grade"] == "A"
    assert r.loc["f7", "computed_grade"] == r.loc["f8", "computed_grade"] == "B"
    assert (r.computed_grade == "A").sum() <= 2 and (r.computed_grade == "D").sum() >= 1
    assert r.loc[r.score.idxmin(), "computed_grade"] == "D"
    assert r.loc["f9", "relief_pct"] == 100


def test_quota_tie_rules_directly():
    s = pd.Series([90, 80, 80, 70, 60, 50, 40, 30, 20, 20], index=list("abcdefghij"), dtype=float)
    g = grade_by_quota(s, {"A": 0.2, "B": 0.3, "D": 0.1})
    # A ≤ 2: b and c tie across the cap → B; A+B ≤ 5; the D floor of 1 reaches a tie → both D
    assert list(g) == ["A", "B", "B", "B", "B", "C", "C", "C", "D", "D"]
    assert list(grade_by_thresholds(pd.Series([130.0, 95, 61, 10]), {"A": 120, "B": 90, "C": 60})) == \
        ["A", "B", "C", "D"]


def test_overrides_are_audited_and_never_replace_the_computed_grade(tmp_path):
    from clusteratlas.io import Store
    from clusteratlas.study.records import record_override

    firms, fy = ten_firms()
    before = land_efficiency(firms, fy, 2005, method=TWO_ITEMS).firms.set_index("firm_id")
    worst = before.index[before.computed_grade == "D"][0]
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(ValueError, match="reason and an author"):
            record_override(store, "hand", worst, 2005, 12, "A", " ", "王科长")
        record_override(store, "hand", worst, 2005, 12, "B", "新建产能尚未释放", "王科长")
        overrides = store.table("grade_overrides")
    assert overrides.iloc[0]["author"] == "王科长" and pd.notna(overrides.iloc[0]["created_at"])
    r = land_efficiency(firms, fy, 2005, method=TWO_ITEMS, overrides=overrides).firms.set_index("firm_id")
    assert r.loc[worst, "computed_grade"] == "D" and r.loc[worst, "grade"] == "B"
    assert "新建产能尚未释放" in r.loc[worst, "override_reason"]


def test_park_ranking_and_shipped_methods():
    firms, fy = ten_firms()
    res = land_efficiency(firms, fy, 2005, method=TWO_ITEMS)
    assert list(res.parks.park_id) == ["P2", "P1"] and res.parks.firms.sum() == 10
    for name in ("zhejiang_above_scale", "zhejiang_below_scale", "shandong"):
        m = Method.load(name)
        assert m.source and sum(i["weight"] for i in m.indicators) == 100
    with pytest.raises(ValueError, match="shipped"):
        Method.load("guesswork")
