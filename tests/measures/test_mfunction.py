"""Marcon & Puech's M: worked by hand on four firms, and its known limits."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures.mfunction import DBMSS_STEPS, m_function

# A, B of industry "a"; C, D of "b" on a line (km): 0, 1, 3, 10
LINE = pd.DataFrame({"x": [0.0, 1.0, 3.0, 10.0], "y": 0.0, "industry": ["a", "a", "b", "b"],
                     "w": [2.0, 1.0, 3.0, 4.0]})


def test_m_worked_by_hand_unweighted():
    res = m_function(LINE, of="a", x="x", y="y", r=[1.0, 2.0, 10.0])
    # r = 1: A and B each see only the other (ratio 1); global ratio (2−1)/(4−1) = 1/3 → M = 3
    # r = 2: B also sees C → ratios 1 and 1/2 → M = 1.5 / (2/3) = 2.25
    # r = 10: each sees the other three → 1/3 each → M = 1
    np.testing.assert_allclose(res.observed, [3.0, 2.25, 1.0])


def test_m_worked_by_hand_weighted_and_between_industries():
    res = m_function(LINE, of="a", x="x", y="y", weight="w", r=[2.0])
    # A: neighbour B (w 1, same industry) → 1; global (3 − 2)/(10 − 2) = 1/8
    # B: neighbours A (2) and C (3) → 2/5; global (3 − 1)/(10 − 1) = 2/9
    assert res.observed[0] == pytest.approx(1.4 / (1 / 8 + 2 / 9))
    co = m_function(LINE, of="a", other="b", x="x", y="y", weight="w", r=[2.0])
    # neighbours of interest are b firms: A 0/1, B 3/5; global 7/8 and 7/9
    assert co.observed[0] == pytest.approx(0.6 / (7 / 8 + 7 / 9))


def test_firms_without_neighbours_are_left_out_and_the_default_grid_is_dbmss():
    res = m_function(LINE, of="a", x="x", y="y")
    assert len(res.r) == len(DBMSS_STEPS) == 63
    assert res.r[-1] == pytest.approx(10.0 / 2)  # half the diameter of the extent
    assert np.isnan(res.observed[0])  # at r = 0 nobody has a neighbour


def _random_city(seed, n=1500, n_ind=150, clumped=False):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50, (n, 2))
    if clumped:
        xy[:n_ind] = rng.normal(25, 1.5, (n_ind, 2))
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                         "industry": np.where(np.arange(n) < n_ind, "t", "o")})


def test_m_is_about_one_for_a_random_industry_and_large_for_a_clump():
    flat = m_function(_random_city(1), of="t", x="x", y="y", r=[2.0, 5.0, 10.0], n_sim=39, seed=0)
    np.testing.assert_allclose(flat.sim_mean, 1.0, atol=0.1)
    assert not flat.localised
    clump = m_function(_random_city(2, clumped=True), of="t", x="x", y="y", r=[2.0, 5.0, 10.0],
                       n_sim=39, seed=0)
    assert clump.observed[0] > 5 and clump.localised
    assert (clump.observed > clump.global_hi).all()


def test_geographic_and_projected_m_agree():
    city = _random_city(3, clumped=True)
    lat0, lon0 = 30.4, 112.2
    km = 6371.0088 * np.pi / 180
    geo = city.assign(lon=lon0 + city.x / (km * np.cos(np.radians(lat0))), lat=lat0 + city.y / km)
    a = m_function(geo, of="t", r=[1.0, 3.0, 8.0])
    b = m_function(city, of="t", x="x", y="y", r=[1.0, 3.0, 8.0])
    np.testing.assert_allclose(a.observed, b.observed, rtol=0.02)
