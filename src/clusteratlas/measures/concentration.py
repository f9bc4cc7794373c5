"""Specialisation and concentration from region × industry aggregates.

Every public function takes tidy data — a DataFrame with one row per (region, industry[, year])
and the names of those columns plus a ``value`` column (employment, output, value added or
establishments) — and returns a tidy DataFrame, for all regions, industries and years at once.
The reference economy is the sum of the regions given unless a ``reference`` frame (industry,
value[, year]) supplies national totals. Where a denominator is zero the result is NaN: a
region with no activity has no industry shares, an industry with no activity has no regional
distribution, and the measures are undefined there rather than 0.

Notation: X[y, r, i] the value of industry i in region r; e_r = Σ_i X_ri, E_i = Σ_r X_ri,
E = Σ_i E_i.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.measures.tidy import Cube, axis_frame, cell_frame, check_columns, safe_divide, to_cube


# ---------------------------------------------------------------- array maths (pure) ---------
def industry_totals(X: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """E_i per year (Y, I): the regions' sum, or the given reference totals."""
    return X.sum(axis=1) if reference is None else reference


def lq_array(X: np.ndarray, E_i: np.ndarray, E: np.ndarray | None = None) -> np.ndarray:
    """LQ_ri = (X_ri / e_r) / (E_i / E) — Florence (1939); Isard (1960, ch. 7). ``E`` (per year):
    the reference economy's total over all its industries, where it has industries the
    regions lack; default Σ_i E_i."""
    e_r = X.sum(axis=2, keepdims=True)
    E = (E_i.sum(axis=1) if E is None else E)[:, None, None]
    return safe_divide(safe_divide(X, e_r), safe_divide(E_i[:, None, :], E))


def symmetric_lq(lq: np.ndarray) -> np.ndarray:
    """(LQ − 1)/(LQ + 1) in [−1, 1) — the symmetric transform of Dalum, Laursen & Villumsen (1998)."""
    return safe_divide(lq - 1.0, lq + 1.0)


