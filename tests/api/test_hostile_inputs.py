"""Hostile inputs over real HTTP: each gets its specific 4xx, the server keeps answering, and
the store is unchanged (or, for the concurrent uploads, changed exactly once per file)."""

from __future__ import annotations

import io
import json
import threading

import httpx
import openpyxl
import pytest

from tests.api.conftest import login
from tests.conftest import open_store

BOMB = ('metadata: {id: laughs}\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 9)}]\n" for k, p in zip("bcdefghi", "abcdefgh"))
        + "rules: [{id: r1, entity: firm, when: 'True', amount: {formula: '1'}, junk: *i}]\n")
LONG_SCHEDULE = ("metadata: {id: forever}\nrules:\n  - {id: r1, entity: firm, when: 'True', "
                 "amount: {formula: '1'}, years: 50000000}\n")
POWER = ("metadata: {id: power}\nrules:\n  - {id: r1, entity: firm, when: 'True', "
         "amount: {formula: '10**10**10'}}\n")
STRINGS = ("metadata: {id: strings}\nrules:\n  - {id: r1, entity: firm, when: 'True', "
           "amount: {formula: '\"abc\" * 3'}}\n")


def _digest(server):
    """The store's content but for the audit log (a refused request is audited, as it should)."""
    with open_store(server["db"]) as s:
        return {t: d for t, d in s.content_digest().items() if t != "audit_log"}


def _alive(server):
    assert httpx.get(server["base"] + "/api/regions", timeout=10).status_code == 200


@pytest.mark.parametrize("text, status, words", [
    (BOMB, 422, "expands to more than"), (LONG_SCHEDULE, 422, "years must be a whole number"),
    (POWER, 422, "constant exponent"), (STRINGS, 422, "cannot be evaluated"),
    ("x: [" * 50_000 + "]" * 50_000, 422, "nests too deeply"),
    ("#" * 300_000, 413, "at most"),
])
def test_hostile_rulesets_are_refused_quickly(own_server, text, status, words):
    admin = login(own_server, "admin")
    before = _digest(own_server)
    r = httpx.post(own_server["base"] + "/api/rulesets", headers=admin, timeout=30,
                   files={"file": ("r.yaml", io.BytesIO(text.encode()), "application/yaml")})
    assert r.status_code == status and words in r.text, r.text[:300]
    assert _digest(own_server) == before
    _alive(own_server)


@pytest.mark.parametrize("name", ["..", ".", "a/..", "x" * 300 + ".csv", "../../etc/passwd", "\x00"])
def test_upload_file_names_never_escape_or_fail(own_server, name):
    h = login(own_server, "analyst")
    before = _digest(own_server)
    body = "企业代码,年份,工业总产值(万元)\nNOPE,2005,12\n"
    r = httpx.post(own_server["base"] + "/api/datasets", headers=h, timeout=60,
                   files={"files": (name, io.BytesIO(body.encode()), "text/csv")})
    assert r.status_code == 422, r.text[:300]  # a bad name, or the file's own problem
    issues = r.json().get("issues")
    if issues:  # the name was made safe: a base name of at most 120 characters
        assert "/" not in issues[0]["file"] and len(issues[0]["file"]) <= 120
    assert _digest(own_server) == before
    _alive(own_server)


def test_inf_and_huge_numbers_are_refused_at_upload(own_server):
    h = login(own_server, "analyst")
    before = _digest(own_server)
    firm = own_server["firm_id"]
    body = f"企业代码,年份,工业总产值(万元)\n{firm},2007,inf\n{firm},2008,1e309\n"
    r = httpx.post(own_server["base"] + "/api/datasets", headers=h, timeout=60,
                   files={"files": ("x.csv", io.BytesIO(body.encode()), "text/csv")})
    assert r.status_code == 422
    assert {(i["row"], i["rule"]) for i in r.json()["issues"]} == {(2, "not_finite"), (3, "not_finite")}
    assert _digest(own_server) == before


def test_deep_geojson_is_refused(own_server):
    h = login(own_server, "analyst")
    deep = '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = httpx.post(own_server["base"] + "/api/datasets", headers=h, timeout=60,
                   files={"files": ("deep.geojson", io.BytesIO(deep.encode()), "application/json")})
    assert r.status_code == 422
    _alive(own_server)


def test_four_uploads_at_once_all_land_with_their_own_dataset(own_server, tmp_path):
    h = login(own_server, "analyst")
    firm = own_server["firm_id"]
    results = []

    def upload(k):
        body = f"企业代码,年份,研发费用(万元)\n{firm},{1990 + k},{k + 1}\n"
        r = httpx.post(own_server["base"] + "/api/datasets", headers=h, timeout=120,
                       files={"files": (f"rd{k}.csv", io.BytesIO(body.encode()), "text/csv")})
        results.append(r)

    threads = [threading.Thread(target=upload, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 4, [r.text[:200] for r in results]
    ids = sorted(r.json()["files"][0]["dataset_id"] for r in results)
    assert len(set(ids)) == 4
    _alive(own_server)


def test_formula_names_are_neutralised_in_downloads(own_server):
    admin = login(own_server, "admin")
    evil = '=HYPERLINK("http://evil.example","x")'
    with open_store(own_server["db"]) as s:
        s.con.execute("UPDATE firms SET name = ? WHERE firm_id = ?", [evil, own_server["firm_id"]])
    page = httpx.get(own_server["base"] + "/api/firms", headers=admin, timeout=60)
    assert evil in {f["name"] for f in page.json()}  # JSON and pages show the name as it is
    csv = httpx.get(own_server["base"] + "/api/firms", headers=admin, params={"format": "csv"}, timeout=60)
    assert f"'{evil}".replace('"', '""') in csv.text and "\n=HYPERLINK" not in csv.text
    xlsx = httpx.get(own_server["base"] + "/api/firms", headers=admin, params={"format": "xlsx"}, timeout=60)
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    names = [c.value for c in ws["B"]] + [c.value for row in ws.iter_rows() for c in row]
    assert f"'{evil}" in names and evil not in names


def test_json_never_carries_a_non_finite_number():
    import numpy as np
    import pandas as pd

    from clusteratlas.api.formats import records

    out = records(pd.DataFrame({"a": [1.0, np.inf, -np.inf, np.nan], "b": [float("inf"), 1, 2, 3]}))
    assert json.dumps(out, allow_nan=False)
    assert [r["a"] for r in out] == [1.0, None, None, None] and out[0]["b"] is None


def test_an_unknown_incentive_run_is_a_404(server):  # schemathesis found it answering 500
    r = httpx.get(server["base"] + "/api/incentives/runs/999999/totals", timeout=30)
    assert r.status_code == 404 and "999999" in r.text
