"""Ellison–Glaeser, Maurel–Sédillot, co-agglomeration and the dartboard: the published worked
examples, pysal/inequality's doctest, REAT 3.0.3's outputs, and properties of the null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import coagglomeration, ellison_glaeser, maurel_sedillot
from tests.shared import shared_file

RTOL = 1e-9


def farhauer_kroell():
    """Farhauer & Kröll (2014): ten firms in Wien ×5, Linz ×4, Graz ×1."""
    firms = pd.DataFrame({
        "industry": "x", "region": ["Wien"] * 5 + ["Linz"] * 4 + ["Graz"],
        "value": [200, 650, 12000, 100, 50, 16000, 13000, 1500, 1500, 25000]})
    regions = pd.DataFrame({"region": ["Wien", "Linz", "Graz"], "value": [500_000, 400_000, 100_000]})
    return firms, regions


def pysal_doctest_workers():
    """pysal/inequality's doctest: np.random.seed(0); z = randint(10, 50, (3, 4)) regions ×
    industries, aggregate shares from the same matrix, one worker per plant (H_k = 1/P_k)."""
    np.random.seed(0)
    z = np.random.randint(10, 50, size=(3, 4))
    rows = [(f"r{r}", f"k{k}") for r in range(3) for k in range(4) for _ in range(z[r, k])]
    return pd.DataFrame(rows, columns=["region", "industry"]).assign(value=1.0)


def test_the_farhauer_kroell_textbook_example():
    firms, regions = farhauer_kroell()
    r = ellison_glaeser(firms, reference=regions).iloc[0]
    assert r.gamma == pytest.approx(0.05990628, abs=5e-9)
    assert r.G == pytest.approx(0.1681633, abs=5e-8)
    assert r.H == pytest.approx(0.2446888, abs=5e-8)
    assert r.n_firms == 10


def test_pysal_inequality_doctest_values():
    w = pysal_doctest_workers()
    np.testing.assert_allclose(ellison_glaeser(w).gamma, [0.054499, 0.016242, 0.010141, 0.028803],
                               atol=5e-7)
    np.testing.assert_allclose(maurel_sedillot(w).gamma, [0.078583, 0.035977, 0.039374, -0.009049],
                               atol=5e-7)


@pytest.fixture(scope="module")
def fk_egc():
    return pd.read_csv(shared_file("reference/R/B_input_FK2014_EGC.csv"), index_col=0)


def test_matches_reat_ellison_a2_with_regional_totals_from_the_firms(fk_egc):
    ref = pd.read_csv(shared_file("reference/R/B_REAT_ellison_a2_by_industry.csv"), index_col=0)
    eg = ellison_glaeser(fk_egc, value="emp_firm").set_index("industry").loc[ref.index]
    np.testing.assert_allclose(eg.gamma, ref["Gamma i"], rtol=RTOL)
    np.testing.assert_allclose(eg.G, ref["G i"], rtol=RTOL)
    np.testing.assert_allclose(eg.z, ref["z Gi"], rtol=RTOL)
    np.testing.assert_allclose(eg.H, ref["HHI i"], rtol=1e-6)  # REAT's HHI column is stored rounded
    assert (eg.n_firms == ref["K i"]).all()


def test_matches_reat_ellison_a_with_external_regional_employment(fk_egc):
    ref = pd.read_csv(shared_file("reference/R/B_REAT_ellison_a_external_region_emp.csv"), index_col=0)
    regions = fk_egc[["region", "emp_region"]].drop_duplicates().rename(columns={"emp_region": "emp_firm"})
    eg = ellison_glaeser(fk_egc, value="emp_firm", reference=regions).set_index("industry").loc[ref.index]
    np.testing.assert_allclose(eg.gamma, ref["Gamma i"], rtol=RTOL)
    np.testing.assert_allclose(eg.G, ref["G i"], rtol=1e-6)
    np.testing.assert_allclose(eg.z, ref["z Gi"], rtol=RTOL)


def test_the_two_industry_group_index_equals_the_pairwise_index():
    # EG (1997)'s group γ^c for two industries reduces algebraically to EGK (2010)'s pairwise
    # form, whatever the plant Herfindahls: a check of both formulas against each other
    rng = np.random.default_rng(5)
    n = 300
    d = pd.DataFrame({"industry": rng.choice(["a", "b", "c"], n),
                      "region": rng.choice([f"r{i}" for i in range(8)], n, p=np.linspace(1, 3, 8) / 16),
                      "value": rng.lognormal(3, 1, n)})
    pairs = coagglomeration(d).set_index(["industry_a", "industry_b"])
    group = coagglomeration(d, groups={"ab": ["a", "b"], "bc": ["b", "c"]}).set_index("group")
    assert group.loc["ab", "gamma_c"] == pytest.approx(pairs.loc[("a", "b"), "gamma_c"], rel=1e-10)
    assert group.loc["bc", "gamma_c"] == pytest.approx(pairs.loc[("b", "c"), "gamma_c"], rel=1e-10)


def test_pairwise_coagglomeration_by_hand():
    # two regions with x = (0.5, 0.5); a sits 80/20, b 70/30 → (0.3·0.2 + 0.3·0.2)/(1 − 0.5)
    d = pd.DataFrame({"industry": ["a", "a", "b", "b"], "region": ["r1", "r2", "r1", "r2"],
                      "value": [80.0, 20.0, 70.0, 30.0]})
    regions = pd.DataFrame({"region": ["r1", "r2"], "value": [1.0, 1.0]})
    c = coagglomeration(d, reference=regions).iloc[0]
    assert c.gamma_c == pytest.approx((0.3 * 0.2 + (-0.3) * (-0.2)) / 0.5)


def test_gamma_averages_zero_over_dartboard_simulations():
    # under the null (firms thrown at regions with probabilities x_r) E[γ] = 0 (EG 1997, prop. 1)
    rng = np.random.default_rng(11)
    firms = pd.DataFrame({"industry": np.repeat([f"i{k}" for k in range(6)], 40),
                          "region": rng.choice([f"r{k}" for k in range(10)], 240),
                          "value": rng.lognormal(2, 1.2, 240)})
    res = ellison_glaeser(firms, n_sim=2000, seed=3)
    assert np.abs(res.gamma_sim_mean).max() < 0.01
    assert ((res.gamma_p > 0) & (res.gamma_p <= 1)).all()


def test_the_dartboard_finds_a_planted_cluster_and_not_a_random_one():
    rng = np.random.default_rng(2)
    regions = [f"r{k}" for k in range(12)]
    spread = pd.DataFrame({"industry": "spread", "region": rng.choice(regions, 60), "value": 10.0})
    planted = pd.DataFrame({"industry": "planted", "region": ["r3"] * 45 + list(rng.choice(regions, 15)),
                            "value": 10.0})
    others = pd.DataFrame({"industry": "rest", "region": np.repeat(regions, 30), "value": 10.0})
    res = ellison_glaeser(pd.concat([spread, planted, others]), n_sim=499, seed=1).set_index("industry")
    assert res.loc["planted", "gamma_p"] < 0.01 and res.loc["planted", "gamma"] > 0.2
    assert res.loc["spread", "gamma_p"] > 0.05
    again = ellison_glaeser(pd.concat([spread, planted, others]), n_sim=499, seed=1).set_index("industry")
    pd.testing.assert_frame_equal(res, again)  # a seed makes it repeatable


def test_every_year_at_once_and_undefined_cases():
    firms, regions = farhauer_kroell()
    two_years = pd.concat([firms.assign(year=2005), firms.assign(year=2006)])
    eg = ellison_glaeser(two_years, year="year")
    assert len(eg) == 2 and np.allclose(eg.gamma, eg.gamma.iloc[0])
    single = pd.DataFrame({"industry": ["solo", "a", "a"], "region": ["r1", "r1", "r2"],
                           "value": [5.0, 1.0, 1.0]})
    assert np.isnan(ellison_glaeser(single).set_index("industry").loc["solo", "gamma"])  # H = 1


def test_maurel_sedillot_and_coagglomeration_take_the_same_dartboard_option():
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"industry": rng.choice(["a", "b", "c"], 200),
                      "region": rng.choice([f"r{i}" for i in range(6)], 200), "value": rng.lognormal(2, 1, 200)})
    ms = maurel_sedillot(d, n_sim=199, seed=1)
    pairs = coagglomeration(d, n_sim=199, seed=1)
    assert {"gamma_p", "gamma_sim_mean", "gamma_sim_q95"} <= set(ms.columns)
    assert {"gamma_c_p", "gamma_c_sim_mean", "gamma_c_sim_q95"} <= set(pairs.columns)
    assert ((ms.gamma_p > 0) & (ms.gamma_p <= 1)).all() and ((pairs.gamma_c_p > 0) & (pairs.gamma_c_p <= 1)).all()
    assert np.abs(ms.gamma_sim_mean).max() < 0.05  # E[γ_MS] = 0 under the null too
