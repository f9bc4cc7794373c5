"""Distance-based agglomeration: the Duranton–Overman K-density with envelopes.

Kd(r) is a kernel density of the distances between the pairs of an industry's firms (Duranton &
Overman 2005, Rev. Econ. Stud. 72, eq. 1), with Gaussian kernel, Silverman's bandwidth
(``bw.nrd0``) on the pair distances up to 2·rmax, reflection of the distances below 4 bandwidths
around 0, and renormalisation for the mass reflected — the conventions of R's dbmss ``Kdhat``
(Marcon, Traissac, Puech & Lang), whose density step is R's ``stats::density`` (linear binning on
a grid, FFT convolution, linear interpolation), reproduced here so the curves agree to 1e-6.
``weight=`` gives the employment-weighted version (pair weight w_i·w_j; Kemp's), ``other=`` the
co-localisation of two industries (Duranton & Overman 2008), with n₁·n₂ pairs.

Two modes: ``exact`` computes every pair distance (condensed, never an n×n matrix) and bins
them as R does; ``binned`` streams the pairs through a compiled (numba, parallel) loop into a fine
histogram of bin width rmax/2048 — distances are then known to half a bin, which moves the curve
by less than the tolerance tested against the exact mode — and never stores the pairs.

Envelopes: each simulation moves the industry's firms, with their weights, to sites drawn from
the sites of all firms (DO 2005's counterfactual; dbmss "RandomLocation"); local bands are
pointwise quantiles (α/2, 1 − α/2). The global band is DO 2005's (section 4.2): the same
pointwise quantile level q at every distance, the band [Q_q(r), Q_1−q(r)], with q the largest
level at which no more than α of the simulated curves leave the band anywhere over the whole
range — 95 % of the curves stay inside it from 0 to rmax at α = 0.05 (:func:`global_envelope`).
Γ = ∫ max(Kd − upper, 0) dr is the localisation index and Ψ = ∫ max(lower − Kd, 0) dr the
dispersion index, counted only where the industry is not localised (DO 2005 sum over distances
in km; the integral keeps the value independent of the grid step).
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numba
import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist, pdist

from clusteratlas.measures.compiled import tell_if_compiling
from clusteratlas.measures.tidy import check_n_sim, prepare

EARTH_KM = 6371.0088


# ---------------------------------------------------------------- R's density, exactly -------
def bw_nrd0(x: np.ndarray) -> float:
    """R's ``bw.nrd0``: 0.9 · min(sd, IQR/1.34) · n^-1/5 (Silverman 1986, eq. 3.31)."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        raise ValueError("need at least two distances for a bandwidth")
    hi = float(np.std(x, ddof=1))
    q75, q25 = np.quantile(x, [0.75, 0.25])
    lo = min(hi, (q75 - q25) / 1.34)
    if not lo:
        lo = hi or abs(float(x[0])) or 1.0
    return 0.9 * lo * len(x) ** -0.2


@numba.njit(nogil=True, cache=True)
def _linear_binning(x, w, uniform, lo, delta, n):  # pragma: no cover - compiled
    y = np.zeros(2 * n)
    for k in range(x.shape[0]):
        pos = (x[k] - lo) / delta
        if pos < -1.0 or pos >= n:
            continue  # beyond the grid: adds nothing, as in R
        ix = int(math.floor(pos))
        fx = pos - ix
        wk = uniform if uniform > 0 else w[k]
        if ix >= 0:
            y[ix] += wk * (1 - fx)
        if ix <= n - 2:
            y[ix + 1] += wk * fx
    return y


def _bin_dist(x, w, lo, up, n):
    """R's C_BinDist: linear binning of x (weights w, or 1/len(x) each when None) on n points
    from lo to up, as an array of length 2n (the upper half zero, for the FFT)."""
    x = np.ascontiguousarray(x, dtype=float)
    tell_if_compiling(_linear_binning, "density binning kernel", "a few seconds")
    if w is None:
        return _linear_binning(x, np.empty(0), 1.0 / len(x), lo, (up - lo) / (n - 1), n)
    return _linear_binning(x, np.ascontiguousarray(w, dtype=float), 0.0, lo, (up - lo) / (n - 1), n)


def _binned_density(y_binned, lo, up, n, bw, from_, to, n_user):
    """The FFT step of R's density.default (R ≤ 4.3 coordinates) from binned masses."""
    kords = np.linspace(0, 2 * (up - lo), 2 * n)
    kords[n + 1:] = -kords[n - 1:0:-1]
    kords = np.exp(-0.5 * (kords / bw) ** 2) / (bw * math.sqrt(2 * math.pi))
    conv = np.fft.ifft(np.fft.fft(y_binned) * np.conj(np.fft.fft(kords))).real[:n]
    conv = np.maximum(conv, 0.0)
    xords = np.linspace(lo, up, n)
    x = np.linspace(from_, to, n_user)
    return x, np.interp(x, xords, conv)


