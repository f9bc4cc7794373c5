"""The traded/local classification of a region's industries as a recorded decision (外向型/本地型
产业分类): the office saves the classification its comparison regions give, and overrides an
industry with a reason where it knows better (a hospital cluster that exports services, a
cement works that only sells nearby). The portfolio then uses the class in force
(``analyses.portfolio.current_classes``), and says where each came from."""

from __future__ import annotations

import pandas as pd

from clusteratlas.io import records


class ClassRefused(ValueError):
    """A save or an override the record cannot take; the message says why."""


def save_classes(store, diagnosis, author: str) -> int:
    """Record the classification computed now for the diagnosis's region (each industry's Gini,
    the cut, the year and the number of regions it was computed over); returns the rows
    written. Overrides stay in force."""
    if not str(author or "").strip():
        raise ClassRefused("a saved classification needs an author")
    view = diagnosis.portfolio()
    c = view.classes
    rows = pd.DataFrame({"region_id": diagnosis.study.region, "industry": c["industry"].astype(str),
                         "traded": c["computed_traded"], "method": "computed", "gini": c["gini"],
                         "threshold": c["threshold"], "threshold_rule": "natural break",
                         "year": int(diagnosis.study.year), "regions": view.class_regions,
                         "reason": None, "author": str(author).strip()})
    return records.insert_industry_classes(store, rows[c["gini"].notna().to_numpy()])


def override_class(store, region_id: str, industry: str, traded: bool | None, reason: str, author: str,
                   known: set[str] | None = None) -> int:
    """Set an industry traded (True) or local (False) for the region with a reason, or withdraw
    the override (None); ``known``: the industries the region has, when the caller knows them."""
    if not str(reason or "").strip() or not str(author or "").strip():
        raise ClassRefused("an override needs a reason and an author")
    if known is not None and str(industry) not in known:
        raise ClassRefused(f"industry {industry!r} is not one of the region's industries")
    row = pd.DataFrame([{"region_id": region_id, "industry": str(industry), "traded": traded,
                         "method": "override", "reason": str(reason).strip(), "author": str(author).strip()}])
    return records.insert_industry_classes(store, row)
