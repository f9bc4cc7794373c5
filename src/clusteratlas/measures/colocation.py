"""The co-location index of Howard, Newman & Tarp (2016): of all pairs of firms, one from each of
two industries, the share that sit in the same area — computed from firm counts, with no
employment, so a district office's firm list is enough.

With n_ir the firms of industry i in area r and n_i = Σ_r n_ir:

    CL_ij = Σ_r n_ir n_jr / (n_i n_j)                       (i ≠ j)
    CL_ii = Σ_r n_ir (n_ir − 1) / (n_i (n_i − 1))            (pairs of distinct firms)

Under random labelling — the firms keep their sites and the industries are shuffled among them —
any two distinct firms share an area with probability E = Σ_r N_r (N_r − 1) / (N (N − 1)), N_r the
firms in area r: ``cl_expected``. The excess co-location ``xcl`` = CL − E is HNT's XCL with the
counterfactual taken exactly instead of by bootstrap; ``n_sim`` > 0 adds the permutation test of
CL (``cl_p``, ``cl_sim_mean``, ``cl_sim_q95``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from clusteratlas.measures.tidy import check_n_sim, prepare, safe_divide


# ---------------------------------------------------------------- array maths (pure) ---------
def colocation_array(S: np.ndarray) -> np.ndarray:
    """CL (I, I) from firm counts S (areas, industries) — HNT (2016, eq. 1)."""
    n = S.sum(0)
    pairs = S.T @ S
    np.fill_diagonal(pairs, (S * (S - 1)).sum(0))
    denom = np.outer(n, n) - np.diag(n)
    return safe_divide(pairs, denom)


def expected_colocation(N_r: np.ndarray) -> float:
    """E = Σ_r N_r (N_r − 1) / (N (N − 1)): two distinct firms share an area under random labelling."""
    N = N_r.sum()
    return float((N_r * (N_r - 1)).sum() / (N * (N - 1))) if N > 1 else np.nan


# ---------------------------------------------------------------- tidy interface -------------
def colocation(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
               year: str | None = None, n_sim: int = 0, seed: int | None = None) -> pd.DataFrame:
    """HNT co-location of every pair of industries (industry_1 ≤ industry_2), one row per pair
    (and year): the firms of each (``n_1``, ``n_2``), ``cl``, ``cl_expected`` and ``xcl``; one
    row of ``data`` is one firm in area ``region``. ``n_sim`` > 0 adds the random-labelling
    test (module text)."""
    n_sim = check_n_sim(n_sim, "colocation")
    d = prepare(data, "colocation", canonical=n_sim > 0, region=region, industry=industry, year=year)
    out = []
    rng = np.random.default_rng(seed)
    for key, part in (d.groupby(year, sort=True) if year else [(None, d)]):
        r_codes, _regions = pd.factorize(part[region], sort=True)
        i_codes, industries = pd.factorize(part[industry], sort=True)
        R, I = r_codes.max() + 1, len(industries)

        def counts(labels):
            return np.bincount(r_codes * I + labels, minlength=R * I).reshape(R, I).astype(float)

        S = counts(i_codes)
        cl = colocation_array(S)
        a, b = np.triu_indices(I)
        row = {"industry_1": industries[a], "industry_2": industries[b], "n_1": S.sum(0)[a].astype(int),
               "n_2": S.sum(0)[b].astype(int), "cl": cl[a, b]}
        e = expected_colocation(S.sum(1))
        row |= {"cl_expected": np.full(len(a), e), "xcl": cl[a, b] - e}
        if n_sim:
            sims = np.stack([colocation_array(counts(rng.permutation(i_codes)))[a, b] for _ in range(n_sim)])
            obs = cl[a, b]
            with np.errstate(invalid="ignore"):
                p = (1 + (sims >= obs - 1e-12).sum(0)) / (n_sim + 1)
            undefined = np.isnan(obs)
            with warnings.catch_warnings():  # a pair undefined in every draw (an industry of one firm)
                warnings.simplefilter("ignore", RuntimeWarning)
                mean, q95 = np.nanmean(sims, 0), np.nanquantile(sims, 0.95, axis=0)
            row |= {"cl_p": np.where(undefined, np.nan, p), "cl_sim_mean": np.where(undefined, np.nan, mean),
                    "cl_sim_q95": np.where(undefined, np.nan, q95)}
        frame = pd.DataFrame(row).rename(columns={"industry_1": f"{industry}_1", "industry_2": f"{industry}_2"})
        if year:
            frame.insert(0, year, key)
        out.append(frame)
    return pd.concat(out, ignore_index=True)
