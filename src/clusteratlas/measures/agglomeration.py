"""Agglomeration from firm-level data: Ellison–Glaeser, Maurel–Sédillot, co-agglomeration,
and the dartboard test.

A firm-level measure takes one row per firm (or plant) with its industry, region and ``value``
(its size: employment, usually), all industries (and years) at once. The aggregate
distribution x_r of activity over regions is the firms' own regional totals unless
``reference`` (region, value[, year], with the same column names) gives it — e.g. total
regional employment from the census. ``n_sim`` > 0 adds the dartboard test of the same call
(``gamma_p``, ``gamma_sim_mean``, ``gamma_sim_q95``): firms, keeping their sizes, are thrown at
regions with probabilities x_r (EG 1997's null of no spillovers and no natural advantage), and
p = (1 + #{γ_sim ≥ γ_obs}) / (n_sim + 1) (Davison & Hinkley 1997, eq. 4.11). An industry with
no firm in a year has no row for that year: there is nothing to measure.

Notation, per industry i: s_r the industry's share of size in region r, x_r the aggregate
share of region r, z_k firm k's share of the industry, H = Σ_k z_k² the plant Herfindahl,
G = Σ_r (s_r − x_r)² the raw geographic concentration.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.measures.tidy import NO_YEAR, check_columns, check_n_sim, prepare, safe_divide


# ---------------------------------------------------------------- array maths (pure) ---------
def eg_gamma(G: np.ndarray, H: np.ndarray, sum_x2: np.ndarray) -> np.ndarray:
    """γ = [G − (1 − Σx²)H] / [(1 − Σx²)(1 − H)] — Ellison & Glaeser (1997, JPE 105, eq. 5)."""
    return safe_divide(G - (1.0 - sum_x2) * H, (1.0 - sum_x2) * (1.0 - H))


def eg_variance(H: np.ndarray, sum_z4: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Var(G) under γ = 0 — Ellison & Glaeser (1997, p. 901):
    2{H²[Σx² − 2Σx³ + (Σx²)²] − Σz⁴[Σx² − 4Σx³ + 3(Σx²)²]}."""
    sx2, sx3 = (x**2).sum(-1), (x**3).sum(-1)
    return 2.0 * (H**2 * (sx2 - 2 * sx3 + sx2**2) - sum_z4 * (sx2 - 4 * sx3 + 3 * sx2**2))


def ms_gamma(s: np.ndarray, x: np.ndarray, H: np.ndarray) -> np.ndarray:
    """γ_MS = [(Σs² − Σx²)/(1 − Σx²) − H] / (1 − H) — Maurel & Sédillot (1999, Reg. Sci. Urban
    Econ. 29, eq. 9)."""
    sx2 = (x**2).sum(-1)
    G_ms = safe_divide((s**2).sum(-1) - sx2, 1.0 - sx2)
    return safe_divide(G_ms - H, 1.0 - H)