def lorenz_gini(values: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """Twice the area between the concentration curve of ``values`` against ``weights`` and the
    diagonal, units ordered by values/weights (Krugman 1991, p. 55–56; Hoover 1936).

    0 when values are proportional to weights; approaches 1 when all of the value sits in a
    unit with a vanishing weight. Units with zero weight and zero value add nothing.
    """
    v = np.moveaxis(values, axis, -1)
    w = np.moveaxis(weights, axis, -1)
    w = np.broadcast_to(w, v.shape)
    ratio = safe_divide(v, w)
    order = np.argsort(np.where(np.isnan(ratio), np.inf, ratio), axis=-1, kind="stable")
    v, w = np.take_along_axis(v, order, -1), np.take_along_axis(w, order, -1)
    cv = safe_divide(np.cumsum(v, -1), v.sum(-1, keepdims=True))
    cw = safe_divide(np.cumsum(w, -1), w.sum(-1, keepdims=True))
    return (cv[..., 1:] * cw[..., :-1] - cv[..., :-1] * cw[..., 1:]).sum(-1)


def gini_of_values(values: np.ndarray, axis: int) -> np.ndarray:
    """Unweighted Gini of values along an axis, NaN entries left out:
    G = 2 Σ_k k (x_(k) − x̄) / (n² x̄) — the form REAT's ``gini.conc``/``gini.spec`` apply to LQs."""
    x = np.moveaxis(values, axis, -1)
    ok = ~np.isnan(x)
    n = ok.sum(-1)
    xs = np.sort(np.where(ok, x, np.inf), axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    mean = safe_divide(np.where(ok, x, 0).sum(-1), n)
    dev = np.where(np.isfinite(xs), xs - mean[..., None], 0.0)
    return safe_divide(2.0 * (k * dev).sum(-1), n**2 * mean)


# ---------------------------------------------------------------- tidy interface -------------
def _cube(data, region, industry, value, year, reference, measure) -> tuple[Cube, np.ndarray]:
    cube = to_cube(data, region, industry, value, year, measure)
    if reference is None:
        return cube, industry_totals(cube.values)
    check_columns(reference, measure + " reference", industry=industry, value=value, year=year)
    ref = to_cube(reference.assign(_r="ref"), "_r", industry, value, year, measure + " reference")
    missing = cube.industries.difference(ref.industries)
    if len(missing):
        raise ValueError(f"{measure}: reference totals lack industries {list(missing)[:10]}")
    if year is not None and len(cube.years.difference(ref.years)):
        raise ValueError(f"{measure}: reference totals lack years {list(cube.years.difference(ref.years))}")
    rows = ref.years.get_indexer(cube.years)
    E_i = ref.values[:, 0, :][np.ix_(rows, ref.industries.get_indexer(cube.industries))]
    return cube, E_i


def _reference_total(data, industry, value, year, reference, measure) -> np.ndarray | None:
    """The reference's total over all its industries, per year of the data (None without one)."""
    if reference is None:
        return None
    ref = to_cube(reference.assign(_r="ref"), "_r", industry, value, year, measure + " reference")
    years = to_cube(data.assign(_r="x"), "_r", industry, value, year, measure).years
    return ref.values[:, 0, :].sum(axis=1)[ref.years.get_indexer(years)]


def location_quotient(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                      value: str = "value", year: str | None = None,
                      reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Location quotients of every region × industry (× year).

    Columns: ``value``; ``lq`` = (e_ri/e_r)/(E_i/E) (Florence 1939; Isard 1960);
    ``lq_additive`` = e_ri/e_r − E_i/E, the difference of the two shares the LQ divides (> 0
    exactly where LQ > 1); ``lq_symmetric`` = (LQ − 1)/(LQ + 1) (Dalum, Laursen & Villumsen
    1998). NaN where the region's total is 0. ``reference`` (industry, value[, year]) gives
    national totals E_i when the regions do not make up the whole economy (e.g. one district
    compared with its prefecture or the country).
    """
    cube, E_i = _cube(data, region, industry, value, year, reference, "location_quotient")
    E = _reference_total(data, industry, value, year, reference, "location_quotient")
    X = cube.values
    lq = lq_array(X, E_i, E)
    share_r = safe_divide(X, X.sum(axis=2, keepdims=True))
    share_ref = safe_divide(E_i, (E_i.sum(axis=1) if E is None else E)[:, None])[:, None, :]
    return cell_frame(cube, region, industry, {value: X, "lq": lq,
                                                "lq_additive": share_r - share_ref,
                                                "lq_symmetric": symmetric_lq(lq)})


def hoover(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
           value: str = "value", year: str | None = None) -> pd.DataFrame:
    """Hoover's coefficient of localisation of each industry:
    ½ Σ_r |X_ri/E_i − e_r/E| in [0, 1) (Hoover 1936; REAT ``hoover`` against regional totals).
    NaN for an industry with no activity."""
    cube = to_cube(data, region, industry, value, year, "hoover")
    X = cube.values
    s_ri = safe_divide(X, X.sum(axis=1, keepdims=True))
    s_r = safe_divide(X.sum(axis=2), X.sum(axis=(1, 2))[:, None])[:, :, None]
    h = 0.5 * np.abs(s_ri - s_r).sum(axis=1)
    h = np.where(X.sum(axis=1) == 0, np.nan, h)
    return axis_frame(cube, industry, cube.industries, {"hoover": h})


def krugman_concentration(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                          value: str = "value", year: str | None = None) -> pd.DataFrame:
    """Krugman's concentration index of each industry: Σ_r |X_ri/E_i − e_r/E| in [0, 2)
    (Krugman 1991; REAT ``krugman.conc``) — twice Hoover's coefficient."""
    h = hoover(data, region=region, industry=industry, value=value, year=year)
    return h.assign(krugman=2.0 * h.pop("hoover"))


def krugman_specialization(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                           value: str = "value", year: str | None = None,
                           against: str = "total") -> pd.DataFrame:
    """Krugman's specialisation index of each region: K_r = Σ_i |X_ri/e_r − R_i/R| in [0, 2)
    (Krugman 1991, Geography and Trade, p. 76), against the total of all regions
    (``against='total'``, as REAT ``krugman.spec`` and EconGeo ``Krugman.index``) or the rest
    of the economy without the region (``'rest'``, Krugman's own two-region comparison). Also
    ``specialization_coefficient`` = K/2 (EconGeo ``spec.coeff``). NaN for an empty region."""
    if against not in ("total", "rest"):
        raise ValueError("krugman_specialization: against must be 'total' or 'rest'")
    cube = to_cube(data, region, industry, value, year, "krugman_specialization")
    X = cube.values
    s_r = safe_divide(X, X.sum(axis=2, keepdims=True))
    R = X.sum(axis=1, keepdims=True) - (X if against == "rest" else 0.0)
    s_ref = safe_divide(R, R.sum(axis=2, keepdims=True))
    k = np.abs(s_r - s_ref).sum(axis=2)
    k = np.where(X.sum(axis=2) == 0, np.nan, k)
    return axis_frame(cube, region, cube.regions, {"krugman": k, "specialization_coefficient": k / 2})


def gini_localization(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                      value: str = "value", year: str | None = None) -> pd.DataFrame:
    """Locational Gini of each industry across regions.

    ``gini``: twice the area between the industry's localisation curve and the diagonal,
    regions ordered by LQ and weighted by their share of total activity (Krugman 1991,
    pp. 55–56; equal to EconGeo ``Hoover.Gini`` and to 2 × EconGeo ``locational.Gini``), in
    [0, 1). ``gini_lq``: the unweighted Gini of the regions' LQs (REAT ``gini.conc``), which
    counts every region alike whatever its size. NaN for an industry with no activity.
    """
    cube = to_cube(data, region, industry, value, year, "gini_localization")
    X = cube.values
    e_r = X.sum(axis=2, keepdims=True)
    g = lorenz_gini(X, np.broadcast_to(e_r, X.shape), axis=1)
    g_lq = gini_of_values(lq_array(X, X.sum(axis=1)), axis=1)
    empty = X.sum(axis=1) == 0
    return axis_frame(cube, industry, cube.industries,
                      {"gini": np.where(empty, np.nan, g), "gini_lq": np.where(empty, np.nan, g_lq)})


def gini_specialization(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                        value: str = "value", year: str | None = None) -> pd.DataFrame:
    """Gini of specialisation of each region across industries.

    ``gini``: twice the area between the region's specialisation curve and the diagonal,
    industries ordered by LQ and weighted by their share of the whole economy (the regional
    analogue of Krugman's locational Gini); ``gini_lq``: the unweighted Gini of the region's LQs
    (REAT ``gini.spec``). NaN for a region with no activity.
    """
    cube = to_cube(data, region, industry, value, year, "gini_specialization")
    X = cube.values
    E_i = X.sum(axis=1, keepdims=True)
    g = lorenz_gini(X, np.broadcast_to(E_i, X.shape), axis=2)
    g_lq = gini_of_values(lq_array(X, X.sum(axis=1)), axis=2)
    empty = X.sum(axis=2) == 0
    return axis_frame(cube, region, cube.regions,
                      {"gini": np.where(empty, np.nan, g), "gini_lq": np.where(empty, np.nan, g_lq)})


def herfindahl(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
               value: str = "value", year: str | None = None, by: str = "industry") -> pd.DataFrame:
    """Herfindahl–Hirschman index of shares (Herfindahl 1950; Hirschman 1945).

    ``by='industry'``: regional concentration of each industry, Σ_r (X_ri/E_i)²;
    ``by='region'``: specialisation of each region, Σ_i (X_ri/e_r)². Also ``herfindahl_normalized``
    = (H − 1/n)/(1 − 1/n) over the n regions (or industries), 0 for an even spread and 1 when
    one holds everything (REAT ``herf(coefnorm=TRUE)``), and ``equivalent_number`` = 1/H.
    """
    if by not in ("industry", "region"):
        raise ValueError("herfindahl: by must be 'industry' or 'region'")
    cube = to_cube(data, region, industry, value, year, "herfindahl")
    X = cube.values
    axis = 1 if by == "industry" else 2
    s = safe_divide(X, X.sum(axis=axis, keepdims=True))
    h = (s**2).sum(axis=axis)
    h = np.where(X.sum(axis=axis) == 0, np.nan, h)
    n = X.shape[axis]
    norm = (h - 1.0 / n) / (1.0 - 1.0 / n) if n > 1 else np.full_like(h, np.nan)
    labels = cube.industries if by == "industry" else cube.regions
    return axis_frame(cube, industry if by == "industry" else region, labels,
                      {"herfindahl": h, "herfindahl_normalized": norm,
                       "equivalent_number": safe_divide(1.0, h)})
