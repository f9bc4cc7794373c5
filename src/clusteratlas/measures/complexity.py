"""Revealed comparative advantage, relatedness and economic complexity.

The methods of the Harvard Growth Lab's Atlas (Hidalgo & Hausmann 2009; Hausmann, Hidalgo et al.
2014) for regions × industries, vectorised over years, with output columns named and valued as
py-ecomplexity's ``ecomplexity`` (PyPI) so a user can switch:

- RCA (Balassa 1965) and RPOP (per-capita variant; Bahar et al.), presence M = [RCA ≥ threshold];
- proximity φ_pp' = min{P(p|p'), P(p'|p)} from co-location (Hidalgo et al. 2007, Science 317),
  or the continuous (1 + corr)/2 of RCA columns;
- relatedness density ω_cp = Σ_k M_ck φ_pk / Σ_k φ_pk, optionally over the k products nearest to
  p (each weighted by its proximity — py-ecomplexity's kNN path adds unweighted values);
- ECI and PCI by the eigenvector method: the eigenvector of the second-largest eigenvalue of
  M̃ = D⁻¹M U⁻¹Mᵀ (countries) computed through the symmetric matrix U^-½ Mᵀ D⁻¹ M U^-½, which has
  the same eigenvalues, with a partial symmetric eigensolver; the sign makes ECI correlate
  positively with diversity; PCI is standardised with ECI's mean and standard deviation;
- complexity outlook index COI_c = Σ_p ω_cp (1 − M_cp) PCI_p and outlook gain
  COG_cp = (1 − M_cp) Σ_p' (1 − M_cp') φ_pp' PCI_p' / Σ_p'' φ_p'p'' (Hausmann et al. 2014).

``convention='stata'`` standardises as Stata's ``ecomplexity`` does, with the sample standard
deviation over the location × product rows (a factor √(CP/(CP − 1)) on py-ecomplexity's
population one) and a proximity matrix with a zero diagonal (φ_pp = 0, the ``− I(Nps)`` of
ecomplexity.ado), which changes density, COI and COG; R's economiccomplexity standardises ECI
with the sample deviation over locations (√(C/(C − 1))).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse.linalg

from clusteratlas.measures.tidy import NO_YEAR, prepare, safe_divide


# ---------------------------------------------------------------- array maths (pure) ---------
def rca_array(X: np.ndarray) -> np.ndarray:
    """Balassa (1965) RCA_cp = (X_cp / X_c) / (X_p / X) for a (locations, products) matrix."""
    return safe_divide(safe_divide(X, X.sum(1, keepdims=True)), safe_divide(X.sum(0), X.sum()))


def rpop_array(X: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """RPOP_cp = (X_cp / pop_c) / (X_p / Σ pop) — per-capita presence (Bahar, Rosenow et al.)."""
    return safe_divide(safe_divide(X, pop[:, None]), safe_divide(X.sum(0), pop.sum()))


def proximity_array(M: np.ndarray, asymmetric: bool = False) -> np.ndarray:
    """φ_pp' = co-occurrence / max(ubiquity_p, ubiquity_p') (Hidalgo et al. 2007, eq. 1);
    asymmetric: P(p' | p) = co-occurrence / ubiquity_p, indexed [p, p']."""
    co = M.T @ M
    u = np.diag(co).copy()
    cond = safe_divide(co, u[None, :])  # [p, p'] = P(p | p')
    return cond.T if asymmetric else np.minimum(cond, cond.T)


def continuous_proximity_array(R: np.ndarray) -> np.ndarray:
    """(1 + corr(R_·p, R_·p')) / 2 over locations."""
    return (1.0 + np.corrcoef(R.T)) / 2.0


def density_array(M: np.ndarray, phi: np.ndarray, knn: int | None = None) -> np.ndarray:
    """ω_cp = Σ_k M_ck φ_pk / Σ_k φ_pk (Hidalgo et al. 2007, eq. 2), over all k or the knn
    products nearest to p (largest φ_pk, k ≠ p), each weighted by its proximity."""
    phi = np.nan_to_num(phi)
    if knn is None:
        return M @ safe_divide(phi, phi.sum(1, keepdims=True)).T
    P = phi.shape[0]
    if not 0 < knn < P:
        raise ValueError(f"knn must be between 1 and {P - 1}")
    off = phi.copy()
    np.fill_diagonal(off, -np.inf)
    nearest = np.argpartition(-off, knn - 1, axis=1)[:, :knn]
    W = np.zeros_like(phi)
    rows = np.arange(P)[:, None]
    W[rows, nearest] = phi[rows, nearest]
    return M @ safe_divide(W, W.sum(1, keepdims=True)).T


def eci_pci_raw(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unstandardised (kc, kp) with sign fixed: ECI correlates positively with diversity.

    kp is the eigenvector of the second-largest eigenvalue of Mpp = U⁻¹Mᵀ D⁻¹ M, found as
    U^-½ v with v that of the symmetric S = U^-½ Mᵀ D⁻¹ M U^-½ (similar to Mpp); kc = D⁻¹ M kp.
    Locations or products with no presence get NaN."""
    d, u = M.sum(1), M.sum(0)
    rows, cols = d > 0, u > 0
    Mv = M[rows][:, cols]
    dv, uv = d[rows], u[cols]
    kc_full = np.full(M.shape[0], np.nan)
    kp_full = np.full(M.shape[1], np.nan)
    P = Mv.shape[1]
    if P < 2 or Mv.shape[0] < 2:
        return kc_full, kp_full
    ihalf = 1.0 / np.sqrt(uv)
    B = (Mv / np.sqrt(dv)[:, None]) * ihalf[None, :]
    S = B.T @ B
    # S's top eigenpair is known: λ = 1 with v ∝ √u (Mpp maps the ones vector to itself).
    # Deflating it leaves the wanted eigenvector as the top one of S − v vᵀ, which a Lanczos
    # solver finds in a few dozen products; the dense solver is the fallback.
    v1 = np.sqrt(uv) / np.linalg.norm(np.sqrt(uv))
    S_defl = S - np.outer(v1, v1)
    try:
        _, vecs = scipy.sparse.linalg.eigsh(S_defl, k=1, which="LA", tol=0,
                                            v0=np.linspace(1.0, 2.0, P))
    except scipy.sparse.linalg.ArpackNoConvergence:
        _, vecs = scipy.linalg.eigh(S, subset_by_index=[P - 2, P - 2])
    kp = vecs[:, 0] * ihalf
    kc = (Mv @ kp) / dv
    sign = np.sign(np.corrcoef(dv, kc)[0, 1]) if np.std(kc) > 0 and np.std(dv) > 0 else 1.0
    kc_full[rows], kp_full[cols] = sign * kc, sign * kp
    return kc_full, kp_full


def fitness_complexity_array(M: np.ndarray, iterations: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Fitness F_c and complexity Q_p of Tacchella et al. (2012, eq. 1–2): from F = Q = 1,
    F̃_c = Σ_p M_cp Q_p and Q̃_p = 1 / Σ_c M_cp / F_c (both from the previous step), each
    divided by its mean; ``iterations`` counts the start, as R's economiccomplexity does (20:
    19 updates). Locations or products with no presence get NaN."""
    d, u = M.sum(1), M.sum(0)
    rows, cols = d > 0, u > 0
    Mv = M[rows][:, cols].astype(float)
    F, Q = np.ones(Mv.shape[0]), np.ones(Mv.shape[1])
    for _ in range(iterations - 1):
        F_new = Mv @ Q
        Q_new = 1.0 / (Mv.T @ (1.0 / F))
        F, Q = F_new / F_new.mean(), Q_new / Q_new.mean()
    F_full, Q_full = np.full(M.shape[0], np.nan), np.full(M.shape[1], np.nan)
    F_full[rows], Q_full[cols] = F, Q
    return F_full, Q_full


def outlook(M: np.ndarray, phi: np.ndarray, density: np.ndarray, kp: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """(COI_c, COG_cp) from unstandardised PCI kp (Hausmann et al. 2014, Atlas, technical box)."""
    notM = 1.0 - M
    kp0 = np.nan_to_num(kp)
    coi = (density * notM * kp0[None, :]).sum(1)
    scaled = phi * safe_divide(kp0, phi.sum(1))[:, None]
    cog = notM * (notM @ np.nan_to_num(scaled))
    return coi, cog


# ---------------------------------------------------------------- tidy interface -------------
@dataclass(frozen=True)
class _Panel:
    years: pd.Index
    locs: list[pd.Index]  # per year: the locations in that year's rows
    prods: list[pd.Index]
    X: list[np.ndarray]  # per year: (locations, products) of those rows
    year: str | None

    def nonzero(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the year's locations and products with a non-zero total."""
        return self.X[t].sum(1) != 0, self.X[t].sum(0) != 0


def _panel(data, region, industry, value, year, measure) -> _Panel:
    """One dense (locations, products) matrix per year over the labels in that year's rows,
    built with one factorisation and one bincount."""
    d = prepare(data, measure, nonnegative=("value",), region=region, industry=industry,
                value=value, year=year)
    v = d[value].to_numpy(float)
    li, lv = pd.factorize(d[region], sort=True)
    pi, pv = pd.factorize(d[industry], sort=True)
    if year is None:
        yi, yv = np.zeros(len(d), dtype=np.int64), pd.Index([NO_YEAR])
    else:
        yi, yv = pd.factorize(d[year], sort=True)
    Y, C, P = len(yv), len(lv), len(pv)
    cube = np.bincount((yi * C + li) * P + pi, weights=v, minlength=Y * C * P).reshape(Y, C, P)
    seen = np.zeros((Y, C), bool)
    seen[yi, li] = True
    seen_p = np.zeros((Y, P), bool)
    seen_p[yi, pi] = True
    locs, prods, mats = [], [], []
    for t in range(Y):
        mats.append(np.ascontiguousarray(cube[t][seen[t]][:, seen_p[t]]))
        locs.append(pd.Index(lv[seen[t]]))
        prods.append(pd.Index(pv[seen_p[t]]))
    return _Panel(pd.Index(yv), locs, prods, mats, year)


def _expand(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A (reduced locations, reduced products) array on the year's full grid, NaN elsewhere."""
    if rows.all() and cols.all():
        return values
    out = np.full((len(rows), len(cols)), np.nan)
    out[np.ix_(rows, cols)] = values
    return out


def _presence(X, presence, threshold, pop_t):
    R = rca_array(X)
    extra = {"rca": R}
    if presence == "rca":
        M = (np.nan_to_num(R) >= threshold).astype(float)
    elif presence == "rpop":
        RP = rpop_array(X, pop_t)
        extra["rpop"] = RP
        M = (np.nan_to_num(RP) >= threshold).astype(float)
    elif presence == "manual":
        M = X.astype(float)
        extra = {"rca": X.astype(float)}
    else:
        raise ValueError("complexity: presence must be 'rca', 'rpop' or 'manual'")
    return M, extra


def _population(population, region, year, y, locs):
    if population is None:
        raise ValueError("presence='rpop' needs a population frame (region, population[, year])")
    p = population if year is None else population[population[year] == y]
    s = p.set_index(region)["population"].reindex(locs)
    if s.isna().any():
        raise ValueError(f"population missing for {list(s.index[s.isna()])[:10]}")
    return s.to_numpy(float)


def _std(x, convention, repeat: int = 1):
    """Population standard deviation; under 'stata', the sample one over the long panel, in
    which each location's value is repeated once per product (Stata's ``ecomplexity`` works on
    the location × product rows): √(n·r / (n·r − 1)) times the population one."""
    sd = np.nanstd(x)
    if convention == "stata":
        n = np.isfinite(x).sum() * repeat
        sd = sd * np.sqrt(n / (n - 1))
    return sd


def complexity(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
               value: str = "value", year: str | None = None, presence: str = "rca",
               threshold: float = 1.0, population: pd.DataFrame | None = None,
               continuous: bool = False, asymmetric: bool = False, knn: int | None = None,
               convention: str = "py-ecomplexity") -> pd.DataFrame:
    """Everything of py-ecomplexity's ``ecomplexity`` in one tidy frame: one row per year ×
    region × industry with diversity, ubiquity, mcp, eci, pci, density, coi, cog and rca (and
    rpop), and beside ECI and PCI the fitness of each region and the complexity of each industry
    by Tacchella et al.'s (2012) non-linear map (``fitness``, ``fitness_complexity``). Regions and industries with a zero total in a year are left out of that year's
    computation, as py-ecomplexity does, and reported with NaN (py-ecomplexity drops their rows).
    See the module text for formulas and conventions."""
    if convention not in ("py-ecomplexity", "stata"):
        raise ValueError("complexity: convention must be 'py-ecomplexity' or 'stata'")
    panel = _panel(data, region, industry, value, year, "complexity")
    total = sum(X.size for X in panel.X)
    out, at = None, 0
    for t, y in enumerate(panel.years):
        rows, colmask = panel.nonzero(t)
        X_full, locs, prods = panel.X[t], panel.locs[t], panel.prods[t]
        X = X_full[rows][:, colmask]
        pop_t = _population(population, region, year, y, locs[rows]) if presence == "rpop" else None
        M, extra = _presence(X, presence, threshold, pop_t)
        if continuous:
            base = extra.get("rpop", extra["rca"]) if presence != "manual" else M
            phi = continuous_proximity_array(np.nan_to_num(base))
            dens_input = M if presence == "manual" else np.nan_to_num(base)
        else:
            phi = proximity_array(M, asymmetric)
            dens_input = M
            if convention == "stata":  # Stata's ecomplexity.ado sets φ_pp = 0 (− I)
                np.fill_diagonal(phi, 0.0)
        density = density_array(dens_input, phi, knn)
        kc, kp = eci_pci_raw(M)
        fit, fit_q = fitness_complexity_array(M)
        coi, cog = outlook(M, phi, density, kp)
        mu, sd = np.nanmean(kc), _std(kc, convention, X.shape[1])
        # a spread of 0 (a handful of alike regions) leaves the standardised values undefined: NaN
        with np.errstate(divide="ignore", invalid="ignore"):
            eci = (kc - mu) / sd
            pci = (kp - mu) / sd
            cog = cog / sd
            coi = (coi - coi.mean()) / _std(coi, convention, X.shape[1])
        C, P = X_full.shape
        Cr, Pr = X.shape
        grid = {"diversity": np.repeat(M.sum(1), Pr).reshape(Cr, Pr),
                "ubiquity": np.tile(M.sum(0), Cr).reshape(Cr, Pr), "mcp": M,
                "eci": np.repeat(eci, Pr).reshape(Cr, Pr), "pci": np.tile(pci, Cr).reshape(Cr, Pr),
                "density": density, "coi": np.repeat(coi, Pr).reshape(Cr, Pr), "cog": cog,
                "fitness": np.repeat(fit, Pr).reshape(Cr, Pr), "fitness_complexity": np.tile(fit_q, Cr).reshape(Cr, Pr),
                **extra}
        cols = {region: np.repeat(locs.to_numpy(), P), industry: np.tile(prods.to_numpy(), C),
                value: X_full.ravel(), **{k: _expand(v, rows, colmask).ravel() for k, v in grid.items()}}
        if year is not None:
            cols = {year: np.full(C * P, y, dtype=object if isinstance(y, str) else None), **cols}
        if out is None:  # preallocate every column once: no concatenation copies
            out = {k: np.empty(total, dtype=v.dtype) for k, v in cols.items()}
        for k, v in cols.items():
            out[k][at:at + C * P] = v
        at += C * P
    return pd.DataFrame(out, copy=False)


def rca(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
        value: str = "value", year: str | None = None, threshold: float = 1.0,
        population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Balassa RCA (and RPOP when ``population`` — region, population[, year] — is given) with
    the presence M = [RCA ≥ threshold] (or [RPOP ≥ threshold])."""
    panel = _panel(data, region, industry, value, year, "rca")
    frames = []
    for t, y in enumerate(panel.years):
        rows, colmask = panel.nonzero(t)
        X_full, locs, prods = panel.X[t], panel.locs[t], panel.prods[t]
        X = X_full[rows][:, colmask]
        presence = "rpop" if population is not None else "rca"
        pop_t = _population(population, region, year, y, locs[rows]) if population is not None else None
        M, extra = _presence(X, presence, threshold, pop_t)
        C, P = X_full.shape
        cols = {region: np.repeat(locs.to_numpy(), P), industry: np.tile(prods.to_numpy(), C),
                value: X_full.ravel(), **{k: _expand(v, rows, colmask).ravel() for k, v in extra.items()},
                "mcp": _expand(M, rows, colmask).ravel()}
        df = pd.DataFrame(cols)
        if year is not None:
            df.insert(0, year, y)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def proximity(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
              value: str = "value", year: str | None = None, threshold: float = 1.0,
              continuous: bool = False, asymmetric: bool = False) -> pd.DataFrame:
    """Proximity of every ordered pair of industries (one row per pair and year), from
    co-location of RCA ≥ threshold across regions, or continuous (1 + corr)/2."""
    panel = _panel(data, region, industry, value, year, "proximity")
    frames = []
    for t, y in enumerate(panel.years):
        rows, colmask = panel.nonzero(t)
        X, prods = panel.X[t][rows][:, colmask], panel.prods[t]
        M, extra = _presence(X, "rca", threshold, None)
        phi = continuous_proximity_array(np.nan_to_num(extra["rca"])) if continuous else \
            proximity_array(M, asymmetric)
        phi = _expand(phi, colmask, colmask)
        P = len(prods)
        df = pd.DataFrame({f"{industry}_1": np.repeat(prods.to_numpy(), P),
                           f"{industry}_2": np.tile(prods.to_numpy(), P), "proximity": phi.ravel()})
        if year is not None:
            df.insert(0, year, y)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def relatedness_density(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                        value: str = "value", year: str | None = None, threshold: float = 1.0,
                        knn: int | None = None) -> pd.DataFrame:
    """Relatedness density ω of every region × industry (Hidalgo et al. 2007), with mcp."""
    out = complexity(data, region=region, industry=industry, value=value, year=year,
                     threshold=threshold, knn=knn)
    return out[[c for c in (year, region, industry, "mcp", "density") if c is not None]]


def entry_exit(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
               value: str = "value", year: str = "year", start=None, end=None,
               threshold: float = 1.0) -> pd.DataFrame:
    """Entries into and exits from specialisation between two years (EconGeo's ``entry.list``
    and ``exit.list``, Boschma et al.'s event lists): one row per region × industry with its RCA
    in ``start`` and ``end`` (default the first and last years of the data); ``entry`` is 1 where
    the region was not specialised (RCA < ``threshold``) and is at the end, 0 where it still is
    not, NaN where it was specialised (not at risk of entering); ``exit`` the same for regions
    specialised at the start. A region with no activity in a year has no RCA and no event."""
    r = rca(data, region=region, industry=industry, value=value, year=year, threshold=threshold)
    years = sorted(r[year].unique())
    start = years[0] if start is None else start
    end = years[-1] if end is None else end
    for label, y in (("start", start), ("end", end)):
        if y not in set(years):
            raise ValueError(f"entry_exit: the {label} year {y!r} is not in the data's years {years}")
    a = r[r[year] == start].set_index([region, industry])["rca"].rename("rca_start")
    b = r[r[year] == end].set_index([region, industry])["rca"].rename("rca_end")
    out = pd.concat([a, b], axis=1).sort_index()
    # an industry absent from a year's data had nothing there: RCA 0, unless the region had nothing at all
    active_a = set(r.loc[(r[year] == start) & r["rca"].notna(), region])
    active_b = set(r.loc[(r[year] == end) & r["rca"].notna(), region])
    regions = out.index.get_level_values(0)
    out.loc[out["rca_start"].isna() & regions.isin(active_a), "rca_start"] = 0.0
    out.loc[out["rca_end"].isna() & regions.isin(active_b), "rca_end"] = 0.0
    known = out["rca_start"].notna() & out["rca_end"].notna()
    was, now = out["rca_start"] >= threshold, out["rca_end"] >= threshold
    out["entry"] = np.where(known & ~was, now.astype(float), np.nan)
    out["exit"] = np.where(known & was, (~now).astype(float), np.nan)
    return out.reset_index()
