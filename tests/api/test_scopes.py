"""Every right is a role and a scope: another region's analyst, another park's manager and a
firm see, of the study region, what the public sees — over JSON, CSV and XLSX."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pytest

from tests.api.conftest import login
from tests.conftest import open_store


def get(server, path, headers=None, **params):
    return httpx.get(server["base"] + path, headers=headers, params=params, timeout=120)


def test_another_regions_analyst_gets_the_published_output_table(server):
    public = get(server, "/api/analyses/output-table").json()
    outsider = get(server, "/api/analyses/output-table", login(server, "outsider")).json()
    own = get(server, "/api/analyses/output-table", login(server, "analyst")).json()
    assert outsider["cells"] == public["cells"] and outsider["cells"] != own["cells"]
    assert any(c["suppressed"] for c in outsider["cells"])
    assert not any(c["suppressed"] for c in own["cells"])
    # nor may they preview other disclosure settings (two patterns together could leak)
    r = get(server, "/api/analyses/output-table", login(server, "outsider"), preview="true", min_firms=1)
    assert r.status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_scope_holds_in_downloads(server, fmt):
    r = get(server, "/api/analyses/output-table", login(server, "outsider"), format=fmt)
    assert r.status_code == 200
    if fmt == "csv":
        text = r.text
    else:
        ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
        text = "\n".join(",".join("" if c.value is None else str(c.value) for c in row) for row in ws.iter_rows())
    header, *rows = [line.split(",") for line in text.strip().splitlines()]
    i_out, i_sup = header.index("output"), header.index("suppressed")
    hidden = [row for row in rows if row[i_sup]]
    assert hidden and all(row[i_out] == "" for row in hidden)


def test_a_park_manager_sees_their_own_park_only(server):
    pm = login(server, "parkmgr")
    grades = get(server, "/api/analyses/land-efficiency", pm, year=2005).json()
    assert {p["park_id"] for p in grades["parks"]} == {"P02"}
    assert {f["park_id"] for f in grades["firms"]} == {"P02"}
    with open_store(server["db"]) as s:
        projects = s.table("projects")
    mine = get(server, "/api/analyses/pipeline", pm, start="1990-01-01", end="2100-12-31").json()
    everyone = get(server, "/api/analyses/pipeline", login(server, "admin"),
                   start="1990-01-01", end="2100-12-31").json()
    signed = projects["signed_date"].notna()
    assert mine["figures"]["projects"] == (signed & (projects["park_id"] == "P02")).sum()
    assert everyone["figures"]["projects"] == signed.sum() > mine["figures"]["projects"]


def test_a_firm_user_sees_of_the_region_what_the_public_sees(server):
    firm = login(server, "sijichang")
    assert get(server, "/api/analyses/output-table", firm).json()["cells"] == \
        get(server, "/api/analyses/output-table").json()["cells"]
    firms = get(server, "/api/firms", firm).json()
    assert [f["firm_id"] for f in firms] == [server["firm_id"]]
