"""RCA, proximity, density and complexity: py-ecomplexity (PyPI) run in the test on random and
real data, the Stata ground truth, and R economiccomplexity's outputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import complexity, proximity, rca, relatedness_density
from tests.shared import shared_file

COLUMNS = ["diversity", "ubiquity", "mcp", "eci", "pci", "density", "coi", "cog", "rca"]


def py_ecomplexity(d, loc, prod, val, time="year", **kw):
    ecomplexity = pytest.importorskip("ecomplexity").ecomplexity
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ecomplexity(d, {"time": time, "loc": loc, "prod": prod, "val": val}, verbose=False,
                           check_logsupermodularity=False, **kw)


def random_trade(seed=0, years=(2000, 2001), locs=40, prods=60):
    rng = np.random.default_rng(seed)
    rows = [(y, f"c{c:02d}", f"p{p:02d}", float(rng.lognormal(2, 2) * (rng.random() > 0.3)))
            for y in years for c in range(locs) for p in range(prods)]
    return pd.DataFrame(rows, columns=["year", "loc", "prod", "val"])


def compare(ours, ref, keys, columns=COLUMNS, atol=1e-8):
    m = ours.merge(ref, on=keys, suffixes=("", "_ref"))
    assert len(m) == len(ref)
    for c in columns:
        np.testing.assert_allclose(m[c], m[c + "_ref"], atol=atol, rtol=0, err_msg=c)


def test_matches_py_ecomplexity_on_random_data():
    d = random_trade()
    ours = complexity(d, region="loc", industry="prod", value="val", year="year")
    compare(ours, py_ecomplexity(d, "loc", "prod", "val"), ["year", "loc", "prod"])


def test_matches_py_ecomplexity_with_rpop_and_continuous_proximity():
    d = random_trade(1, years=(2000,))
    rng = np.random.default_rng(2)
    pop = pd.DataFrame({"year": 2000, "loc": sorted(d["loc"].unique()),
                        "population": rng.integers(1_000, 100_000, 40).astype(float)})
    ours = complexity(d, region="loc", industry="prod", value="val", year="year", presence="rpop",
                      population=pop)
    ref = py_ecomplexity(d, "loc", "prod", "val", presence_test="rpop", pop=pop)
    compare(ours, ref, ["year", "loc", "prod"], COLUMNS + ["rpop"])
    ours = complexity(d, region="loc", industry="prod", value="val", year="year", continuous=True)
    ref = py_ecomplexity(d, "loc", "prod", "val", continuous=True)
    compare(ours, ref, ["year", "loc", "prod"])


def test_matches_py_ecomplexity_on_world_trade():
    wt = pd.read_csv(shared_file("data/world-trade-sitc-avg-1998-2000/world_trade_avg_1998_to_2000.csv"),
                     dtype={"product": str}).assign(year=2000)
    ours = complexity(wt, region="country", industry="product", value="value", year="year")
    compare(ours, py_ecomplexity(wt, "country", "product", "value"), ["year", "country", "product"])


def test_the_stata_ground_truth_under_the_stata_convention():
    fx = pd.read_csv(shared_file("data/atlas-hs92-ecomplexity-fixture/trade_data_sample.csv"),
                     dtype={"hs92": str})
    out = complexity(fx, region="origin", industry="hs92", value="export_val", year="year",
                     convention="stata")
    out = out[out.year == 1995]
    c = pd.read_csv(shared_file("data/atlas-hs92-ecomplexity-fixture/stata_ground_truth_1995_country_subset.csv"))
    ours_c = out.groupby("origin")[["eci", "coi", "diversity"]].first().loc[c.origin]
    np.testing.assert_allclose(ours_c.eci, c.eci, atol=1e-8)
    np.testing.assert_allclose(ours_c.coi, c.coi, atol=1e-8)
    np.testing.assert_array_equal(ours_c.diversity, c.diversity)
    p = pd.read_csv(shared_file("data/atlas-hs92-ecomplexity-fixture/stata_ground_truth_1995_product.csv"),
                    dtype={"hs92": str})
    ours_p = out.groupby("hs92")[["pci", "ubiquity"]].first().loc[p.hs92]
    np.testing.assert_allclose(ours_p.pci, p.pci, atol=1e-8)
    np.testing.assert_array_equal(ours_p.ubiquity, p.ubiquity)


def test_r_economiccomplexity_differs_by_its_standard_deviation_convention():
    wt = pd.read_csv(shared_file("data/world-trade-sitc-avg-1998-2000/world_trade_avg_1998_to_2000.csv"),
                     dtype={"product": str})
    ref = pd.read_csv(shared_file("reference/R/D_economiccomplexity_country_indices.csv"), index_col=0)
    eci = complexity(wt, region="country", industry="product", value="value").groupby("country").eci.first()
    n = len(eci)
    # R standardises with the sample deviation over countries: ours × √((n−1)/n)
    np.testing.assert_allclose(eci.loc[ref.index] * np.sqrt((n - 1) / n), ref.eci_eigen, atol=1e-8)
    prox = proximity(wt, region="country", industry="product", value="value")
    ref_p = pd.read_csv(shared_file("reference/R/D_economiccomplexity_proximity_product_first30.csv"),
                        index_col=0, dtype={0: str})
    ref_p.index = ref_p.index.astype(str).str.zfill(4)
    ref_p.columns = ref_p.columns.str.lstrip("X").str.zfill(4)
    mine = prox.pivot(index="product_1", columns="product_2", values="proximity").loc[ref_p.index, ref_p.columns]
    off = ~np.eye(len(ref_p), dtype=bool)  # R leaves the diagonal at 0, we at 1
    np.testing.assert_allclose(mine.to_numpy()[off], ref_p.to_numpy()[off], atol=1e-8)


def test_the_sign_convention_eci_correlates_with_diversity():
    for seed in range(5):
        out = complexity(random_trade(seed, years=(2000,)), region="loc", industry="prod", value="val")
        c = out.groupby("loc")[["eci", "diversity"]].first()
        assert np.corrcoef(c.eci, c.diversity)[0, 1] > 0
        # and the Atlas property: ECI of a location is (up to scale) the mean PCI of its products
        present = out[out.mcp == 1].groupby("loc").pci.mean()
        assert np.corrcoef(present.loc[c.index], c.eci)[0, 1] > 0.999


def test_knn_density_weights_each_neighbour_by_its_proximity():
    d = random_trade(3, years=(2000,), locs=30, prods=20)
    full = relatedness_density(d, region="loc", industry="prod", value="val")
    knn = relatedness_density(d, region="loc", industry="prod", value="val", knn=5)
    prox = proximity(d, region="loc", industry="prod", value="val").pivot(
        index="prod_1", columns="prod_2", values="proximity")
    m = rca(d, region="loc", industry="prod", value="val").pivot(index="loc", columns="prod", values="mcp")
    p = "p07"
    near = prox.loc[p].drop(p).nlargest(5)
    expected = (m[near.index] * near).sum(axis=1) / near.sum()
    got = knn[knn["prod"] == p].set_index("loc").density
    np.testing.assert_allclose(got.loc[expected.index], expected, atol=1e-12)
    assert not np.allclose(full.density, knn.density)


def test_rca_by_hand():
    d = pd.DataFrame({"region": ["a", "a", "b", "b"], "industry": ["x", "y", "x", "y"],
                      "value": [30.0, 70.0, 10.0, 90.0]})
    r = rca(d).set_index(["region", "industry"])
    assert r.loc[("a", "x"), "rca"] == pytest.approx(1.5) and r.loc[("a", "x"), "mcp"] == 1
    assert r.loc[("b", "x"), "mcp"] == 0