def r_density(x, weights=None, bw=1.0, n=512, from_=None, to=None, cut=3.0):
    """R's ``stats::density`` (Gaussian kernel) on data ``x``: (grid, density)."""
    x = np.asarray(x, dtype=float)
    n_user = int(math.ceil(n))
    nn = max(n_user, 512)
    if nn > 512:
        nn = 2 ** int(math.ceil(math.log2(nn)))
    from_ = float(x.min() - cut * bw) if from_ is None else from_
    to = float(x.max() + cut * bw) if to is None else to
    lo, up = from_ - 4 * bw, to + 4 * bw
    y = _bin_dist(x, weights, lo, up, nn)
    return _binned_density(y, lo, up, nn, bw, from_, to, n_user)


# ---------------------------------------------------------------- distances -----------------
def _xy(lon_or_x: np.ndarray, lat_or_y: np.ndarray, geographic: bool) -> np.ndarray:
    if not geographic:
        return np.c_[lon_or_x, lat_or_y]
    lon, lat = np.radians(lon_or_x), np.radians(lat_or_y)
    return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]


def _chord_to_km(d: np.ndarray) -> np.ndarray:
    """Great-circle km from the chord length between unit vectors."""
    return 2 * EARTH_KM * np.arcsin(np.clip(d / 2, 0, 1))


def pair_distances(a: np.ndarray, b: np.ndarray | None, geographic: bool) -> np.ndarray:
    """Condensed pair distances within ``a`` (i < j), or all a × b pairs."""
    d = pdist(a) if b is None else cdist(a, b).ravel()
    return _chord_to_km(d) if geographic else d


@numba.njit(parallel=True, cache=True)
def _pair_histogram_chunks(x1, y1, w1, x2, y2, w2, within, step, nbins, weighted,
                           chunks):  # pragma: no cover - compiled
    """Counts (row 0) and weights w_i·w_j (row 1) of the pair distances in bins of ``step``
    (the last bin: all beyond), over the pairs i < j of one set (``within``) or all of 1 × 2.
    Rows go to ``chunks`` interleaved chunks (i = c, c + chunks, …) so that the triangle's work
    is shared evenly, each with its own histogram (no thread ids: the kernel can be cached).
    A row's bins are made first in a loop the compiler vectorises (distance, bin, clamp), then
    counted: 2.5× the pairs per CPU-second of doing both per pair (benchmarks/bench_pair_kernel.py)."""
    n, m = x1.shape[0], x2.shape[0]
    local = np.zeros((chunks, 2, nbins + 1))
    per_step = 1.0 / step
    for c in numba.prange(chunks):
        bins = np.empty(m, dtype=np.int64)
        for i in range(c, n, chunks):
            j0 = i + 1 if within else 0
            xi, yi, length = x1[i], y1[i], m - j0
            for j in range(length):
                k = int(math.sqrt((xi - x2[j0 + j]) ** 2 + (yi - y2[j0 + j]) ** 2) * per_step + 0.5)
                bins[j] = min(k, nbins)
            for j in range(length):
                local[c, 0, bins[j]] += 1.0
            if weighted:
                wi = w1[i]
                for j in range(length):
                    local[c, 1, bins[j]] += wi * w2[j0 + j]
    return local.sum(axis=0)


def _pair_histogram(x1, y1, w1, x2, y2, w2, within, step, nbins, weighted):
    tell_if_compiling(_pair_histogram_chunks, "pair-distance kernel of the K-density", "half a minute")
    return _pair_histogram_chunks(x1, y1, w1, x2, y2, w2, within, step, nbins, weighted,
                                  4 * numba.get_num_threads())


# ---------------------------------------------------------------- the estimator -------------
def _kd_exact(a, b, geographic, pair_weights, rmax, adjust, bw=None):
    """dbmss Kdhat (Approximate = 0) of the pairs within the sites ``a`` (``b`` None) or between
    ``a`` and ``b``, with pair weights (pdist's order) or none: grid, Kd, bw, pairs —
    ``_kd_by_composition`` of ``pair_distances`` computed in a few passes (the same numbers)."""
    tell_if_compiling(_distances_and_stats, "K-density kernels", "a few seconds")
    cap = 2.0 * rmax
    within = b is None
    size = len(a) * (len(a) - 1) // 2 if within else len(a) * len(b)
    d = _scratch("distances", size)
    d_max, n, var, counts = _distances_and_stats(np.ascontiguousarray(a, dtype=float),
                                                 np.ascontiguousarray(a if within else b, dtype=float),
                                                 within, geographic, EARTH_KM, cap, SELECTION_BINS, d)
    w = np.empty(0) if pair_weights is None else np.ascontiguousarray(pair_weights, dtype=float)
    if bw is None:
        if n < 2:
            raise ValueError("need at least two distances for a bandwidth")
        bw = _nrd0(d, cap, n, var, counts) * adjust
    return _kd_density(d, w, d_max, rmax, bw) + (len(d),)


