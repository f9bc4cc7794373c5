"""The 亩均 list as a reader may see it: every graded firm of a year for admins and the region's
analysts, a park manager's own park only; firms and the public see none (a firm reads its own
grade in its profile, ``study.profile``)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from clusteratlas.analyses.land_efficiency import LandEfficiency
from clusteratlas.policy.access import PIPELINE_READERS, User


def visible_grades(service, store, user: User, year: int | None = None,
                   method: str = "zhejiang_above_scale") -> tuple[LandEfficiency, pd.DataFrame, int, str]:
    """(grades, the store's parks, year, region name) of the user's region — by default its
    latest full year; PermissionError for roles that read no list, ValueError when the year has no
    full-year data or the method is unknown."""
    if user.role not in PIPELINE_READERS:
        raise PermissionError(f"role {user.role} reads no 亩均 list")
    d = service.diagnosis(store, user.region_id if user.role == "analyst" else None)
    year = int(year) if year is not None else d.study.latest_full_year()
    le = d.land_efficiency(year, method)
    if le.firms.empty:
        raise ValueError(f"no firm of region {d.study.region} could be graded for {year} by {method} "
                         "(no full-year figures with land)")
    if user.role == "park_manager":
        le = dataclasses.replace(le, firms=le.firms[le.firms["park_id"] == user.park_id].reset_index(drop=True),
                                 parks=le.parks[le.parks["park_id"] == user.park_id].reset_index(drop=True))
    return le, d.study.tables["parks"], year, d.study.name
