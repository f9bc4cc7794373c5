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
    is shared evenly, each with its own histogram (no thread ids: the kernel can be cached)."""
    n = x1.shape[0]
    local = np.zeros((chunks, 2, nbins + 1))
    for c in numba.prange(chunks):
        for i in range(c, n, chunks):
            for j in range(i + 1 if within else 0, x2.shape[0]):
                d = math.sqrt((x1[i] - x2[j]) ** 2 + (y1[i] - y2[j]) ** 2)
                k = int(d / step + 0.5)
                if k > nbins:
                    k = nbins
                local[c, 0, k] += 1.0
                if weighted:
                    local[c, 1, k] += w1[i] * w2[j]
    return local.sum(axis=0)


def _pair_histogram(x1, y1, w1, x2, y2, w2, within, step, nbins, weighted):
    tell_if_compiling(_pair_histogram_chunks, "pair-distance kernel of the K-density", "half a minute")
    return _pair_histogram_chunks(x1, y1, w1, x2, y2, w2, within, step, nbins, weighted,
                                  4 * numba.get_num_threads())


# ---------------------------------------------------------------- the estimator -------------
def _kd_from_distances(dist, weights, rmax, adjust, bw=None):
    """dbmss Kdhat (Approximate = 0) from pair distances (and pair weights): grid, Kd, bw."""
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
                d = pair_distances(a, None, geographic)
                pw = _pair_weights(wa) if weight else None
            else:
                b = pts_all[other_mask]
                wb = w_all[other_mask] if w_other is None else w_other
                d = pair_distances(a, b, geographic)
                pw = np.outer(wa, wb).ravel() if weight else None
            return _kd_from_distances(d, pw, rmax, adjust, bw) + (len(d),)
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
