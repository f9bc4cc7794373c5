"""Hot spots of firm density: the Getis–Ord Gi* statistic on a grid of cells, with conditional
permutation inference.

The firms are counted (or their ``value`` summed: employment, output) in square cells of side
``window`` km over the firms' extent, empty cells included — a hot spot is dense against its
surroundings, and the surroundings are mostly empty land. Each cell's neighbours are the cells
whose centres lie within ``bandwidth`` km (binary weights, the cell itself included: the "star").
With x_j the cells' values, n cells, X̄ their mean and S = √(Σx_j²/n − X̄²), W_i = Σ_j w_ij and
S1_i = Σ_j w_ij²:

    Gi*_i = (Σ_j w_ij x_j − X̄ W_i) / (S √((n S1_i − W_i²)/(n − 1)))     (Ord & Getis 1995, eq. 3)

a z-score under normality. ``n_sim`` > 0 adds the conditional permutation test (Anselin 1995;
as PySAL's esda does it): each cell keeps its value, its neighbours' values are drawn at random
from the other cells, and ``gi_star_p`` is the share of draws at least as extreme on the side
observed — (1 + k) / (n_sim + 1). The draws run in a compiled loop (numba).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit
from scipy.spatial import cKDTree

from clusteratlas.measures.kdensity import EARTH_KM
from clusteratlas.measures.tidy import check_n_sim, prepare


# ---------------------------------------------------------------- array maths (pure) ---------
def gi_star_array(x: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
    """Gi* z-scores of values ``x`` with binary weights: ``neighbours[i]`` the cells within the
    band of cell i, i itself included — Ord & Getis (1995, eq. 3)."""
    n = len(x)
    mean = x.mean()
    s = np.sqrt((x ** 2).mean() - mean ** 2)
    W = np.array([len(nb) for nb in neighbours], dtype=float)
    local = np.array([x[nb].sum() for nb in neighbours])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local - mean * W) / (s * np.sqrt((n * W - W ** 2) / (n - 1)))
    return np.where(np.isfinite(z), z, np.nan)


@njit(cache=True)
def _permutation_counts(x, starts, members, n_sim, seed):  # pragma: no cover - compiled
    """For each cell: how many of ``n_sim`` draws of its neighbours' values (without
    replacement, from the other cells) give a local sum ≥ the observed one."""
    np.random.seed(seed)
    n = x.shape[0]
    larger = np.zeros(n, dtype=np.int64)
    others = np.empty(n - 1, dtype=np.int64)
    for i in range(n):
        k = starts[i + 1] - starts[i] - 1  # neighbours besides the cell itself
        observed = 0.0
        for t in range(starts[i], starts[i + 1]):
            observed += x[members[t]]
        m = 0
        for j in range(n):
            if j != i:
                others[m] = j
                m += 1
        for _ in range(n_sim):
            total = x[i]
            for t in range(k):
                pick = t + np.random.randint(m - t)
                others[t], others[pick] = others[pick], others[t]
                total += x[others[t]]
            if total >= observed - 1e-12:
                larger[i] += 1
    return larger


def permutation_p(x: np.ndarray, neighbours: list[np.ndarray], n_sim: int, seed) -> np.ndarray:
    """Conditional permutation pseudo p-values of Gi*, one-sided on the side observed."""
    starts = np.zeros(len(neighbours) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(nb) for nb in neighbours])
    members = np.concatenate(neighbours).astype(np.int64)
    seed = int(np.random.default_rng(seed).integers(2 ** 31 - 1))
    larger = _permutation_counts(x.astype(float), starts, members, int(n_sim), seed)
    larger = np.minimum(larger, n_sim - larger)  # the tail on the observed side
    return (larger + 1) / (n_sim + 1)


def grid_cells(px: np.ndarray, py: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell of each point, cells' centre x, cells' centre y) of a square grid of side ``window``
    over the points' extent, every cell listed, empty or not."""
    x0, y0 = np.floor(px.min() / window) * window, np.floor(py.min() / window) * window
    cx, cy = np.floor((px - x0) / window).astype(int), np.floor((py - y0) / window).astype(int)
    nx, ny = cx.max() + 1, cy.max() + 1
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="xy")
    return cy * nx + cx, x0 + (gx.ravel() + 0.5) * window, y0 + (gy.ravel() + 0.5) * window


# ---------------------------------------------------------------- tidy interface -------------
def hot_spots(data: pd.DataFrame, *, x: str = "lon", y: str = "lat", value: str | None = None,
              window: float = 1.0, bandwidth: float | None = None, geographic: bool = True,
              n_sim: int = 0, seed: int | None = None) -> pd.DataFrame:
    """Gi* hot spots of firm density on a grid of ``window``-km cells (module text): one row per
    cell with its centre (``x``, ``y``: degrees when ``geographic``, else the data's units), its
    firms (or their summed ``value``) and ``gi_star``; ``bandwidth`` (km, default 1.5 cells: a
    cell and its eight neighbours) sets the neighbourhood. ``n_sim`` > 0 adds ``gi_star_p``.
    Lon/lat are projected on the plane tangent at the firms' mean latitude (equirectangular), in
    km: good to a fraction of a per cent across a county."""
    n_sim = check_n_sim(n_sim, "hot_spots")
    d = prepare(data, "hot_spots", numeric=("x", "y"), nonnegative=("value",), x=x, y=y, value=value)
    if len(d) < 2:
        raise ValueError("hot_spots: at least two firms with a site are needed")
    lon, lat = d[x].to_numpy(float), d[y].to_numpy(float)
    if geographic:
        lat0 = np.radians(lat.mean())
        k = np.pi / 180 * EARTH_KM
        px, py = lon * k * np.cos(lat0), lat * k
    else:
        px, py = lon, lat
    cell, cx, cy = grid_cells(px, py, window)
    weights = d[value].to_numpy(float) if value else np.ones(len(d))
    counts = np.bincount(cell, weights=weights, minlength=len(cx))
    band = 1.5 * window if bandwidth is None else float(bandwidth)
    tree = cKDTree(np.c_[cx, cy])
    neighbours = [np.asarray(sorted(nb), dtype=np.int64) for nb in tree.query_ball_point(np.c_[cx, cy], band + 1e-9)]
    out = {x: cx / (k * np.cos(lat0)) if geographic else cx, y: cy / k if geographic else cy,
           (value or "firms"): counts, "gi_star": gi_star_array(counts, neighbours)}
    if n_sim:
        out["gi_star_p"] = permutation_p(counts, neighbours, n_sim, seed)
    return pd.DataFrame(out)