_SCRATCH = threading.local()


def _scratch(name: str, size: int) -> np.ndarray:
    """A buffer of ``size`` floats of this thread's, reused from call to call: an envelope's
    simulations would otherwise each touch fresh megabytes (page faults cost as much as the
    arithmetic)."""
    buf = getattr(_SCRATCH, name, None)
    if buf is None or len(buf) < size:
        buf = np.empty(max(size, 1))
        setattr(_SCRATCH, name, buf)
    return buf[:size]


def _kd_from_distances(dist, weights, rmax, adjust, bw=None):
    """The estimator from given pair distances (and pair weights): grid, Kd, bw."""
    dist = np.ascontiguousarray(dist, dtype=float)
    w = np.empty(0) if weights is None else np.ascontiguousarray(weights, dtype=float)
    if bw is None:
        bw = _bw_nrd0_within(dist, 2.0 * rmax) * adjust
    return _kd_density(dist, w, float(dist.max()), rmax, bw)


def _kd_density(d, w, d_max, rmax, bw):
    """Kd on its grid from the distances ``d`` (weights ``w`` or none) with bandwidth ``bw``:
    the density of d reflected at 0 on [0, rmax], divided by the mass the reflection keeps
    (dbmss: density on the negative side, from R's density with 512 points)."""
    refl = 4.0 * bw
    n_density = min(max(512.0, d_max / rmax * 128), 4096.0)
    n1 = _grid_points(n_density)
    lo1, up1 = -4 * bw, rmax + 4 * bw
    # the edge grid reaches 4·bw, so the distances binned on it lie below 4·bw plus one of its
    # steps, which is at most 15·bw/511 (its span is at most 15·bw)
    near_v, near_w = _scratch("near", len(d)), _scratch("near_weights", len(d))
    y1, m, total = _bin_curve(d, w, refl, lo1, (up1 - lo1) / (n1 - 1), n1, refl + 15 * bw / 511, near_v, near_w)
    near_v, near_w = near_v[:m], near_w[:m]
    reflected = near_v <= refl
    n_refl = int(reflected.sum())
    d_min = -float(near_v[reflected].max()) if n_refl else float(d.min())
    lo2, up2 = d_min - 7 * bw, 4 * bw
    y2 = _bin_edge(near_v, near_w, refl, lo2, (up2 - lo2) / 511, 512)
    scale = 1.0 / total
    x, y = _binned_density(y1 * scale, lo1, up1, n1, bw, 0.0, rmax, int(math.ceil(n_density)))
    xm, ym = _binned_density(y2 * scale, lo2, up2, 512, bw, d_min - 3 * bw, 0.0, 512)
    y = y / (1 - ym.mean() * (xm[-1] - xm[0]))
    return x, y, bw


def _kd_by_composition(dist, weights, rmax, adjust, bw=None):
    """The same estimator written as dbmss composes it from R's bw.nrd0 and density on the
    distances and their reflections at 0 — the reference the single-pass path is tested against."""
    if bw is None:
        bw = bw_nrd0(dist[dist <= rmax * 2]) * adjust
    refl = dist <= 4 * bw
    d_all = np.concatenate([dist, -dist[refl]])
    if weights is None:
        w_all = None
    else:
        w_all = np.concatenate([weights, weights[refl]])
        w_all = w_all / w_all.sum()
    n_density = min(max(512.0, d_all.max() / rmax * 128), 4096.0)
    x, y = r_density(d_all, w_all, bw, n_density, 0.0, rmax)
    xm, ym = r_density(d_all, w_all, bw, 512, None, 0.0)
    y = y / (1 - ym.mean() * (xm[-1] - xm[0]))
    return x, y, bw


def _grid_points(n: float) -> int:
    """The FFT grid R's density uses for ``n`` output points: at least 512, a power of two."""
    nn = max(int(math.ceil(n)), 512)
    return 2 ** int(math.ceil(math.log2(nn))) if nn > 512 else nn


SELECTION_BINS = 4096