def pairwise_coagglomeration(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """γ^c_ij = Σ_r (s_ri − x_r)(s_rj − x_r) / (1 − Σ_r x_r²) — Ellison, Glaeser & Kerr (2010,
    AER 100, eq. 2), for all pairs at once: s is (industries, regions), x is (regions,)."""
    d = s - x
    return safe_divide(d @ d.T, 1.0 - (x**2).sum())


# ---------------------------------------------------------------- shaping firm data ----------
@dataclass(frozen=True)
class _Firms:
    year_codes: np.ndarray
    ind_codes: np.ndarray
    reg_codes: np.ndarray
    size: np.ndarray
    years: pd.Index
    industries: pd.Index
    regions: pd.Index
    x: np.ndarray  # (Y, R) aggregate regional shares
    year: str | None

    @property
    def group(self) -> np.ndarray:  # (year, industry) group of each firm
        return self.year_codes * len(self.industries) + self.ind_codes

    @property
    def n_groups(self) -> int:
        return len(self.years) * len(self.industries)


def _firms(data, industry, region, value, year, reference, measure, canonical=False) -> _Firms:
    d = prepare(data, measure, nonnegative=("value",), canonical=canonical, industry=industry,
                region=region, value=value, year=year)
    v = d[value].to_numpy(dtype="float64")
    if reference is not None:
        reference = prepare(reference, measure + " reference", nonnegative=("value",),
                            region=region, value=value, year=year)
    reg_labels = d[region] if reference is None else pd.concat([d[region], reference[region]])
    _, regions = pd.factorize(reg_labels, sort=True)
    regions = pd.Index(regions)
    r = regions.get_indexer(d[region])
    i, industries = pd.factorize(d[industry], sort=True)
    if year is None:
        y, years = np.zeros(len(d), dtype=np.int64), pd.Index([NO_YEAR])
    else:
        y, years = pd.factorize(d[year], sort=True)
    Y, R = len(years), len(regions)
    if reference is None:
        agg = np.bincount(y * R + r, weights=v, minlength=Y * R).reshape(Y, R)
    else:
        ry = np.zeros(len(reference), dtype=np.int64) if year is None else \
            pd.Index(years).get_indexer(reference[year])
        keep = ry >= 0
        agg = np.bincount(ry[keep] * R + regions.get_indexer(reference[region])[keep],
                          weights=reference[value].to_numpy(float)[keep], minlength=Y * R).reshape(Y, R)
    x = safe_divide(agg, agg.sum(axis=1, keepdims=True))
    return _Firms(np.asarray(y), np.asarray(i), r, v, pd.Index(years), pd.Index(industries),
                  regions, x, year)


def _shares(f: _Firms, region_codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(s[g, r], total[g]) for every (year, industry) group g."""
    R = len(f.regions)
    rc = f.reg_codes if region_codes is None else region_codes
    total = np.bincount(f.group, weights=f.size, minlength=f.n_groups)
    cells = np.bincount(f.group * R + rc, weights=f.size, minlength=f.n_groups * R)
    return safe_divide(cells.reshape(f.n_groups, R), total[:, None]), total


def _group_frame(f: _Firms, industry: str, columns: dict) -> pd.DataFrame:
    out = {}
    if f.year is not None:
        out[f.year] = np.repeat(f.years.to_numpy(), len(f.industries))
    out[industry] = np.tile(f.industries.to_numpy(), len(f.years))
    out.update(columns)
    df = pd.DataFrame(out)
    return df[df["n_firms"] > 0].reset_index(drop=True)


def _x_by_group(f: _Firms) -> np.ndarray:
    return f.x[np.repeat(np.arange(len(f.years)), len(f.industries))]


def _herfindahl(f: _Firms, total: np.ndarray) -> np.ndarray:
    return safe_divide(np.bincount(f.group, weights=f.size**2, minlength=f.n_groups), total**2)


# ---------------------------------------------------------------- the dartboard --------------
def _draw_regions(rng: np.random.Generator, f: _Firms, n: int) -> np.ndarray:
    """(n, firms) region codes, each firm thrown at regions with its year's probabilities x_r."""
    cum = np.cumsum(f.x, axis=1)
    cum[:, -1] = 1.0
    u = rng.random((n, len(f.size)))
    out = np.empty((n, len(f.size)), dtype=np.int64)
    for t in range(len(f.years)):
        m = f.year_codes == t
        out[:, m] = np.searchsorted(cum[t], u[:, m], side="right")
    return np.minimum(out, len(f.regions) - 1)


def _chunk(f: _Firms, n_sim: int) -> int:
    per = max(len(f.size), f.n_groups * len(f.regions))
    return int(max(1, min(n_sim, 2e7 // max(per, 1))))


def _simulations(f: _Firms, n_sim: int, seed, statistic) -> np.ndarray:
    """(n_sim, …) values of ``statistic(shares)`` with the firms thrown at regions (the
    dartboard), in chunks that keep the draws within a few hundred MB."""
    rng = np.random.default_rng(seed)
    sims, done = [], 0
    while done < n_sim:
        k = min(_chunk(f, n_sim), n_sim - done)
        for regions in _draw_regions(rng, f, k):
            sims.append(statistic(_shares(f, regions)[0]))
        done += k
    return np.stack(sims)


def _inference(observed: np.ndarray, sims: np.ndarray, name: str) -> dict[str, np.ndarray]:
    """``<name>_p`` (one-sided, as large as observed), ``<name>_sim_mean`` and ``_sim_q95``;
    NaN where the statistic is undefined."""
    with warnings.catch_warnings():  # a statistic undefined in every draw (H = 1)
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, q95 = np.nanmean(sims, axis=0), np.nanquantile(sims, 0.95, axis=0)
    p = (1 + (sims >= observed - 1e-12).sum(axis=0)) / (len(sims) + 1)
    undefined = np.isnan(observed)
    return {f"{name}_p": np.where(undefined, np.nan, p),
            f"{name}_sim_mean": np.where(undefined, np.nan, mean),
            f"{name}_sim_q95": np.where(undefined, np.nan, q95)}


# ---------------------------------------------------------------- tidy interface -------------
def ellison_glaeser(data: pd.DataFrame, *, industry: str = "industry", region: str = "region",
                    value: str = "value", year: str | None = None,
                    reference: pd.DataFrame | None = None, n_sim: int = 0,
                    seed: int | None = None) -> pd.DataFrame:
    """Ellison–Glaeser (1997) agglomeration index γ of every industry (× year).

    Columns: n_firms, value, G = Σ_r (s_r − x_r)², H (plant Herfindahl), gamma
    = [G − (1 − Σx²)H] / [(1 − Σx²)(1 − H)], expected_G = (1 − Σx²)H (E[G] when γ = 0), var_G
    and z = (G − E[G]) / √Var(G) (EG 1997, p. 901; REAT ``ellison.a``). γ > 0.05 is "highly
    localised" and < 0.02 "not very localised" in EG's reading. NaN where an industry has a
    single firm (H = 1) or a single region holds all activity (Σx² = 1). ``n_sim`` > 0 adds the
    dartboard test (module text): gamma_p, gamma_sim_mean (≈ 0: EG 1997, prop. 1), gamma_sim_q95.
    """
    n_sim = check_n_sim(n_sim, "ellison_glaeser")
    f = _firms(data, industry, region, value, year, reference, "ellison_glaeser", canonical=n_sim > 0)
    s, total = _shares(f)
    x = _x_by_group(f)
    H = _herfindahl(f, total)
    sum_z4 = safe_divide(np.bincount(f.group, weights=f.size**4, minlength=f.n_groups), total**4)
    sx2 = (x**2).sum(axis=1)
    G = ((s - x) ** 2).sum(axis=1)
    expected = (1.0 - sx2) * H
    var = eg_variance(H, sum_z4, x)
    gamma = eg_gamma(G, H, sx2)
    cols = {"n_firms": np.bincount(f.group, minlength=f.n_groups), value: total, "G": G, "H": H,
            "gamma": gamma, "expected_G": expected, "var_G": var,
            "z": safe_divide(G - expected, np.sqrt(np.where(var > 0, var, np.nan)))}
    if n_sim:
        sims = _simulations(f, n_sim, seed, lambda ss: eg_gamma(((ss - x) ** 2).sum(axis=1), H, sx2))
        cols.update(_inference(gamma, sims, "gamma"))
    return _group_frame(f, industry, cols)


def maurel_sedillot(data: pd.DataFrame, *, industry: str = "industry", region: str = "region",
                    value: str = "value", year: str | None = None,
                    reference: pd.DataFrame | None = None, n_sim: int = 0,
                    seed: int | None = None) -> pd.DataFrame:
    """Maurel & Sédillot (1999) index of every industry: γ_MS = [G_MS − H]/(1 − H) with
    G_MS = (Σ s_r² − Σ x_r²)/(1 − Σ x_r²) (their eq. 9): the same model as EG with a different
    estimator of the spillover; equals EG's γ in expectation. Columns n_firms, value, G_ms, H,
    gamma; ``n_sim`` > 0 adds the dartboard test (gamma_p, gamma_sim_mean, gamma_sim_q95)."""
    n_sim = check_n_sim(n_sim, "maurel_sedillot")
    f = _firms(data, industry, region, value, year, reference, "maurel_sedillot", canonical=n_sim > 0)
    s, total = _shares(f)
    x = _x_by_group(f)
    H = _herfindahl(f, total)
    sx2 = (x**2).sum(axis=1)
    G_ms = safe_divide((s**2).sum(axis=1) - sx2, 1.0 - sx2)
    gamma = ms_gamma(s, x, H)
    cols = {"n_firms": np.bincount(f.group, minlength=f.n_groups), value: total, "G_ms": G_ms,
            "H": H, "gamma": gamma}
    if n_sim:
        cols.update(_inference(gamma, _simulations(f, n_sim, seed, lambda ss: ms_gamma(ss, x, H)), "gamma"))
    return _group_frame(f, industry, cols)


def coagglomeration(data: pd.DataFrame, *, industry: str = "industry", region: str = "region",
                    value: str = "value", year: str | None = None,
                    reference: pd.DataFrame | None = None, industries=None,
                    groups: dict[str, list] | None = None, n_sim: int = 0,
                    seed: int | None = None) -> pd.DataFrame:
    """Co-agglomeration of industries.

    Without ``groups``: the pairwise index of Ellison, Glaeser & Kerr (2010, eq. 2),
    γ^c_ij = Σ_r (s_ri − x_r)(s_rj − x_r)/(1 − Σ x_r²), for every pair of ``industries`` (all
    by default), one row per pair (industry_a < industry_b).

    With ``groups`` (name → list of industries): EG (1997, eq. 10)'s group index
    γ^c = [G/(1 − Σx²) − H − Σ_j γ_j w_j²(1 − H_j)] / (1 − Σ_j w_j²), with G and H of the
    group's pooled firms, w_j industry j's share of the group and γ_j, H_j its own EG index and
    Herfindahl; one row per group.

    ``n_sim`` > 0 adds the dartboard test of γ^c: gamma_c_p, gamma_c_sim_mean, gamma_c_sim_q95.
    """
    n_sim = check_n_sim(n_sim, "coagglomeration")
    check_columns(data, "coagglomeration", industry=industry)
    if industries is not None and groups is None:
        data = data[data[industry].isin(industries)]
    f = _firms(data, industry, region, value, year, reference, "coagglomeration", canonical=n_sim > 0)
    if groups is not None:
        return _group_coagglomeration(f, industry, value, year, groups, n_sim, seed)
    s, _ = _shares(f)
    I = len(f.industries)
    a_idx, b_idx = np.triu_indices(I, k=1)

    def pairs(shares):  # (years, pairs)
        return np.stack([pairwise_coagglomeration(shares[t * I:(t + 1) * I], f.x[t])[a_idx, b_idx]
                         for t in range(len(f.years))])

    observed = pairs(s)
    cols = {"gamma_c": observed}
    if n_sim:
        cols.update(_inference(observed, _simulations(f, n_sim, seed, pairs), "gamma_c"))
    rows = []
    for t, yv in enumerate(f.years):
        df = pd.DataFrame({industry + "_a": f.industries[a_idx], industry + "_b": f.industries[b_idx],
                           **{k: v[t] for k, v in cols.items()}})
        if year is not None:
            df.insert(0, year, yv)
        rows.append(df)
    return pd.concat(rows, ignore_index=True)


def _group_gammas(s, total, H, x, groups_idx, n_ind) -> np.ndarray:
    """γ^c of each group in each year from per-(year, industry) shares s, totals and H."""
    Y = x.shape[0]
    out = np.full((Y, len(groups_idx)), np.nan)
    for t in range(Y):
        sl = slice(t * n_ind, (t + 1) * n_ind)
        st, tt, Ht, xt = s[sl], total[sl], H[sl], x[t]
        sx2 = (xt**2).sum()
        gam = eg_gamma(((st - xt) ** 2).sum(axis=1), Ht, sx2)
        for g, idx in enumerate(groups_idx):
            idx = idx[tt[idx] > 0]
            if len(idx) < 2:
                continue
            w = tt[idx] / tt[idx].sum()
            G = (((w[:, None] * st[idx]).sum(axis=0) - xt) ** 2).sum()
            Hg = (w**2 * Ht[idx]).sum()  # the pooled plants' Herfindahl
            num = G / (1.0 - sx2) - Hg - np.nansum(gam[idx] * w**2 * (1.0 - Ht[idx]))
            out[t, g] = num / (1.0 - (w**2).sum())
    return out


def _group_coagglomeration(f: _Firms, industry, value, year, groups, n_sim, seed):
    s, total = _shares(f)
    H = _herfindahl(f, total)
    idx = []
    for name, members in groups.items():
        found = f.industries.get_indexer(list(members))
        if (found < 0).all():
            raise ValueError(f"coagglomeration: group {name!r}: none of {list(members)} is in the data")
        idx.append(found[found >= 0])
    I = len(f.industries)
    gc = _group_gammas(s, total, H, f.x, idx, I)
    cols = {"gamma_c": gc}
    if n_sim:
        cols.update(_inference(gc, _simulations(
            f, n_sim, seed, lambda ss: _group_gammas(ss, total, H, f.x, idx, I)), "gamma_c"))
    rows = []
    for t, yv in enumerate(f.years):
        tt = total[t * I:(t + 1) * I]
        for g, name in enumerate(groups):
            rows.append({**({year: yv} if year else {}), "group": name,
                         "n_industries": int((tt[idx[g]] > 0).sum()),
                         value: float(tt[idx[g]].sum()), **{k: v[t, g] for k, v in cols.items()}})
    return pd.DataFrame(rows)
