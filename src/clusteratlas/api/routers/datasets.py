"""Uploads: files validated and imported all or nothing (row-level errors as JSON), the dataset
versions, and input-output tables kept in the store."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse

from clusteratlas.api.deps import audit, require, store
from clusteratlas.api.formats import records, upload_name
from clusteratlas.policy.access import UPLOADERS, User
from clusteratlas.io.errors import ImportRejected
from clusteratlas.io.importer import import_files
from clusteratlas.io.store import Store

router = APIRouter()


@router.get("/api/datasets", tags=["datasets"])
def datasets(u: User = Depends(require(*UPLOADERS)), s: Store = Depends(store)):
    d = s.datasets()
    d["row_counts"] = d["row_counts"].map(lambda x: x)
    return JSONResponse(records(d))


@router.post("/api/datasets", tags=["datasets"], summary="Upload files: validated, then imported all or nothing",
             responses={422: {"description": "rejected: every problem with file, sheet, row, column, value, rule"}})
def upload(files: list[UploadFile] = File(...), table: str | None = Form(None),
           usd_rate: float | None = Form(None), repair_geometry: bool = Form(False),
           region: str | None = Form(None, description="region code of firms and parks in files "
                                     "that give none (default: from the credit codes)"),
           strict: bool = Form(False, description="reject on warnings too"),
           u: User = Depends(require(*UPLOADERS)), s: Store = Depends(store)):
    from clusteratlas.classify import division_name

    if region is not None and division_name(region) is None:
        return JSONResponse(status_code=422, content={
            "detail": f"region {region!r} is not a county-level or higher division code (MCA list)"})
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for f in files:
            name = upload_name(f.filename, "upload")
            if name in {p.name for p in paths}:
                raise HTTPException(422, f"two files are named {name!r}: rename one")
            p = Path(tmp) / name
            p.write_bytes(f.file.read())
            paths.append(p)
        try:
            report = import_files(s, paths, table=table, usd_rate=usd_rate,
                                  repair_geometry=repair_geometry, region=region, strict=strict)
        except ImportRejected as e:
            audit(s, u, "write", "datasets", f"rejected {len(e.issues)} problems")
            return JSONResponse(status_code=422, content={
                "detail": "import rejected; nothing was changed",
                "issues": records(e.to_frame())})
    audit(s, u, "write", "datasets", ", ".join(f.file for f in report.files))
    warnings = [{**dataclasses.asdict(w), "text_zh": w.zh()} for w in report.warnings]
    return {"files": [{"file": f.file, "dataset_id": f.dataset_id, "rows": f.rows, "replaced": f.replaced}
                      for f in report.files],
            "notes": [str(n) for n in report.notes],
            "notes_zh": [getattr(n, "zh", str(n)) for n in report.notes], "warnings": warnings}


@router.get("/api/io-tables", tags=["data"], summary="Input-output tables kept in the store")
def io_tables(s: Store = Depends(store)):
    from clusteratlas.io.iotables import list_io_tables

    return JSONResponse(records(list_io_tables(s)))


@router.post("/api/io-tables", tags=["data"], summary="Upload an NBS-layout input-output table (admin, analyst)")
def upload_io_table(file: UploadFile = File(...), name: str | None = Form(None),
                    year: int | None = Form(None, ge=1949, le=2100), region_id: str | None = Form(None),
                    unit: str | None = Form(None),
                    u: User = Depends(require(*UPLOADERS)), s: Store = Depends(store)):
    from clusteratlas.io.iotables import import_io_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_name(file.filename, "io_table.csv")
        path.write_bytes(file.file.read())
        try:
            table_id = import_io_table(s, path, name, year=year, region_id=region_id, unit=unit)
        except ValueError as e:
            raise HTTPException(422, str(e))
    audit(s, u, "write", "io_tables", f"table {table_id}: {path.name}")
    return {"table_id": table_id}