@numba.njit(nogil=True, cache=True)
def _within_stats(d, cap, nbins):  # pragma: no cover - compiled
    """Over the distances ≤ cap: their count, variance, and a count of them in ``nbins`` equal
    bins of [0, cap] (for exact selection of order statistics)."""
    counts = np.zeros(nbins, dtype=np.int64)
    n, s1, s2, shift = 0, 0.0, 0.0, 0.5 * cap
    for k in range(d.shape[0]):
        v = d[k]
        if v <= cap:
            n += 1
            t = v - shift  # shifted sums: no cancellation for distances in [0, cap]
            s1 += t
            s2 += t * t
            counts[min(int(v * (nbins / cap)), nbins - 1)] += 1
    return n, (s2 - s1 * s1 / n) / (n - 1) if n > 1 else 0.0, counts


@numba.njit(nogil=True, cache=True)
def _distances_and_stats(p, q, within, geographic, earth_km, cap, nbins, d):  # pragma: no cover - compiled
    """Pair distances within ``p`` (i < j, pdist's order) or of ``p`` × ``q`` (cdist's order)
    into ``d``, Euclidean or, from unit vectors, great-circle km; with their largest value and
    what ``_within_stats`` gives. Each row of distances is made in a tight loop (vectorised),
    then read for the statistics while it is in cache."""
    n, m, dims = p.shape[0], q.shape[0], p.shape[1]
    qx, qy = q[:, 0].copy(), q[:, 1].copy()
    qz = q[:, 2].copy() if dims > 2 else np.zeros(m)
    counts = np.zeros(nbins, dtype=np.int64)
    cnt, s1, s2, shift, d_max = 0, 0.0, 0.0, 0.5 * cap, -np.inf
    to_bin = nbins / cap
    k = 0
    for i in range(n):
        j0 = i + 1 if within else 0
        px, py, pz = p[i, 0], p[i, 1], p[i, 2] if dims > 2 else 0.0
        row = d[k:k + m - j0]
        if dims > 2:
            for j in range(j0, m):
                row[j - j0] = math.sqrt((px - qx[j]) ** 2 + (py - qy[j]) ** 2 + (pz - qz[j]) ** 2)
        else:
            for j in range(j0, m):
                row[j - j0] = math.sqrt((px - qx[j]) ** 2 + (py - qy[j]) ** 2)
        if geographic:
            for j in range(row.shape[0]):
                row[j] = 2.0 * earth_km * math.asin(min(max(row[j] / 2.0, 0.0), 1.0))
        for j in range(row.shape[0]):
            v = row[j]
            if v > d_max:
                d_max = v
            if v <= cap:
                cnt += 1
                t = v - shift  # shifted sums: no cancellation for distances in [0, cap]
                s1 += t
                s2 += t * t
                counts[min(int(v * to_bin), nbins - 1)] += 1
        k += m - j0
    var = (s2 - s1 * s1 / cnt) / (cnt - 1) if cnt > 1 else 0.0
    return d_max, cnt, var, counts


@numba.njit(nogil=True, cache=True)
def _values_in_bins(d, cap, nbins, wanted, size):  # pragma: no cover - compiled
    """The distances ≤ cap that fall in the ``wanted`` bins (as ``_within_stats`` bins them;
    ``size``: how many there are), with their bins."""
    values, bins = np.empty(size), np.empty(size, dtype=np.int64)
    m = 0
    for k in range(d.shape[0]):
        v = d[k]
        if v <= cap:
            b = min(int(v * (nbins / cap)), nbins - 1)
            if wanted[b]:
                values[m], bins[m] = v, b
                m += 1
    return values[:m], bins[:m]


def _order_statistics(d, cap, counts, ranks):
    """The values of the given 0-based ranks among the distances ≤ cap, exactly: only the few
    bins that hold those ranks are read and sorted, not the whole array."""
    ends = np.cumsum(counts)
    at = np.searchsorted(ends, np.asarray(ranks), side="right")
    wanted = np.zeros(len(counts), dtype=np.bool_)
    wanted[at] = True
    values, bins = _values_in_bins(d, cap, len(counts), wanted, int(counts[wanted].sum()))
    out = []
    for r, b in zip(ranks, at):
        before = int(ends[b - 1]) if b else 0
        out.append(float(np.sort(values[bins == b])[r - before]))
    return out


def _bw_nrd0_within(d: np.ndarray, cap: float) -> float:
    """``bw_nrd0`` of the distances ≤ cap, in one pass and an exact selection."""
    tell_if_compiling(_within_stats, "K-density kernels", "a few seconds")
    n, var, counts = _within_stats(d, cap, SELECTION_BINS)
    if n < 2:
        raise ValueError("need at least two distances for a bandwidth")
    return _nrd0(d, cap, n, var, counts)


