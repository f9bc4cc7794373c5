"""How the API answers: tidy frames as JSON records (or CSV/XLSX on request), and the query
parameters every analysis shares, with their OpenAPI examples."""

from __future__ import annotations

import io
import re
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import Query
from fastapi.responses import JSONResponse, Response


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON values: NaN as null, numpy scalars as numbers, times as ISO text."""
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for r in out:
        for k, v in r.items():
            if isinstance(v, (np.integer,)):
                r[k] = int(v)
            elif isinstance(v, (np.floating, float)):
                r[k] = float(v) if np.isfinite(v) else None  # JSON has no inf: never a figure
            elif hasattr(v, "isoformat"):
                r[k] = v.isoformat()
    return out


MAX_NAME_CHARS = 120


def upload_name(filename: str | None, default: str) -> str:
    """A safe base name for an uploaded file (kept as the dataset's name); HTTPException 422
    for a name that is no file name (``..``, ``.``, empty, control characters only)."""
    from fastapi import HTTPException

    name = (filename or default).replace("\\", "/").split("/")[-1]
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "", name).strip().strip(".")
    if not name:
        raise HTTPException(422, f"{filename!r} is not a file name")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        suffix = suffix[:10] if dot else ""
        name = (stem if dot else name)[:MAX_NAME_CHARS - len(suffix) - 1] + (f".{suffix}" if suffix else "")
    return name


def frame_response(frame: pd.DataFrame, fmt: str | None, name: str):
    """A table as JSON records, or as a CSV or XLSX download named ``name``."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)  # a header value, partly from the request
    frame = frame.replace({np.nan: None})
    if fmt in ("csv", "xlsx"):
        from clusteratlas.report.cells import neutralise

        frame = neutralise(frame)
    if fmt == "csv":
        return Response(frame.to_csv(index=False), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        buf = io.BytesIO()
        frame.to_excel(buf, index=False)
        return Response(buf.getvalue(), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return JSONResponse(records(frame))


Format = Annotated[str | None, Query(pattern="^(json|csv|xlsx)$", description="json (default), csv or xlsx")]
Peers = Annotated[list[str], Query(max_length=10, description="up to 10 regions to compare with instead of the "
                                    "enclosing region's other counties (a peer group)")]
RegionId = Annotated[str | None, Query(description="region code (GB/T 2260); default: the study region",
                                       openapi_examples={"district": {"summary": "荆州区 Jingzhou district",
                                                                      "value": "421003"}})]
Period = Annotated[str | None, Query(description="a period: 2006 (year), 2006H1, 2006Q2 or 2006M06 "
                                     "(year to date); default: the latest with data",
                                     openapi_examples={"half": {"summary": "first half of 2006", "value": "2006H1"},
                                                       "year": {"summary": "the year 2005", "value": "2005"}})]
Division = Annotated[str | None, Query(description="GB/T 4754-2017 division (2 digits); default: the lead cluster",
                                       openapi_examples={"oil machinery": {"summary": "35 专用设备制造业",
                                                                           "value": "35"}})]
