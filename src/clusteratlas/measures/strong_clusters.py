"""Which region × industry cells are strong clusters.

Two families of rules, each with its thresholds as parameters:

- U.S. Cluster Mapping (Delgado, Porter & Stern 2014, "Defining clusters of related industries";
  the "strong cluster" rule of clustermapping.us): a region's cluster is strong when its LQ is at
  or above the 75th percentile of the regions where the cluster is present, its employment and
  its establishments are above the 25th percentile, and its LQ is at least 1
  (``method='us_cluster_mapping'``); or, in the top-decile variant, when its employment is in
  the top 10 % of those regions and its LQ is at least 1 (``method='top_decile'``).
- European Cluster Observatory star rating (Ketels & Protsiv 2014, European Cluster Panorama):
  one star each for size (the region's share of the cluster's employment in the top decile of
  regions), specialisation (LQ ≥ 2), focus (the cluster's share of the region's employment in the
  top decile) and productivity (value added or wages per employee in the top quintile), so 0–4
  stars (``method='eco_stars'``).

Percentiles are taken across the regions where the industry is present (employment > 0), for
each industry and year separately.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.measures.concentration import lq_array
from clusteratlas.measures.tidy import cell_frame, check_columns, safe_divide, to_cube


def _present_quantile(values: np.ndarray, present: np.ndarray, q: float) -> np.ndarray:
    """Quantile across regions (axis 1) of values where present, per (year, industry)."""
    masked = np.where(present, values, np.nan)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an industry present nowhere
            return np.nanquantile(masked, q, axis=1, keepdims=True)


def strong_clusters(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
                    value: str = "value", establishments: str | None = None,
                    year: str | None = None, method: str = "us_cluster_mapping",
                    lq_quantile: float = 0.75, size_quantile: float = 0.25, min_lq: float = 1.0,
                    top_quantile: float = 0.9, productivity: str | None = None,
                    eco_min_lq: float = 2.0, eco_size_quantile: float = 0.9,
                    eco_focus_quantile: float = 0.9,
                    eco_productivity_quantile: float = 0.8) -> pd.DataFrame:
    """Flag strong clusters for every region × industry (× year); see the module text.

    ``value``: employment (the rules are defined on it; output works the same way). Returns the
    value, LQ, the criteria met (booleans) and ``strong`` (or ``stars`` for 'eco_stars'), one row
    per region × industry (× year) of the data — cells with nothing are kept and meet no
    criterion. ``establishments`` is needed by 'us_cluster_mapping', ``productivity`` (a
    value-added or wage column) by the productivity star of 'eco_stars'.
    """
    if method not in ("us_cluster_mapping", "top_decile", "eco_stars"):
        raise ValueError("strong_clusters: method must be 'us_cluster_mapping', 'top_decile' or 'eco_stars'")
    check_columns(data, "strong_clusters", establishments=establishments, productivity=productivity)
    if method == "us_cluster_mapping" and establishments is None:
        raise ValueError("strong_clusters: the U.S. Cluster Mapping rule needs an establishments column")
    cube = to_cube(data, region, industry, value, year, "strong_clusters")
    X = cube.values
    present = X > 0
    lq = lq_array(X, X.sum(axis=1))
    cols: dict[str, np.ndarray] = {value: X, "lq": lq}

    def aligned(column: str) -> np.ndarray:
        # the same rows factorise to the same labels, so the cubes line up cell for cell
        return to_cube(data, region, industry, column, year, "strong_clusters").values

    if method == "us_cluster_mapping":
        est = aligned(establishments)
        cols[establishments] = est
        c_lq = present & (lq >= _present_quantile(lq, present, lq_quantile))
        c_emp = present & (X > _present_quantile(X, present, size_quantile))
        c_est = present & (est > _present_quantile(est, present, size_quantile))
        c_min = present & (lq >= min_lq)
        cols.update(lq_criterion=c_lq, employment_criterion=c_emp,
                    establishments_criterion=c_est, min_lq_criterion=c_min,
                    strong=c_lq & c_emp & c_est & c_min)
    elif method == "top_decile":
        c_top = present & (X >= _present_quantile(X, present, top_quantile))
        c_min = present & (lq >= min_lq)
        cols.update(employment_criterion=c_top, min_lq_criterion=c_min, strong=c_top & c_min)
    else:
        size_share = safe_divide(X, X.sum(axis=1, keepdims=True))
        focus = safe_divide(X, X.sum(axis=2, keepdims=True))
        s_size = present & (size_share >= _present_quantile(size_share, present, eco_size_quantile))
        s_spec = present & (lq >= eco_min_lq)
        s_focus = present & (focus >= _present_quantile(focus, present, eco_focus_quantile))
        stars = s_size.astype(int) + s_spec + s_focus
        cols.update(size_share=size_share, focus=focus, size_star=s_size,
                    specialisation_star=s_spec, focus_star=s_focus)
        if productivity is not None:
            per_worker = safe_divide(aligned(productivity), X)
            s_prod = present & (per_worker >= _present_quantile(per_worker, present,
                                                                eco_productivity_quantile))
            cols.update(productivity=per_worker, productivity_star=s_prod)
            stars = stars + s_prod
        cols["stars"] = np.where(present, stars, 0)
    return cell_frame(cube, region, industry, cols)
