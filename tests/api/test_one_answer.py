"""One question, one answer: the report, the dashboard and the API give the same EG p-values,
K-density bands and opportunities for the sample district, because each renders a diagnosis of
the same study under the same settings (the report's is built apart, in this process)."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import numpy as np
import pandas as pd
import pytest

from clusteratlas.report.html import build_report
from clusteratlas.study import diagnose, open_study
from tests.api.conftest import SETTINGS, login
from tests.conftest import open_store


class _Tables(HTMLParser):
    """The tables of a page by id: header row and body rows as text."""

    def __init__(self):
        super().__init__()
        self.tables, self._id, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._id = a["id"]
            self.tables[self._id] = []
        elif tag == "tr" and self._id:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._id].append(self._row)
            self._row = None
        elif tag == "table":
            self._id = None


def tables(html: str) -> dict[str, pd.DataFrame]:
    p = _Tables()
    p.feed(html)
    return {k: pd.DataFrame(rows[1:], columns=rows[0]) for k, rows in p.tables.items() if rows}


@pytest.fixture(scope="module")
def faces(server, tmp_path_factory):
    analyst = login(server, "analyst")
    base = server["base"]
    api = {"eg": httpx.get(base + "/api/analyses/agglomeration", headers=analyst, timeout=300).json(),
           "kd": httpx.get(base + "/api/analyses/k-density", headers=analyst, timeout=300).json(),
           "opp": httpx.get(base + "/api/analyses/opportunities", headers=analyst, timeout=300).json()}
    cookies = {"ca_token": analyst["Authorization"][7:]}
    dashboard = {**tables(httpx.get(base + "/clusters", cookies=cookies, timeout=300).text),
                 **tables(httpx.get(base + "/opportunities", cookies=cookies, timeout=300).text)}
    with open_store(server["db"]) as s:  # the report: its own diagnosis (same process: same connection settings)
        d = diagnose(open_study(s), SETTINGS)
        files = build_report(d, tmp_path_factory.mktemp("one-answer"))
    report = tables(files.html.read_text(encoding="utf-8"))
    return api, dashboard, report, d


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    """A shown table indexed by the industry code its 行业 column begins with ("35 专用设备制造业")."""
    return table.set_index(table["行业"].str.split().str[0])


def test_ellison_glaeser_p_values_agree(faces):
    """The dashboard and the report show the same table (3 decimals) of the API's numbers."""
    api, dashboard, report, d = faces
    a = pd.DataFrame(api["eg"]).set_index("industry")
    web, rep = by_code(dashboard["eg-table"]), by_code(report["table-eg"])
    assert len(a) >= 5
    assert web.equals(rep)
    for industry, row in a.iterrows():
        assert float(web.loc[industry, "EG 显著性 p（飞镖模拟）"]) == pytest.approx(row["gamma_p"], abs=5e-4)
        assert float(web.loc[industry, "MS 显著性 p（飞镖模拟）"]) == pytest.approx(row["gamma_ms_p"], abs=5e-4)
    np.testing.assert_allclose(d.clusters().agglomeration.set_index("industry").loc[a.index, "gamma_p"],
                               a["gamma_p"], rtol=0, atol=0)


def test_k_density_bands_agree(faces):
    api, dashboard, report, d = faces
    assert api["kd"]["n_sim"] == SETTINGS.n_sim and api["kd"]["seed"] == SETTINGS.seed
    for industry, curve in d.distance().kd.items():
        remote = pd.DataFrame(api["kd"]["curves"][industry])
        np.testing.assert_allclose(remote["global_hi"], curve.global_hi, rtol=1e-12)
        np.testing.assert_allclose(remote["global_lo"], curve.global_lo, rtol=1e-12)
    a = pd.DataFrame(api["kd"]["industries"]).set_index("industry")
    web, rep = by_code(dashboard["kd-table"]), by_code(report["table-kd"])
    assert web.equals(rep)
    for industry, row in a.iterrows():
        assert float(web.loc[industry, "集聚强度 Γ"]) == pytest.approx(row["gamma"], abs=5e-4)
        assert float(web.loc[industry, "分散强度 Ψ"]) == pytest.approx(row["psi"], abs=5e-4)


def test_opportunities_agree(faces):
    api, dashboard, report, d = faces
    a = pd.DataFrame(api["opp"])
    web = dashboard["opportunities-table"]
    rep = report["table-opportunities"]
    n = min(len(web), len(rep))
    assert n >= 5
    assert web.head(n).equals(rep.head(n))
    assert list(a["industry"][:n]) == list(web["行业"].str.split().str[0][:n])
    np.testing.assert_allclose(web["得分"][:n].astype(float), a["score"][:n], atol=5e-3)
