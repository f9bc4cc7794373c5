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


def test_fitness_and_complexity_match_r_economiccomplexity_on_world_trade():
    """Tacchella et al. (2012) fitness and product complexity, as R's economiccomplexity 1.5.0
    computes them (``complexity_measures(balassa_index(x), method = "fitness")``: 20 iterations)."""
    wt = pd.read_csv(shared_file("data/world-trade-sitc-avg-1998-2000/world_trade_avg_1998_to_2000.csv"),
                     dtype={"product": str})
    countries = pd.read_csv(shared_file("reference/R/D_economiccomplexity_country_indices.csv"), index_col=0)
    products = pd.read_csv(shared_file("reference/R/D_economiccomplexity_product_indices.csv"), index_col=0,
                           dtype={"product": str}).set_index("product")
    out = complexity(wt, region="country", industry="product", value="value")
    fitness = out.groupby("country").fitness.first()
    q = out.groupby("product").fitness_complexity.first()
    np.testing.assert_allclose(fitness.loc[countries.index], countries.fitness, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(q.loc[products.index], products.complexity_fitness, rtol=1e-9, atol=1e-12)


def test_fitness_by_hand_on_a_nested_matrix():
    """A nested (triangular) matrix: the most diversified location is the fittest, the product
    only it makes is the most complex; both are normalised to mean 1 at every step."""
    from clusteratlas.measures.complexity import fitness_complexity_array

    M = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]], dtype=float)
    F, Q = fitness_complexity_array(M, iterations=2)  # one step from F = Q = 1
    np.testing.assert_allclose(F, np.array([3, 2, 1]) / 2)  # Σ_p M_cp, over its mean 2
    q = 1 / np.array([3.0, 2.0, 1.0])  # 1 / Σ_c M_cp / 1
    np.testing.assert_allclose(Q, q / q.mean())
    F, Q = fitness_complexity_array(M)
    assert F[0] > F[1] > F[2] and Q[2] > Q[1] > Q[0]
    assert F.mean() == pytest.approx(1) and Q.mean() == pytest.approx(1)


def test_entries_and_exits_by_hand_as_econgeo_lists_them():
    """Two regions, three industries, two years. Region a: industry x falls out of
    specialisation (an exit), y enters; region b the reverse. Only the cells at risk carry an
    event (EconGeo's entry.list lists the cells absent at the start, exit.list those present)."""
    from clusteratlas.measures import entry_exit

    d = pd.DataFrame({
        "year": [2000] * 6 + [2010] * 6,
        "region": list("aaabbb") * 2,
        "industry": list("xyzxyz") * 2,
        "value": [8, 1, 1, 2, 5, 3,    # 2000: a is specialised in x, b in y and z
                  2, 7, 1, 7, 1, 2],   # 2010: a in y, b in x and z
    })
    ev = entry_exit(d).set_index(["region", "industry"])
    r = rca(d[d.year == 2000], region="region", industry="industry", value="value").set_index(["region", "industry"])
    np.testing.assert_allclose(ev.rca_start, r.rca.loc[ev.index])
    assert ev.loc[("a", "x"), "exit"] == 1 and np.isnan(ev.loc[("a", "x"), "entry"])
    assert ev.loc[("a", "y"), "entry"] == 1 and np.isnan(ev.loc[("a", "y"), "exit"])
    assert ev.loc[("a", "z"), "entry"] == 0  # not specialised then, nor now
    assert ev.loc[("b", "x"), "entry"] == 1 and ev.loc[("b", "y"), "exit"] == 1
    assert ev.loc[("b", "z"), "exit"] == 0  # specialised then and still
    assert ev.entry.sum() == 2 and ev.exit.sum() == 2
    with pytest.raises(ValueError, match="not in the data"):
        entry_exit(d, start=1999)
