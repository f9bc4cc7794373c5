"""Shift-share decompositions of regional change by industry.

The change of industry i in region r between a start and an end year, Δe_ri = e_ri1 − e_ri0,
is split into parts that add up to it exactly, with national growth g = E1/E0 − 1 and industry
growth g_i = E_i1/E_i0 − 1 of the reference economy (the sum of the regions, or ``reference``):

- classic (Dunn 1960; Perloff et al. 1960): national share e_ri0·g, industry mix
  e_ri0·(g_i − g), competitive (regional) share e_ri1 − e_ri0·(1 + g_i) (= e_ri0·(g_ri − g_i),
  written so that a region without the industry at the start is still defined);
- Esteban-Marquillas (1972): the competitive share split into a net competitive effect
  ê_ri·(g_ri − g_i), with the homothetic value ê_ri = e_r0·E_i0/E0, and an allocation effect
  (e_ri0 − ê_ri)·(g_ri − g_i) — undefined (NaN) where e_ri0 = 0;
- dynamic (Barff & Knight 1988): the classic decomposition for every pair of consecutive years
  between start and end, summed; its parts add up to the whole change as well.

NaN where the reference industry had nothing at the start (g_i undefined).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.measures.concentration import _cube
from clusteratlas.measures.tidy import Cube, cell_frame, safe_divide

CLASSIC = ("national_share", "industry_mix", "competitive")


def classic_components(e0: np.ndarray, e1: np.ndarray, E_i0: np.ndarray, E_i1: np.ndarray
                       ) -> dict[str, np.ndarray]:
    """Dunn (1960) components for arrays (regions, industries) and reference totals (industries,)."""
    g = safe_divide(E_i1.sum() - E_i0.sum(), E_i0.sum())
    g_i = safe_divide(E_i1 - E_i0, E_i0)
    return {"national_share": e0 * g, "industry_mix": e0 * (g_i - g),
            "competitive": e1 - e0 * (1.0 + g_i)}


def esteban_marquillas(e0: np.ndarray, e1: np.ndarray, E_i0: np.ndarray, E_i1: np.ndarray
                       ) -> dict[str, np.ndarray]:
    """Esteban-Marquillas (1972) net competitive and allocation effects."""
    homothetic = e0.sum(axis=1, keepdims=True) * safe_divide(E_i0, E_i0.sum())
    diff = safe_divide(e1, e0) - safe_divide(E_i1, E_i0)  # g_ri − g_i
    return {"homothetic": homothetic, "net_competitive": homothetic * diff,
            "allocation": (e0 - homothetic) * diff}


def shift_share(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                value: str = "value", year: str = "year", start=None, end=None,
                method: str = "classic", reference: pd.DataFrame | None = None,
                by: str = "cell") -> pd.DataFrame:
    """Shift-share decomposition between ``start`` and ``end`` (default: first and last year).

    ``method``: 'classic', 'esteban_marquillas' (adds homothetic, net_competitive, allocation)
    or 'dynamic' (classic parts summed over consecutive years). ``by='cell'`` gives one row per
    region × industry; ``by='region'`` sums over industries. Columns: start_value, end_value,
    change, the parts, and ``total_shift`` = industry_mix + competitive.
    """
    if method not in ("classic", "esteban_marquillas", "dynamic"):
        raise ValueError("shift_share: method must be 'classic', 'esteban_marquillas' or 'dynamic'")
    if by not in ("cell", "region"):
        raise ValueError("shift_share: by must be 'cell' or 'region'")
    cube, E_i = _cube(data, region, industry, value, year, reference, "shift_share")
    years = list(cube.years)
    start = years[0] if start is None else start
    end = years[-1] if end is None else end
    if start not in years or end not in years or years.index(start) >= years.index(end):
        raise ValueError(f"shift_share: start {start!r} and end {end!r} must be years of the data, start first "
                         f"(the data has {years})")
    a, b = years.index(start), years.index(end)
    X = cube.values
    cols = {"start_value": X[a], "end_value": X[b], "change": X[b] - X[a]}
    if method == "dynamic":
        parts = {k: np.zeros_like(X[a]) for k in CLASSIC}
        for t in range(a, b):
            step = classic_components(X[t], X[t + 1], E_i[t], E_i[t + 1])
            for k in CLASSIC:
                parts[k] = parts[k] + step[k]
        cols.update(parts)
    else:
        cols.update(classic_components(X[a], X[b], E_i[a], E_i[b]))
        if method == "esteban_marquillas":
            cols.update(esteban_marquillas(X[a], X[b], E_i[a], E_i[b]))
    cols["total_shift"] = cols["industry_mix"] + cols["competitive"]
    one = Cube(X[a][None], pd.Index([start]), cube.regions, cube.industries, None)
    out = cell_frame(one, region, industry, {k: v[None] for k, v in cols.items()})
    out.insert(0, "end", end)
    out.insert(0, "start", start)
    if by == "region":
        sums = [c for c in cols if c != "homothetic"]
        out = out.groupby(["start", "end", region], as_index=False)[sums].sum(min_count=1)
    return out
