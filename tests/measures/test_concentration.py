"""Specialisation and concentration: hand-worked values, properties, and the reference
outputs of REAT 3.0.3 and EconGeo 1.3 (../shared/reference/R, made by make_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import (
    gini_localization,
    gini_specialization,
    herfindahl,
    hoover,
    krugman_concentration,
    krugman_specialization,
    location_quotient,
)
from tests.shared import shared_file

RTOL = 1e-9


def tidy(matrix: pd.DataFrame, value="emp") -> pd.DataFrame:
    return (matrix.rename_axis(index="region", columns="industry").stack().rename(value)
            .reset_index())


@pytest.fixture(scope="module")
def small():
    m = pd.read_csv(shared_file("reference/R/A_input_employment_region_x_industry.csv"), index_col=0)
    return tidy(m)


@pytest.fixture(scope="module")
def germany():
    g = pd.read_csv(shared_file("reference/R/C_input_G_regions_industries.csv"), index_col=0)
    return g.drop(columns="region").rename(columns={"region_code": "region", "ind_code": "industry",
                                                    "emp_all": "emp"})


# -------------------------------------------------------------- hand-worked -------------------
HAND = pd.DataFrame({"region": ["a", "a", "b", "b"], "industry": ["x", "y", "x", "y"],
                     "emp": [30.0, 70.0, 10.0, 90.0]})


def test_lq_by_hand():
    lq = location_quotient(HAND, value="emp").set_index(["region", "industry"])
    # region a: 30 % in x; reference: 40/200 = 20 % → LQ 1.5
    assert lq.loc[("a", "x"), "lq"] == pytest.approx(1.5)
    assert lq.loc[("a", "x"), "lq_additive"] == pytest.approx(0.10)
    assert lq.loc[("a", "x"), "lq_symmetric"] == pytest.approx(0.5 / 2.5)
    assert lq.loc[("b", "y"), "lq"] == pytest.approx(0.9 / 0.8)


def test_lq_against_a_reference_economy():
    # one district compared with its prefecture's totals, not with itself
    ref = pd.DataFrame({"industry": ["x", "y"], "emp": [100.0, 900.0]})
    lq = location_quotient(HAND[HAND.region == "a"], value="emp", reference=ref)
    assert lq.set_index("industry").loc["x", "lq"] == pytest.approx(0.3 / 0.1)


def test_hoover_gini_herfindahl_krugman_by_hand():
    # industry x: shares by region (0.75, 0.25); total activity (0.5, 0.5) → Hoover 0.25
    assert hoover(HAND, value="emp").set_index("industry").loc["x", "hoover"] == pytest.approx(0.25)
    assert krugman_concentration(HAND, value="emp").set_index("industry").loc["x", "krugman"] == \
        pytest.approx(0.5)
    h = herfindahl(HAND, value="emp").set_index("industry")
    assert h.loc["x", "herfindahl"] == pytest.approx(0.75**2 + 0.25**2)
    assert h.loc["x", "herfindahl_normalized"] == pytest.approx((0.625 - 0.5) / 0.5)
    k = krugman_specialization(HAND, value="emp").set_index("region")
    assert k.loc["a", "krugman"] == pytest.approx(abs(0.3 - 0.2) + abs(0.7 - 0.8))
    # two regions of equal weight: the concentration curve has one kink at (0.5, 0.25)
    g = gini_localization(HAND, value="emp").set_index("industry")
    assert g.loc["x", "gini"] == pytest.approx(0.25)


def test_zero_denominators_give_nan_not_zero_or_inf():
    d = pd.concat([HAND, pd.DataFrame({"region": ["c", "c"], "industry": ["x", "z"],
                                       "emp": [0.0, 0.0]})])
    lq = location_quotient(d, value="emp").set_index(["region", "industry"])
    assert np.isnan(lq.loc[("c", "x"), "lq"])  # the region has no activity
    assert np.isnan(hoover(d, value="emp").set_index("industry").loc["z", "hoover"])
    assert np.isnan(herfindahl(d, value="emp", by="region").set_index("region").loc["c", "herfindahl"])


def test_bad_input_is_named():
    with pytest.raises(KeyError, match=r"column 'jobs' \(the value\)"):
        location_quotient(HAND, value="jobs")
    with pytest.raises(ValueError, match="column 'emp' .* missing value in row 1"):
        location_quotient(HAND.assign(emp=[1.0, np.nan, 2.0, 3.0]), value="emp")


# -------------------------------------------------------------- properties --------------------
def random_panel(seed=0, regions=12, industries=9, years=3):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([range(years), [f"r{i}" for i in range(regions)],
                                      [f"i{j}" for j in range(industries)]],
                                     names=["year", "region", "industry"])
    values = rng.gamma(0.6, 100.0, len(idx)) * (rng.random(len(idx)) > 0.15)
    return pd.DataFrame({"emp": values}, index=idx).reset_index()


def test_employment_weighted_mean_lq_is_one_in_every_region_and_year():
    d = random_panel()
    lq = location_quotient(d, value="emp", year="year")
    lq["share"] = lq.emp / lq.groupby(["year", "region"]).emp.transform("sum")
    ref_share = lq.groupby(["year", "industry"]).emp.transform("sum") / \
        lq.groupby("year").emp.transform("sum")
    # Σ_i (E_i/E) LQ_ri = Σ_i e_ri/e_r = 1: the reference-weighted mean of a region's LQs is 1
    weighted = (lq.lq * ref_share).groupby([lq.year, lq.region]).sum()
    assert np.allclose(weighted, 1.0)
    # Σ_r (e_r/E) LQ_ri = 1 for every industry as well
    reg_share = lq.groupby(["year", "region"]).emp.transform("sum") / lq.groupby("year").emp.transform("sum")
    assert np.allclose((lq.lq * reg_share).groupby([lq.year, lq.industry]).sum(), 1.0)


def test_ginis_lie_in_zero_one_and_are_zero_for_proportional_industries():
    d = random_panel(1)
    for frame in (gini_localization(d, value="emp", year="year"),
                  gini_specialization(d, value="emp", year="year")):
        assert ((frame.gini >= -1e-12) & (frame.gini < 1)).all()
        assert ((frame.gini_lq >= -1e-12) & (frame.gini_lq < 1)).all()
    even = pd.DataFrame({"region": ["a", "a", "b", "b"], "industry": ["x", "y"] * 2,
                         "emp": [10.0, 30.0, 20.0, 60.0]})
    assert np.allclose(gini_localization(even, value="emp").gini, 0.0)


def test_measures_do_not_depend_on_row_order_or_on_units():
    d = random_panel(2)
    a = hoover(d, value="emp", year="year")
    b = hoover(d.sample(frac=1, random_state=3).assign(emp=lambda x: x.emp * 1e4), value="emp",
               year="year")
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_every_year_at_once_equals_year_by_year():
    d = random_panel(4)
    together = gini_localization(d, value="emp", year="year")
    for y, part in d.groupby("year"):
        alone = gini_localization(part, value="emp")
        assert np.allclose(together[together.year == y].gini.to_numpy(), alone.gini.to_numpy())


# -------------------------------------------------------------- REAT / EconGeo ----------------
def test_lq_matches_reat_and_econgeo_on_the_small_matrix(small):
    lq = location_quotient(small, value="emp").pivot(index="region", columns="industry", values="lq")
    for name in ("A_REAT_locq.csv", "A_EconGeo_location_quotient.csv"):
        ref = pd.read_csv(shared_file(f"reference/R/{name}"), index_col=0)
        np.testing.assert_allclose(lq.loc[ref.index, ref.columns], ref, rtol=RTOL)


def test_concentration_matches_reat_and_econgeo_on_the_small_matrix(small):
    ref = pd.read_csv(shared_file("reference/R/A_concentration_by_industry.csv"), index_col=0)
    g = gini_localization(small, value="emp").set_index("industry").loc[ref.index]
    np.testing.assert_allclose(g.gini_lq, ref.REAT_gini_conc, rtol=RTOL)
    np.testing.assert_allclose(g.gini, 2 * ref.EconGeo_locational_Gini, rtol=RTOL)
    np.testing.assert_allclose(g.gini.round(3), ref.EconGeo_Hoover_Gini_pop_eq_total)  # rounds to 3
    h = hoover(small, value="emp").set_index("industry").loc[ref.index, "hoover"]
    np.testing.assert_allclose(h, ref.REAT_hoover_vs_total, rtol=RTOL)
    np.testing.assert_allclose((100 * h).round(2), ref.EconGeo_Hoover_index_pct_pop_eq_total)
    k = krugman_concentration(small, value="emp").set_index("industry").loc[ref.index, "krugman"]
    np.testing.assert_allclose(k, ref.REAT_krugman_conc, rtol=RTOL)
    hh = herfindahl(small, value="emp").set_index("industry").loc[ref.index, "herfindahl"]
    np.testing.assert_allclose(hh, ref.REAT_herf_HHI_of_regions, rtol=RTOL)


def test_specialisation_matches_reat_and_econgeo_on_the_small_matrix(small):
    ref = pd.read_csv(shared_file("reference/R/A_specialization_by_region.csv"), index_col=0)
    k = krugman_specialization(small, value="emp").set_index("region").loc[ref.index]
    np.testing.assert_allclose(k.krugman, ref.REAT_krugman_spec, rtol=RTOL)
    np.testing.assert_allclose(k.krugman, ref.EconGeo_Krugman_index, rtol=RTOL)
    np.testing.assert_allclose(k.specialization_coefficient, ref.EconGeo_spec_coeff, rtol=RTOL)
    g = gini_specialization(small, value="emp").set_index("region").loc[ref.index]
    np.testing.assert_allclose(g.gini_lq, ref.REAT_gini_spec, rtol=RTOL)


def test_german_states_match_reat_and_econgeo(germany):
    lq = location_quotient(germany, value="emp").pivot(index="region", columns="industry", values="lq")
    ref_lq = pd.read_csv(shared_file("reference/R/C_EconGeo_LQ.csv"), index_col=0)
    np.testing.assert_allclose(lq.loc[ref_lq.index, ref_lq.columns], ref_lq, rtol=RTOL)
    ref = pd.read_csv(shared_file("reference/R/C_concentration_by_industry.csv"), index_col=0)
    g = gini_localization(germany, value="emp").set_index("industry").loc[ref.index]
    np.testing.assert_allclose(g.gini_lq, ref.REAT_gini_conc, rtol=RTOL)
    np.testing.assert_allclose(g.gini, 2 * ref.EconGeo_locational_Gini, rtol=RTOL)
    h = hoover(germany, value="emp").set_index("industry").loc[ref.index, "hoover"]
    np.testing.assert_allclose(h, ref.REAT_hoover, rtol=RTOL)
    k = krugman_concentration(germany, value="emp").set_index("industry").loc[ref.index, "krugman"]
    np.testing.assert_allclose(k, ref.REAT_krugman_conc, rtol=RTOL)
