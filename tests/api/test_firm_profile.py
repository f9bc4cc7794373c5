"""A firm's profile (企业画像) and the 亩均 list over real HTTP: the profile is for the roles that may
see the firm — anyone else gets the answer a firm that does not exist gets — and its figures are
the store's (growth on the same months of the year before, the grade the list gives, the tier its
output reaches); the list holds every graded firm with its consequences, a grade set by hand
beside the computed one, a park manager's own park only; both download as workbooks with
Chinese headers, units and numbers kept as numbers."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pytest

from tests.api.conftest import _service_store, login, serving
from tests.conftest import open_store

OVERRIDE_REASON = "安全生产事故一票否决"


@pytest.fixture(scope="module")
def site(tmp_path_factory, sample_template, store_copies):
    """A service over the sample with one grade set by hand (a B firm of P01 put down to D)."""
    from clusteratlas.study.records import record_override
    from clusteratlas.study.service import StudyService

    db, sijichang = _service_store(tmp_path_factory.mktemp("profile"), sample_template, store_copies)
    with open_store(db) as s:
        le = StudyService(db[0], files_dir=db[1]).diagnosis(s).land_efficiency(2005)
        hit = le.firms[(le.firms["park_id"] == "P01") & (le.firms["computed_grade"] == "B")
                       & (le.firms["firm_id"] != sijichang)].iloc[0]
        record_override(s, "zhejiang_above_scale", hit["firm_id"], 2005, 12, "D", OVERRIDE_REASON, "区经信局")
        firms = s.table("firms")
        fy = s.table("firm_years")
    with serving(db) as base:
        srv = {"base": base, "firm_id": sijichang, "overridden": hit["firm_id"], "firms": firms, "fy": fy}
        srv["as"] = {who: login(srv, who) for who in ("admin", "analyst", "outsider", "parkmgr", "sijichang")}
        srv["as"]["public"] = {}
        yield srv


def get(site, path, who="analyst", **params):
    return httpx.get(site["base"] + path, headers=site["as"][who], params=params, timeout=300)


def test_the_profile_is_for_those_who_may_see_the_firm_and_says_nothing_to_others(site):
    firm = site["firm_id"]  # 四机厂, park P01, region 421003
    for who in ("admin", "analyst", "sijichang"):
        r = get(site, f"/api/firms/{firm}/profile", who)
        assert r.status_code == 200, (who, r.text)
        assert r.json()["firm"]["name"] == "四机厂"
    nobody = get(site, "/api/firms/91421003000000000X/profile", "analyst")
    assert nobody.status_code == 404
    for who in ("outsider", "parkmgr", "public"):  # another region, another park, anyone
        r = get(site, f"/api/firms/{firm}/profile", who)
        assert (r.status_code, r.json()) == (404, nobody.json()), who
    other = site["firms"].loc[site["firms"]["firm_id"] != firm, "firm_id"].iloc[0]
    assert get(site, f"/api/firms/{other}/profile", "sijichang").status_code == 404  # a firm sees itself only
    assert get(site, f"/api/firms/{firm}/profile", "outsider", format="xlsx").status_code == 404
    assert get(site, "/api/firms/..%2F..%2Fetc/profile").status_code == 404
    trail = get(site, "/api/audit", "admin", limit=500).json()
    refused = [e for e in trail if e["resource"] == "firm_profile" and e["action"] == "refused"]
    assert {e["username"] for e in refused} >= {"outsider", "parkmgr"}


def test_the_profile_holds_the_stores_figures_and_the_lists_grade(site):
    firm = site["firm_id"]
    p = get(site, f"/api/firms/{firm}/profile").json()
    fy = site["fy"][site["fy"]["firm_id"] == firm].set_index(["year", "month_to"])
    years = {(y["year"], y["month_to"]): y for y in p["years"]}
    assert (2005, 12) in years and (2006, 6) in years  # the full year, then the year to date
    now, before = fy.loc[(2006, 6)], fy.loc[(2005, 6)]
    assert years[(2006, 6)]["output_growth_pct"] == pytest.approx((now["output"] / before["output"] - 1) * 100)
    assert years[(2005, 12)]["output_growth_pct"] is None  # no 2004 in the store: no growth, not 0
    # the tier: 2005 output of CNY 900m is over 100m and under 1bn
    assert fy.loc[(2005, 12), "output"] == 9e8 and p["tier"] == "over_1e8"
    grades = {f["firm_id"]: f for f in get(site, "/api/analyses/land-efficiency", year=2005).json()["firms"]}
    assert p["grade"]["grade"] == grades[firm]["grade"] and p["grade"]["score"] == pytest.approx(grades[firm]["score"])
    assert p["grade"]["consequences"]["land_use_tax_relief_pct"] == {"A": 100, "B": 80}.get(p["grade"]["grade"], 0)
    assert sum(i["weight"] for i in p["grade_items"]) == 100
    # local share: what it bought from firms of its region, over all it bought (never above 100)
    assert 0 <= p["local_share_pct"] <= 100
    local = sum(x["amount"] for x in p["purchases"] if x["local"])
    assert local / max(sum(x["amount"] for x in p["purchases"]), 1) * 100 >= p["local_share_pct"] - 1e-9


def test_the_profile_workbook_reads_as_an_office_writes(site):
    r = get(site, f"/api/firms/{site['firm_id']}/profile", format="xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:4] == ["基本信息", "历年主要指标", "亩均效益评价", "评价指标"]
    years = wb["历年主要指标"]
    head = [c.value for c in years[1]]
    assert head[:3] == ["时期", "产值（万元）", "产值增速（%）"] and years.freeze_panes == "A2"
    assert years.cell(2, 1).value == "2005" and years.cell(2, 2).value == 90000.0  # CNY 900m in 万元
    assert years.cell(3, 1).value == "2006年1–6月"
    en = openpyxl.load_workbook(io.BytesIO(get(site, f"/api/firms/{site['firm_id']}/profile", format="xlsx",
                                               lang="en").content))
    assert [c.value for c in en["Figures by year"][1]][:2] == ["Period", "Output (CNY m)"]


def test_the_grade_list_holds_every_graded_firm_with_its_consequences_and_the_hand_set_grade(site):
    r = get(site, "/api/land-efficiency/list", year=2005)
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["说明", "园区排名", "企业评价"]
    rows = list(wb["企业评价"].values)
    head, body = list(rows[0]), rows[1:]
    col = {h: i for i, h in enumerate(head)}
    listed = get(site, "/api/analyses/land-efficiency", year=2005).json()["firms"]
    assert len(body) == len(listed)
    for h in ("园区", "企业", "评价等级", "计算等级", "人工调整", "城镇土地使用税减免（%）", "差别电价", "用能指标",
              "亩均税收（万元/亩）"):
        assert h in col, h
    name = site["firms"].set_index("firm_id").at[site["overridden"], "name"]
    row = next(b for b in body if b[col["企业"]] == name)
    assert (row[col["评价等级"]], row[col["计算等级"]]) == ("D", "B")
    assert OVERRIDE_REASON in row[col["人工调整"]] and "区经信局" in row[col["人工调整"]]
    assert (row[col["城镇土地使用税减免（%）"]], row[col["差别电价"]]) == (0, "加价")  # the consequences follow the grade
    a = next(b for b in body if b[col["评价等级"]] == "A")
    assert (a[col["城镇土地使用税减免（%）"]], a[col["差别电价"]], a[col["用能指标"]]) == (100, "优惠", "优先保障")
    # by park: the rows of a park together
    parks = [b[col["园区"]] for b in body]
    assert parks == sorted(parks, key=lambda p: parks.index(p))
    en = openpyxl.load_workbook(io.BytesIO(get(site, "/api/land-efficiency/list", year=2005, lang="en").content))
    en_head = [c.value for c in en["Firm grades"][1]]
    assert "Electricity price" in en_head and "preferential" in {v for r_ in en["Firm grades"].values for v in r_}


def test_a_park_manager_gets_their_own_parks_list_and_firms_and_the_public_none(site):
    mine = openpyxl.load_workbook(io.BytesIO(get(site, "/api/land-efficiency/list", "parkmgr", year=2005).content))
    rows = list(mine["企业评价"].values)
    assert len(rows) > 1 and {r[0] for r in rows[1:]} == {"拍马纸品工业园"}
    assert [r[1] for r in mine["园区排名"].values][1:] == ["拍马纸品工业园"]
    for who in ("sijichang", "public"):
        assert get(site, "/api/land-efficiency/list", who, year=2005).status_code in (401, 403)
    assert get(site, "/api/land-efficiency/list", year=1990).status_code == 404


def test_the_pages_show_the_profile_and_the_list_with_names_and_links(site):
    firm = site["firm_id"]
    page = get(site, f"/firms/{firm}", lang="zh")
    assert page.status_code == 200
    for text in ("四机厂 · 企业画像", "基本信息", "历年主要指标", "亩均效益评价", "九阳机械电子工业园", "产值（万元）"):
        assert text in page.text, text
    shown = page.text.replace(f"/api/firms/{firm}", "")
    assert "P01" not in shown, shown[max(0, shown.find("P01") - 300):shown.find("P01") + 100]
    hidden = get(site, f"/firms/{firm}", "parkmgr", lang="zh")
    assert hidden.status_code == 404 and "四机厂" not in hidden.text
    listing = get(site, "/land-efficiency", lang="zh")
    assert listing.status_code == 200 and f'href="/firms/{firm}"' in listing.text and "园区排名" in listing.text
    assert "人工调整" in listing.text and OVERRIDE_REASON in listing.text
    theirs = get(site, "/land-efficiency", "parkmgr", lang="zh")
    assert "拍马纸品工业园" in theirs.text and "四机厂" not in theirs.text
    refused = get(site, "/land-efficiency", "sijichang", lang="zh").text
    assert "需要相应权限才能查看。" in refused
    assert "四机赛瓦" not in refused