def _nrd0(d, cap, n, var, counts) -> float:
    """R's bw.nrd0 of the ``n`` distances ≤ cap, from their variance and selection counts:
    0.9 · min(sd, IQR/1.34) · n^-1/5, the quartiles by R's quantile type 7."""
    hi = math.sqrt(max(var, 0.0))
    h25, h75 = 0.25 * (n - 1), 0.75 * (n - 1)
    j25, j75 = int(math.floor(h25)), int(math.floor(h75))
    ranks = sorted({j25, min(j25 + 1, n - 1), j75, min(j75 + 1, n - 1)})
    v = dict(zip(ranks, _order_statistics(d, cap, counts, ranks)))
    q25 = v[j25] + (h25 - j25) * (v[min(j25 + 1, n - 1)] - v[j25])
    q75 = v[j75] + (h75 - j75) * (v[min(j75 + 1, n - 1)] - v[j75])
    lo = min(hi, (q75 - q25) / 1.34)
    if not lo:
        lo = hi or abs(float(d[d <= cap][0])) or 1.0
    return 0.9 * lo * n ** -0.2


@numba.njit(nogil=True, cache=True, inline="always")
def _bin_one(y, v, wk, lo, per_step, n):  # pragma: no cover - compiled
    """C_BinDist's step for one value: its weight split between the two grid points around it
    (``per_step``: 1 / the grid step; a product where R divides, equal to rounding)."""
    pos = (v - lo) * per_step
    if pos < -1.0 or pos >= n:
        return
    ix = int(pos + 1.0) - 1  # floor: pos + 1 ≥ 0 here, where truncation is floor
    fx = pos - ix
    if ix >= 0:
        y[ix] += wk * (1 - fx)
    if ix <= n - 2:
        y[ix + 1] += wk * fx


@numba.njit(nogil=True, cache=True)
def _bin_curve(d, w, refl, lo, delta, n, near, near_v, near_w):  # pragma: no cover - compiled
    """R's linear binning (C_BinDist, unit weights or ``w``) of the distances and, for those ≤
    refl, their reflections −d, on the curve's grid (lo < 0, so every distance lies above its
    start); the distances ≤ ``near`` (and their weights) into ``near_v``/``near_w`` for the edge
    grid; returns the binned masses, how many are near and the total weight of distances and
    reflections. A distance beyond the grid — about half of them — adds a weight of zero to a
    spare cell instead of taking a branch that cannot be predicted."""
    y = np.zeros(2 * n + 2)
    weighted = w.shape[0] > 0
    m, total, per_step = 0, 0.0, 1.0 / delta
    for k in range(d.shape[0]):
        v = d[k]
        wk = w[k] if weighted else 1.0
        total += wk
        pos = (v - lo) * per_step
        ix = min(int(pos), n)  # pos > 0: truncation is floor
        fx = pos - ix
        wi = wk if pos < n else 0.0
        y[ix] += wi * (1 - fx)
        y[ix + 1] += wi * fx  # at ix = n − 1 this is the cell R leaves out: cleared below
        if v <= near:
            near_v[m], near_w[m] = v, wk
            m += 1
            if v <= refl:
                _bin_one(y, -v, wk, lo, per_step, n)
                total += wk
    y[n] = 0.0
    y[n + 1] = 0.0
    return y[:2 * n], m, total


@numba.njit(nogil=True, cache=True)
def _bin_edge(v, w, refl, lo, delta, n):  # pragma: no cover - compiled
    """The same binning on the edge grid, of the distances near 0 and the reflections of those
    ≤ refl (the others lie beyond the grid)."""
    y = np.zeros(2 * n)
    per_step = 1.0 / delta
    for k in range(v.shape[0]):
        _bin_one(y, v[k], w[k], lo, per_step, n)
        if v[k] <= refl:
            _bin_one(y, -v[k], w[k], lo, per_step, n)
    return y


def _kd_from_histogram(hist, step, rmax, adjust, bw=None, mass=None):
    """The binned mode: the same estimator from a histogram of pair counts (bin centres k·step;
    the last bin holds the pairs beyond 2·rmax). ``mass``: the pair weights per bin when weighted
    — the bandwidth, as in dbmss, is always that of the unweighted distances."""
    centres = np.arange(len(hist) - 1) * step
    counts = hist[:-1]
    keep = counts > 0
    if bw is None:  # bw.nrd0 on the binned distances (weighted by counts) up to 2·rmax
        c, m = centres[keep], counts[keep]
        within = c <= 2 * rmax
        c, m = c[within], m[within]
        total = m.sum()
        mean = (c * m).sum() / total
        sd = math.sqrt(((c - mean) ** 2 * m).sum() / (total - 1))
        cdf = np.cumsum(m) / total
        q25, q75 = np.interp([0.25, 0.75], cdf, c)
        lo = min(sd, (q75 - q25) / 1.34) or sd
        bw = 0.9 * lo * total ** -0.2 * adjust
    mass = hist if mass is None else mass
    far = mass[-1]
    refl = keep & (centres <= 4 * bw)
    d_all = np.concatenate([centres[keep], -centres[refl], [2 * rmax + 4 * bw]])
    w_all = np.concatenate([mass[:-1][keep], mass[:-1][refl], [far]])
    w_all = w_all / w_all.sum()
    x, y = r_density(d_all, w_all, bw, 512, 0.0, rmax)
    xm, ym = r_density(d_all, w_all, bw, 512, None, 0.0)
    return x, y / (1 - ym.mean() * (xm[-1] - xm[0])), bw


