"""Related and unrelated variety (Frenken, Van Oort & Verburg 2007) and the Theil index with its
between/within decomposition: worked by hand, held to the entropy decomposition theorem (the
parts add up to the whole), and the Theil index against PySAL's ``inequality`` package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import theil, variety


def test_variety_by_hand():
    # one region: class 1011 half of output, 1012 and 2011 a quarter each
    d = pd.DataFrame({"region": "r", "industry": ["1011", "1012", "2011"], "value": [50.0, 25.0, 25.0]})
    v = variety(d).iloc[0]
    assert v.variety == pytest.approx(1.5)  # ½·1 + ¼·2 + ¼·2 bits
    uv = 0.75 * np.log2(1 / 0.75) + 0.25 * np.log2(4)  # divisions 10 (¾) and 20 (¼)
    rv = 0.75 * (-(2 / 3) * np.log2(2 / 3) - (1 / 3) * np.log2(1 / 3))  # within 10: ⅔ and ⅓
    assert v.unrelated_variety == pytest.approx(uv, abs=1e-12)
    assert v.related_variety == pytest.approx(rv, abs=1e-12)
    assert v.industries == 3


def test_variety_is_unrelated_plus_related_exactly_and_a_mapping_groups_as_a_prefix_does():
    rng = np.random.default_rng(4)
    codes = [f"{a}{b}" for a in ("13", "17", "22", "35") for b in ("11", "12", "19")]
    d = pd.DataFrame([(r, c, float(rng.gamma(0.7, 10) * (rng.random() > 0.3)), y)
                      for r in "abcdef" for c in codes for y in (2005, 2006)], columns=["region", "industry", "value", "year"])
    v = variety(d, year="year")
    np.testing.assert_allclose(v.variety, v.unrelated_variety + v.related_variety, rtol=0, atol=1e-12)
    mapped = variety(d, year="year", groups={c: c[:2] for c in codes})
    pd.testing.assert_frame_equal(v, mapped)
    # one group: all variety is related; every industry its own group: all of it unrelated
    one = variety(d, year="year", groups=lambda c: "all")
    np.testing.assert_allclose(one.unrelated_variety, 0, atol=1e-15)
    own = variety(d, year="year", groups=4)
    np.testing.assert_allclose(own.related_variety, 0, atol=1e-15)
    np.testing.assert_allclose(own.unrelated_variety, v.variety, atol=1e-12)


def test_a_region_without_activity_has_no_variety():
    d = pd.DataFrame({"region": ["a", "a", "b"], "industry": ["1011", "2011", "1011"], "value": [1.0, 1.0, 0.0]})
    v = variety(d).set_index("region")
    assert v.loc["a", "variety"] == pytest.approx(1.0) and np.isnan(v.loc["b", "variety"])


def _units(seed=0, n=40):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"region": [f"r{k}" for k in range(n)], "value": rng.lognormal(3, 1, n),
                         "population": rng.integers(1, 30, n).astype(float),
                         "province": rng.choice(["east", "centre", "west"], n)})


def test_theil_matches_pysal_inequality_with_its_decomposition():
    TheilD = pytest.importorskip("inequality.theil").TheilD
    u = _units()
    ours = theil(u, groups="province").iloc[0]
    ref = TheilD(u["value"].to_numpy(), pd.factorize(u["province"])[0])
    assert ours.theil == pytest.approx(float(ref.T), rel=1e-12)
    assert ours.theil_between == pytest.approx(float(np.ravel(ref.bg)[0]), rel=1e-12)
    assert ours.theil_within == pytest.approx(float(np.ravel(ref.wg)[0]), rel=1e-12)
    assert ours.theil == pytest.approx(ours.theil_between + ours.theil_within, abs=1e-14)


def test_population_weights_equal_the_index_over_the_people():
    """Weighting a region by its population is the unweighted index over its people, each
    with the region's value per head: checked against PySAL on the expanded data."""
    TheilD = pytest.importorskip("inequality.theil").TheilD
    u = _units(1)
    ours = theil(u, weight="population", groups="province").iloc[0]
    people = u.loc[u.index.repeat(u["population"].astype(int))]
    ref = TheilD((people["value"] / people["population"]).to_numpy(), pd.factorize(people["province"])[0])
    assert ours.theil == pytest.approx(float(ref.T), rel=1e-10)
    assert ours.theil_between == pytest.approx(float(np.ravel(ref.bg)[0]), rel=1e-10)


def test_theil_bounds():
    even = pd.DataFrame({"region": list("abcd"), "value": [2.0, 4, 6, 8], "population": [1.0, 2, 3, 4]})
    assert theil(even, weight="population").theil.iloc[0] == pytest.approx(0, abs=1e-15)  # value ∝ people
    one = pd.DataFrame({"region": list("abcd"), "value": [0.0, 0, 0, 5]})
    assert theil(one).theil.iloc[0] == pytest.approx(np.log(4))  # all of it in one of four: ln n
    with pytest.raises(ValueError, match="more than one group"):
        theil(pd.DataFrame({"region": ["a", "a"], "value": [1.0, 2.0], "g": ["x", "y"]}), groups="g")
