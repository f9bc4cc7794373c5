"""Getis–Ord Gi* hot spots of firm density against PySAL's esda (the z-scores to rounding, the
conditional permutation p-values in distribution: different random draws), by hand on a small
grid, and on lon/lat."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import hot_spots
from clusteratlas.measures.hot_spots import gi_star_array


def _firms(seed=1):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, (400, 2))
    xy[:80] = rng.normal(6, 0.8, (80, 2))  # a dense patch around (6, 6)
    return pd.DataFrame({"px": xy[:, 0], "py": xy[:, 1]})


def test_gi_star_matches_esda():
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    h = hot_spots(_firms(), x="px", y="py", window=1.0, geographic=False, n_sim=999, seed=3)
    assert len(h) == 400 and h.firms.sum() == 400  # 20 × 20 cells, every firm counted once
    w = libpysal.weights.DistanceBand(np.c_[h.px, h.py], threshold=1.5 + 1e-9, binary=True, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(h.firms.to_numpy(), w, star=True, transform="B", permutations=999, seed=12)
    np.testing.assert_allclose(h.gi_star, g.Zs, rtol=0, atol=1e-10)
    assert np.corrcoef(h.gi_star_p, g.p_sim)[0, 1] > 0.98  # the same test, other draws
    assert ((h.gi_star_p < 0.05) == (g.p_sim < 0.05)).mean() > 0.97
    hot = h[(h.gi_star > 1.96) & (h.gi_star_p < 0.05)]
    assert len(hot) > 5 and hot.px.between(3, 9).all() and hot.py.between(3, 9).all()  # the patch and its edge


def test_gi_star_by_hand():
    # a 1 × 3 strip of cells 0, 3, 0; each cell's neighbours: itself and the adjacent ones
    x = np.array([0.0, 3.0, 0.0])
    nb = [np.array([0, 1]), np.array([0, 1, 2]), np.array([1, 2])]
    n, mean = 3, 1.0
    s = np.sqrt((9 / 3) - 1)
    z0 = (3 - mean * 2) / (s * np.sqrt((n * 2 - 4) / (n - 1)))
    got = gi_star_array(x, nb)
    assert got[0] == pytest.approx(z0) and got[2] == pytest.approx(z0)
    assert np.isnan(got[1])  # the whole strip: no variance left to compare against


def test_lon_lat_cells_are_km_and_the_seed_fixes_the_p_values():
    f = _firms(2)
    geo = f.assign(lon=112.0 + f.px / 96.2, lat=30.3 + f.py / 111.2)  # about km at 30° N
    h = hot_spots(geo, window=1.0, n_sim=99, seed=4)
    assert 380 <= len(h) <= 460 and h.firms.sum() == 400
    again = hot_spots(geo.sample(frac=1, random_state=3), window=1.0, n_sim=99, seed=4)
    pd.testing.assert_frame_equal(h, again)
    with pytest.raises(ValueError, match="at least two firms"):
        hot_spots(geo.head(1))