@dataclass(frozen=True)
class DistanceCurve:
    """A distance-based curve (``measure`` 'Kd' or 'M') of one industry, or of a pair, with
    its envelopes when simulated: ``observed`` at the distances ``r`` (in ``unit``); with
    ``n_sim`` > 0 the simulations' mean, the local band, the global band (``global_level``: the
    pointwise quantile level it takes), Γ (localisation) and Ψ (dispersion)."""

    measure: str
    r: np.ndarray
    observed: np.ndarray
    bandwidth: float  # NaN for M
    n_pairs: int  # pairs of firms (Kd); reference firms (M)
    industry: object = None
    other: object = None
    unit: str = ""
    rmax: float = float("nan")
    mode: str = "exact"
    n_sim: int = 0
    alpha: float = 0.05
    sim_mean: np.ndarray | None = None
    local_lo: np.ndarray | None = None
    local_hi: np.ndarray | None = None
    global_lo: np.ndarray | None = None
    global_hi: np.ndarray | None = None
    global_level: float | None = None
    gamma: float | None = None  # localisation index Γ
    psi: float | None = None  # dispersion index Ψ
    simulations: np.ndarray | None = None  # (n_sim, len(r)), with keep_simulations
    @property
    def localised(self) -> bool | None:
        return None if self.gamma is None else self.gamma > 0

    def to_frame(self) -> pd.DataFrame:
        """r, observed and, when simulated, sim_mean and the bands, one row per distance."""
        cols = {"r": self.r, "observed": self.observed}
        for name in ("sim_mean", "local_lo", "local_hi", "global_lo", "global_hi"):
            v = getattr(self, name)
            if v is not None:
                cols[name] = v
        return pd.DataFrame(cols)


