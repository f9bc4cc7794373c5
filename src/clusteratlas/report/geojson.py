"""Tables with boundaries as GeoJSON, for GIS software (QGIS, ArcGIS) and web maps."""

from __future__ import annotations

import json

import pandas as pd


def feature_collection(frame: pd.DataFrame, boundary: str = "boundary", **members) -> dict:
    """One Feature per row with a boundary: the row's other columns as properties (NaN as null,
    numpy scalars as numbers); ``members`` are added to the collection (year, industry, …)."""
    features = []
    for _, r in frame.iterrows():
        geometry = r.get(boundary)
        if not isinstance(geometry, str) or not geometry:
            continue
        props = {}
        for k, v in r.items():
            if k == boundary:
                continue
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                props[k] = None
            elif hasattr(v, "item"):
                props[k] = v.item()
            else:
                props[k] = v if v != "" else None
        features.append({"type": "Feature", "geometry": json.loads(geometry), "properties": props})
    return {"type": "FeatureCollection", **members, "features": features}
