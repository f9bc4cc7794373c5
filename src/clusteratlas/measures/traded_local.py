"""Traded and local industries, told apart by the data themselves, as Porter (2003) did: a local
industry (retail, construction, schools, hospitals) serves the people where they live, so its
employment spreads across regions in proportion to population; a traded industry sells to other
regions and concentrates where it competes best.

The spread is the locational Gini of the industry's employment against the regions' population
(Krugman 1991; 0: exactly in proportion, towards 1: all of it where few people live), or against
the regions' total employment where no population is given. The cut between local and traded is
``threshold`` where given; else the natural break of the Ginis — the split of their sorted values
into two classes with the largest between-class variance (Otsu 1979; Jenks' two-class break) —
so the threshold is a property of the data, printed beside the classification.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.measures.concentration import lorenz_gini
from clusteratlas.measures.tidy import check_columns, to_cube


# ---------------------------------------------------------------- array maths (pure) ---------
def natural_break(values: np.ndarray) -> float:
    """The cut between the two classes of ``values`` with the largest between-class variance
    w_0 w_1 (μ_0 − μ_1)² — Otsu (1979) on the sorted values; the midpoint between the last value
    of the lower class and the first of the upper one. NaN with fewer than two distinct values."""
    v = np.sort(values[np.isfinite(values)])
    if len(np.unique(v)) < 2:
        return np.nan
    n = len(v)
    best, cut = -1.0, np.nan
    for k in range(1, n):
        if v[k] == v[k - 1]:
            continue
        lo, hi = v[:k], v[k:]
        between = (k / n) * ((n - k) / n) * (lo.mean() - hi.mean()) ** 2
        if between > best:
            best, cut = between, (v[k - 1] + v[k]) / 2
    return float(cut)


# ---------------------------------------------------------------- tidy interface -------------
def traded_local(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                 value: str = "value", year: str | None = None, population: pd.DataFrame | None = None,
                 threshold: float | None = None) -> pd.DataFrame:
    """Each industry (and year) as traded or local (module text): its employment, the locational
    ``gini`` against population (``population``: region, population[, year]; default the regions'
    total employment), the ``threshold`` used and ``traded`` (gini above it)."""
    cube = to_cube(data, region, industry, value, year, "traded_local")
    X = cube.values  # (years, regions, industries)
    if population is None:
        weights = X.sum(axis=2, keepdims=True)
    else:
        pop_col = "population"
        check_columns(population, "traded_local population", region=region, population=pop_col, year=year)
        p = to_cube(population.assign(_i="population"), region, "_i", pop_col, year, "traded_local population")
        missing = set(cube.regions) - set(p.regions)
        if missing:
            raise KeyError(f"traded_local: no population for region {sorted(missing)[0]!r}")
        at = p.regions.get_indexer(cube.regions)
        years = p.years.get_indexer(cube.years)
        if (years < 0).any():
            raise KeyError(f"traded_local: no population for year {cube.years[years < 0][0]!r}")
        weights = p.values[years][:, at, :]
    gini = lorenz_gini(X, weights, axis=1)  # (years, industries)
    rows = []
    for t, y in enumerate(cube.years):
        g = gini[t]
        cut = natural_break(g) if threshold is None else float(threshold)
        for i, ind in enumerate(cube.industries):
            row = {industry: ind, value: X[t, :, i].sum(), "gini": g[i], "threshold": cut,
                   "traded": bool(g[i] > cut) if np.isfinite(g[i]) and np.isfinite(cut) else None}
            rows.append(({year: y} if year else {}) | row)
    out = pd.DataFrame(rows)
    out["traded"] = out["traded"].astype("boolean")
    return out