def global_envelope(sims: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, float]:
    """(lower, upper, q): DO 2005's global band of simulated curves (rows of ``sims``).

    The band takes the same pointwise quantile level at every distance, [Q_q(r), Q_1−q(r)]
    (linear interpolation between order statistics), with q the largest level at which at most
    a share α of the curves leave it anywhere (Duranton & Overman 2005, section 4.2). Narrowing
    the band only adds curves that leave it, so q is found by bisection; at q = 0 the band is
    the simulations' full range, which none leaves. dbmss's ``GlobalEnvelope`` reaches a band of
    the same coverage by dropping the curves that make the extremes until 1 − α remain."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    ordered = np.sort(sims, axis=0)
    n = len(ordered)

    def band(q):
        pos = q * (n - 1)
        k = int(math.floor(pos))
        f = pos - k
        lo = ordered[k] + f * (ordered[min(k + 1, n - 1)] - ordered[k])
        hi = ordered[n - 1 - k] - f * (ordered[n - 1 - k] - ordered[max(n - 2 - k, 0)])
        return lo, hi

    def leaving(q):
        lo, hi = band(q)
        return ((sims > hi) | (sims < lo)).any(axis=1).mean()

    good, bad = 0.0, 0.5
    for _ in range(60):
        mid = (good + bad) / 2
        if leaving(mid) <= alpha:
            good = mid
        else:
            bad = mid
    lo, hi = band(good)
    return lo, hi, good


def envelopes(observed: np.ndarray, r: np.ndarray, sims: np.ndarray, alpha: float) -> dict:
    """The envelope fields of a :class:`DistanceCurve` from its simulated curves: mean, local
    band, global band, Γ = Σ max(obs − upper, 0) Δr and Ψ (only where Γ = 0), DO 2005 eq. 5–6."""
    lo, hi, level = global_envelope(sims, alpha)
    # np.gradient gives the step also on uneven grids (M's); distances where a curve is
    # undefined (M at r = 0) add nothing
    dr = np.gradient(r)
    gamma = float(np.nansum(np.maximum(observed - hi, 0) * dr))
    psi = 0.0 if gamma > 0 else float(np.nansum(np.maximum(lo - observed, 0) * dr))
    return dict(n_sim=len(sims), alpha=alpha, sim_mean=sims.mean(axis=0),
                local_lo=np.quantile(sims, alpha / 2, axis=0),
                local_hi=np.quantile(sims, 1 - alpha / 2, axis=0),
                global_lo=lo, global_hi=hi, global_level=level, gamma=gamma, psi=psi)


def _rmax(points: np.ndarray, geographic: bool, max_range, window) -> float:
    if isinstance(max_range, (int, float)):
        return float(max_range)
    if max_range == "median":  # of the pair distances; on a fixed sample of 20,000 firms beyond that
        if len(points) > 20_000:
            points = points[np.random.default_rng(0).choice(len(points), 20_000, replace=False)]
        return float(np.median(pair_distances(points, None, geographic)))
    if window is None:
        lo, hi = points.min(axis=0), points.max(axis=0)
        diameter = float(np.hypot(*(hi - lo)[:2])) if not geographic else \
            float(_chord_to_km(np.linalg.norm(points.max(axis=0) - points.min(axis=0))))
    else:
        x0, x1, y0, y1 = window
        diameter = float(np.hypot(x1 - x0, y1 - y0))
    return {"half_window": diameter / 2, "third_window": diameter / 3,
            "quarter_window": diameter / 4}[max_range]


def kdensity(data: pd.DataFrame, *, of, industry: str = "industry", x: str = "lon", y: str = "lat",
             weight: str | None = None, other=None, geographic: bool | None = None,
             max_range="median", window=None, adjust: float = 1.0, bandwidth: float | None = None,
             mode: str = "exact", n_sim: int = 0, seed: int | None = None,
             alpha: float = 0.05, keep_simulations: bool = False) -> DistanceCurve:
    """Kd of the firms of industry ``of`` (rows where data[industry] == of) among all firms.

    ``x``/``y``: lon/lat in degrees (great-circle km) or projected coordinates (``geographic``
    False; default: True when the columns are named lon/lat). ``max_range``: 'median' (DO 2005),
    'half_window', 'third_window', 'quarter_window' (dbmss MaxRange; ``window`` = (xmin, xmax,
    ymin, ymax) or the points' extent) or a number. ``other``: a second industry, for the
    co-localisation of the two. ``n_sim`` > 0 adds the envelopes, Γ and Ψ (and, with
    ``keep_simulations``, the simulated curves themselves).
    """
    n_sim = check_n_sim(n_sim, "kdensity")
    d = prepare(data, "kdensity", numeric=("x", "y"), nonnegative=("weight",), canonical=True,
                industry=industry, x=x, y=y, weight=weight)
    return _kdensity(d, industry, of, x, y, weight, other, geographic, max_range, window, adjust,
                     bandwidth, mode, n_sim, seed, alpha, keep_simulations)


def _kdensity(data, industry, of, x, y, weight, other, geographic, max_range, window, adjust,
              bandwidth, mode, n_sim, seed, alpha, keep_simulations=False) -> DistanceCurve:
    """``kdensity`` on rows already prepared (checked and in canonical order)."""
    if mode not in ("exact", "binned"):
        raise ValueError("kdensity: mode must be exact or binned")
    geographic = (x, y) == ("lon", "lat") if geographic is None else geographic
    if mode == "binned" and geographic:
        raise ValueError("kdensity: binned mode works on projected x/y; project lon/lat first (e.g. to km)")
    pts_all = _xy(data[x].to_numpy(float), data[y].to_numpy(float), geographic)
    w_all = data[weight].to_numpy(float) if weight else np.ones(len(data))
    is_ref = (data[industry] == of).to_numpy()
    is_other = (data[industry] == other).to_numpy() if other is not None else None
    if is_ref.sum() < 2:
        raise ValueError(f"kdensity: industry {of!r} has fewer than two firms with sites")
    rmax = _rmax(pts_all[is_ref] if other is None else pts_all[is_ref | is_other], geographic, max_range, window)

    def estimate(ref_mask, other_mask, bw=None, w_ref=None, w_other=None):
        """Kd of the firms at the sites ``ref_mask`` (and ``other_mask``): masks or indices;
        their weights are the sites' own unless given."""
        a = pts_all[ref_mask]
        wa = w_all[ref_mask] if w_ref is None else w_ref
        if mode == "exact":
            if other_mask is None:
                b, pw = None, (_pair_weights(wa) if weight else None)
            else:
                b = pts_all[other_mask]
                wb = w_all[other_mask] if w_other is None else w_other
                pw = np.outer(wa, wb).ravel() if weight else None
            return _kd_exact(a, b, geographic, pw, rmax, adjust, bw)
        step = rmax / 1024.0
        nbins = 2048
        if other_mask is None:
            b, wb = a, wa
        else:
            b, wb = pts_all[other_mask], (w_all[other_mask] if w_other is None else w_other)
        hist = _pair_histogram(a[:, 0].copy(), a[:, 1].copy(), wa.copy(), b[:, 0].copy(), b[:, 1].copy(),
                               wb.copy(), other_mask is None, step, nbins, weight is not None)
        mass = hist[1] if weight else None
        return _kd_from_histogram(hist[0], step, rmax, adjust, bw, mass) + (int(hist[0].sum()),)

    r, kd, bw, npairs = estimate(is_ref, is_other, bandwidth)
    res = DistanceCurve("Kd", r, kd, bw, npairs, industry=of, other=other,
                        unit="km" if geographic else "", rmax=rmax, mode=mode, alpha=alpha)
    if not n_sim:
        return res
    rng = np.random.default_rng(seed)
    n_ref = int(is_ref.sum())
    n_oth = int(is_other.sum()) if is_other is not None else 0
    # the draws are made here, in order, so a seed gives the same bands however many threads
    # run the simulations; a draw without replacement costs O(drawn), not O(all firms):
    # national runs draw a few thousand sites from a million
    perms = [rng.choice(len(pts_all), n_ref + n_oth, replace=False) for _ in range(n_sim)]
    w_ref, w_oth = w_all[is_ref], (w_all[is_other] if is_other is not None else None)

    def simulate(perm):
        # the firms move with their weights to randomly drawn sites (dbmss RandomLocation)
        oth_s = perm[n_ref:] if is_other is not None else None
        rs, ks, _, _ = estimate(perm[:n_ref], oth_s, bandwidth, w_ref, w_oth)
        return np.interp(r, rs, ks)

    if mode == "exact":  # distances, sorting and binning release the GIL: one thread per core
        with ThreadPoolExecutor(max_workers=numba.get_num_threads()) as pool:
            sims = np.array(list(pool.map(simulate, perms)))
    else:  # the binned kernel is parallel itself
        sims = np.array([simulate(p) for p in perms])
    return replace(res, **envelopes(kd, r, sims, alpha), simulations=sims if keep_simulations else None)


def _pair_weights(w: np.ndarray) -> np.ndarray:
    """w_i·w_j for i < j in pdist's order."""
    i, j = np.triu_indices(len(w), k=1)
    return w[i] * w[j]


KD_COLUMNS = ("n_firms", "bandwidth")
KD_INFERENCE = ("gamma", "psi", "localised")


def _industry_row(data: pd.DataFrame, task: tuple) -> dict:
    industry, of, n_firms, kwargs = task
    res = _kdensity(data, industry, of, **kwargs)
    row = {industry: of, "n_firms": n_firms, "bandwidth": res.bandwidth}
    if res.n_sim:
        row.update(gamma=res.gamma, psi=res.psi, localised=res.localised)
    return row


def kdensity_all(data: pd.DataFrame, *, industry: str = "industry", industries=None,
                 min_firms: int = 10, x: str = "lon", y: str = "lat", weight: str | None = None,
                 geographic: bool | None = None, max_range="median", window=None,
                 adjust: float = 1.0, mode: str = "exact", n_sim: int = 0, seed: int | None = None,
                 alpha: float = 0.05, engine: str = "local", client=None,
                 progress: bool = False) -> pd.DataFrame:
    """Kd for every industry with at least ``min_firms`` firms: one row per industry with
    n_firms and bandwidth and, with ``n_sim`` > 0, Γ, Ψ and whether localised.
    ``engine='local'`` runs in this process; ``engine='dask'`` maps the industries over a
    dask.distributed ``client`` (the firms are sent to every worker once). Each industry's
    simulations use ``seed``, so both engines give the same table. ``progress``: a progress bar."""
    from clusteratlas.engines import run_tasks

    n_sim = check_n_sim(n_sim, "kdensity_all")
    d = prepare(data, "kdensity_all", numeric=("x", "y"), nonnegative=("weight",), canonical=True,
                industry=industry, x=x, y=y, weight=weight)
    counts = d[industry].value_counts()
    todo = [i for i in (industries if industries is not None else counts.index) if counts.get(i, 0) >= min_firms]
    kwargs = dict(x=x, y=y, weight=weight, other=None, geographic=geographic, max_range=max_range,
                  window=window, adjust=adjust, bandwidth=None, mode=mode, n_sim=n_sim, seed=seed,
                  alpha=alpha)
    tasks = [(industry, i, int(counts[i]), kwargs) for i in todo]
    rows = run_tasks(_industry_row, tasks, d, engine=engine, client=client, progress=progress,
                     description="K-density by industry")
    return pd.DataFrame(rows, columns=[industry, *KD_COLUMNS, *(KD_INFERENCE if n_sim else ())])
