"""Marcon & Puech's M function: relative, cumulative, weighted distance-based concentration.

M(r) = Σ_i [Σ_{j≠i, d_ij ≤ r, j ∈ S} w_j / Σ_{j≠i, d_ij ≤ r} w_j] / Σ_i [(W_S − w_i)/(W − w_i)]
over the reference firms i (Marcon & Puech 2010, J. Econ. Geogr. 10, eq. 4; for two industries
the neighbours S are the other industry and W_S is not reduced by w_i). M = 1: as many neighbours
of the industry within r, in weight, as in the whole area; M = 2: twice as many. Reference firms
with no neighbour at all within r are left out of both sums, and a neighbour counts at r when
d ≤ r — the conventions of R's dbmss ``Mhat``, whose default distances are also used.
Envelopes relocate the firms with their weights on the sites of all firms (dbmss
``RandomLocation``) and take pointwise quantiles (local) and DO's global band, as for Kd.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numba
import numpy as np
import pandas as pd

from clusteratlas.measures.compiled import tell_if_compiling
from clusteratlas.measures.kdensity import EARTH_KM, DistanceCurve, _chord_to_km, _xy, envelopes
from clusteratlas.measures.tidy import check_n_sim, prepare

# dbmss Mhat's default distances, as fractions of the window's diameter / 800
DBMSS_STEPS = np.r_[0, np.arange(1, 21), np.arange(22, 41, 2), np.arange(45, 101, 5),
                    np.arange(110, 201, 10), np.arange(220, 401, 20)]


@numba.njit(parallel=True, cache=True)
def _neighbourhoods(ref, pts, w, is_nbr, thresholds):  # pragma: no cover - compiled
    """Weights of the neighbours of interest (column 0) and of all neighbours (column 1) of each
    reference point within each threshold (cumulative), the point itself excluded."""
    n_ref, n, nr = ref.shape[0], pts.shape[0], thresholds.shape[0]
    out = np.zeros((n_ref, 2, nr))
    for a in numba.prange(n_ref):
        i = ref[a]
        for j in range(n):
            if j == i:
                continue
            d = math.sqrt((pts[i, 0] - pts[j, 0]) ** 2 + (pts[i, 1] - pts[j, 1]) ** 2
                          + (pts[i, 2] - pts[j, 2]) ** 2)
            if d > thresholds[nr - 1]:
                continue
            k = np.searchsorted(thresholds, d)  # first threshold ≥ d
            out[a, 1, k] += w[j]
            if is_nbr[j]:
                out[a, 0, k] += w[j]
        for k in range(1, nr):
            out[a, 0, k] += out[a, 0, k - 1]
            out[a, 1, k] += out[a, 1, k - 1]
    return out


def _m_values(ref_idx, pts, w, is_ref, is_nbr, thresholds, intra):
    tell_if_compiling(_neighbourhoods, "neighbourhood kernel of the M function", "ten seconds")
    nbd = _neighbourhoods(ref_idx, pts, w, is_nbr, thresholds)
    w_total = w.sum()
    w_nbr = w[is_nbr].sum()
    wi = w[ref_idx]
    global_ratio = ((w_nbr - wi) if intra else w_nbr) / (w_total - wi)
    with np.errstate(invalid="ignore", divide="ignore"):
        local = nbd[:, 0, :] / nbd[:, 1, :]
    finite = np.isfinite(local)
    with np.errstate(invalid="ignore"):  # no firm has a neighbour (r = 0): M undefined, NaN
        return np.where(finite, local, 0).sum(axis=0) / (finite * global_ratio[:, None]).sum(axis=0)


def m_function(data: pd.DataFrame, *, of, industry: str = "industry", x: str = "lon", y: str = "lat",
               weight: str | None = None, other=None, geographic: bool | None = None,
               r=None, n_sim: int = 0, seed: int | None = None, alpha: float = 0.05) -> DistanceCurve:
    """M(r) of the firms of industry ``of`` (neighbours: the same industry, or ``other``).

    ``r``: distances (km on lon/lat; units of x/y otherwise); default dbmss's 63 distances up to
    half the diameter of the firms' extent. A :class:`DistanceCurve` with ``measure`` 'M'
    (``observed`` holds M), with envelopes when ``n_sim`` > 0."""
    n_sim = check_n_sim(n_sim, "m_function")
    data = prepare(data, "m_function", numeric=("x", "y"), nonnegative=("weight",), canonical=True,
                   industry=industry, x=x, y=y, weight=weight)
    geographic = (x, y) == ("lon", "lat") if geographic is None else geographic
    # unit vectors on lon/lat (compared with the chords of the distances), or x, y, 0
    pts = _xy(data[x].to_numpy(float), data[y].to_numpy(float), geographic)
    if not geographic:
        pts = np.c_[pts, np.zeros(len(pts))]
    w = data[weight].to_numpy(float) if weight else np.ones(len(data))
    labels = data[industry].to_numpy()
    is_ref = labels == of
    is_nbr = labels == (of if other is None else other)
    if is_ref.sum() < 2:
        raise ValueError(f"m_function: industry {of!r} has fewer than two firms with sites")
    if r is None:
        span = pts.max(axis=0) - pts.min(axis=0)
        diameter = float(np.linalg.norm(span))
        if geographic:
            diameter = float(_chord_to_km(np.array(diameter)))
        r = diameter * DBMSS_STEPS / 800
    r = np.asarray(r, dtype=float)
    thresholds = 2 * np.sin(np.minimum(r / (2 * EARTH_KM), np.pi / 2)) if geographic else r.copy()
    intra = other is None
    m = _m_values(np.flatnonzero(is_ref), pts, w, is_ref, is_nbr, thresholds, intra)
    res = DistanceCurve("M", r, m, float("nan"), int(is_ref.sum()), industry=of, other=other,
                        unit="km" if geographic else "", rmax=float(r.max()), alpha=alpha)
    if not n_sim:
        return res
    rng = np.random.default_rng(seed)
    sims = np.empty((n_sim, len(r)))
    for k in range(n_sim):
        perm = rng.permutation(len(data))  # firms (type and weight) move to other firms' sites
        ref_s, nbr_s, w_s = is_ref[perm], is_nbr[perm], w[perm]
        sims[k] = _m_values(np.flatnonzero(ref_s), pts, w_s, ref_s, nbr_s, thresholds, intra)
    return replace(res, **envelopes(m, r, sims, alpha))
