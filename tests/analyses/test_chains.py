"""Chain templates and the chain ledger (链长制): every shipped template is well formed and says
where its structure comes from; a constructed region's links are classified 强链/补链/延链/在链
with the numbers worked by hand in their evidence; candidates are ranked with their reasons;
projects go to the link they fill; and the sample's 石油机械 chain reads as the seed describes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.chains import SHIPPED, ChainTemplate, shipped_templates
from clusteratlas.analyses.chains.ledger import SCORE_WEIGHTS, chain_ledger

REGION = "421003"

CHAIN = """
id: test_chain
name_zh: 测试链
name_en: Test chain
core_codes: ["3512"]
sources: ["a test"]
links:
  - {id: pipes, stage: upstream, name_zh: 管材, name_en: Pipes, products: [管材, 套管], codes: ["3130"]}
  - {id: hydraulics, stage: upstream, name_zh: 液压, name_en: Hydraulics, products: [液压], codes: ["3444"]}
  - {id: parts, stage: upstream, name_zh: 零部件, name_en: Parts, products: [零部件], codes: ["3484"]}
  - {id: rigs, stage: midstream, name_zh: 钻机, name_en: Rigs, products: [钻机], codes: ["3512"]}
  - {id: services, stage: downstream, name_zh: 油服, name_en: Oilfield services, products: [油服], codes: ["1120"]}
"""


def _region():
    firms = pd.DataFrame([
        ("L1", "龙头机械", "3512", REGION, "P1", True),
        ("F2", "钻机二厂", "3512", REGION, "P1", False),
        ("H1", "液压件厂", "3444", REGION, "P1", False),
        ("M1", "机加工厂", "3484", REGION, None, False),
        ("X1", "外地钢管", "3130", "610300", None, False),  # a firm of another region
        ("Z1", "纸箱厂", "2231", REGION, None, False),
    ], columns=["firm_id", "name", "industry_code", "region_id", "park_id", "is_leading"])
    years = pd.DataFrame([(f, 2005, 12, out, 1000.0) for f, out in
                          [("L1", 9e8), ("F2", 1e8), ("H1", 2e7), ("M1", 3e7), ("Z1", 5e6)]],
                         columns=["firm_id", "year", "month_to", "output", "total_purchases"])
    years.loc[years.firm_id == "L1", "total_purchases"] = 4e8
    links = pd.DataFrame([  # the leading firm's 2005 purchases (CNY)
        ("L1", None, "宝鸡钢管", "610300", 2005, 100e6, "石油套管"),
        ("L1", "H1", "液压件厂", REGION, 2005, 30e6, "液压缸"),
        ("L1", None, "上海液压", "310000", 2005, 70e6, "液压元件"),
        ("L1", "M1", "机加工厂", REGION, 2005, 80e6, "零部件"),
        ("L1", None, "外地加工", "330100", 2005, 20e6, "零部件"),
        ("L1", None, "宝鸡钢管", "610300", 2004, 60e6, "石油套管"),  # an earlier year: not evidence
    ], columns=["buyer_id", "supplier_id", "supplier_name", "supplier_region_id", "year", "amount", "product"])
    return firms, years, links


def _ledger(**kw):
    firms, years, links = _region()
    return chain_ledger(ChainTemplate.parse(CHAIN), firms, years, links, REGION, 2005, **kw)


def test_every_shipped_template_is_well_formed_and_cites_its_sources():
    templates = shipped_templates()
    assert {t.id for t in templates} == set(SHIPPED) and len(templates) == 9
    assert {"petroleum_machinery", "paper_packaging", "textiles_dyeing", "agrifood_processing",
            "new_building_materials", "construction_machinery", "automobiles", "home_appliances",
            "lithium_battery"} == set(SHIPPED)
    for t in templates:
        assert t.sources and all(len(s) > 20 for s in t.sources), t.id
        stages = {lk.stage for lk in t.links}
        assert stages == {"upstream", "midstream", "downstream"}, t.id
        assert all(lk.products and lk.codes for lk in t.links), t.id
    battery = ChainTemplate.load("lithium_battery")
    assert [lk.name_zh for lk in battery.links if lk.stage != "downstream"] == [
        "锂资源与锂盐", "正极材料", "负极材料", "隔膜", "电解液", "电芯", "PACK与电池管理系统"]
    assert "回收与梯次利用" in [lk.name_zh for lk in battery.links]


@pytest.mark.parametrize("bad, says", [
    ("id: x\nname_zh: a\nname_en: a\ncore_codes: ['35']\nsources: [s]\nlinks:\n"
     "  - {id: a, stage: middle, name_zh: a, name_en: a, products: [a], codes: ['35']}", "stage must be one of"),
    ("id: x\nname_zh: a\nname_en: a\ncore_codes: ['35']\nsources: [s]\nlinks:\n"
     "  - {id: a, stage: midstream, name_zh: a, name_en: a, products: [a], codes: ['9912']}", "'9912' is not a GB/T 4754"),
    ("id: x\nname_zh: a\nname_en: a\ncore_codes: ['35']\nsources: [s]\nlinks:\n"
     "  - {id: a, stage: midstream, name_zh: a, name_en: a, products: [a], codes: ['35']}\n"
     "  - {id: a, stage: upstream, name_zh: b, name_en: b, products: [b], codes: ['31']}", "link 2 (a): a new id"),
    ("id: x\nname_zh: a\nname_en: a\ncore_codes: ['35']\nsources: [s]\nlinks:\n"
     "  - {id: a, stage: upstream, name_zh: a, name_en: a, products: [a], codes: ['35']}", "at least one midstream"),
    ("id: x\nname_zh: a\nname_en: a\ncore_codes: ['35']\nlinks: []", "lacks sources, links"),
    ("id: X Y\nname_zh: a\nname_en: a\ncore_codes: ['35']\nsources: [s]\nlinks: [1]", "lower-case letters"),
    ("a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n"
                                             for k, p in zip("bcdef", "abcde")), "expands to more than"),
])
def test_a_malformed_template_is_refused_saying_what_is_wrong(bad, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        ChainTemplate.parse(bad)


def test_links_are_classified_with_the_evidence_worked_by_hand():
    links = _ledger().links.set_index("link_id")
    # pipes: nobody makes them here; the chain bought CNY 100m in 2005, all from outside
    assert links.at["pipes", "status"] == "fill" and links.at["pipes", "status_zh"] == "补链"
    assert links.at["pipes", "purchases"] == 100e6 and links.at["pipes", "local_share_pct"] == 0
    assert "本地无企业" in links.at["pipes", "evidence_zh"] and "宝鸡钢管" in links.at["pipes", "evidence_zh"]
    assert "10,000.0 万元" in links.at["pipes", "evidence_zh"]
    # hydraulics: a local firm, but 30 of 100 bought locally: weak, to fill
    assert links.at["hydraulics", "status"] == "fill" and links.at["hydraulics", "firms"] == 1
    assert links.at["hydraulics", "local_share_pct"] == pytest.approx(30.0)
    # parts: 80 of 100 locally, no leading firm: present
    assert links.at["parts", "status"] == "present" and links.at["parts", "local_share_pct"] == pytest.approx(80.0)
    # rigs: two firms here and the leading one among them: strong
    assert links.at["rigs", "status"] == "strong" and links.at["rigs", "firms"] == 2
    assert links.at["rigs", "leading_firms"] == "龙头机械" and links.at["rigs", "output"] == 1e9
    # services: downstream, absent, not bought: to extend
    assert links.at["services", "status"] == "extend" and links.at["services", "status_en"] == "to extend"


def test_the_leading_firm_and_its_supporting_rate_against_the_targets():
    ledger = _ledger()
    assert ledger.leaders["firm_id"].tolist() == ["L1"]
    rate = ledger.supporting_rates.set_index(["firm_id", "year"]).loc[("L1", 2005)]
    # local: 30 (液压件厂) + 80 (机加工厂) of the CNY 400m it reported buying in all
    assert rate["rate_pct"] == pytest.approx(110 / 400 * 100)
    assert rate["gap_to_40_points"] == pytest.approx(40 - 27.5) and rate["gap_to_50_points"] == pytest.approx(22.5)


CANDIDATES = pd.DataFrame([
    ("C1", "宝鸡钢管", "3130", "石油套管;油管", 5e9, "陕西宝鸡", "610300", "现有供应商"),
    ("C2", "省内钢管", "3130", "无缝钢管", 1e9, "湖北武汉", "420100", ""),
    ("C3", "外省管业", "3130", "管材", 2e9, "四川成都", "510100", ""),
    ("C4", "不相干公司", "2231", "纸箱", 9e9, "湖北武汉", "420100", ""),
    ("C5", "液压新厂", None, "液压泵", np.nan, "上海", "310000", ""),
    ("C6", "油服公司", "1120", "油服", 1e8, "湖北潜江", "429005", "龙头机械的设备用户"),
], columns=["candidate_id", "name", "industry_code", "products", "revenue", "location", "location_id", "relation"])


def test_candidates_for_each_link_to_fill_or_extend_are_ranked_with_their_reasons():
    targets = _ledger(candidates=CANDIDATES)
    t = targets.targets
    assert set(t["link_id"]) == {"pipes", "hydraulics", "services"}  # strong and present links get none
    pipes = t[t.link_id == "pipes"].sort_values("rank")
    assert pipes["candidate_id"].tolist() == ["C1", "C3", "C2"]  # C4 makes nothing the link lacks
    first = pipes.iloc[0]
    # it already sells CNY 100m a year (2005) to the leading firm from outside
    assert "已向龙头机械外供 10,000.0 万元（2005年）" in first["reasons_zh"] and "a plant here" in first["reasons_en"]
    w = SCORE_WEIGHTS
    # C1: code and products fit, supplies, the largest (log size 1), not near, a relation
    assert first["score"] == pytest.approx(w["fit"] * 1.0 + w["supplies"] + w["size"] * 1.0 + w["relation"])
    # C3 (code and 管材 fit, mid-sized, far) and C2 (code only: 无缝钢管 names neither 管材 nor
    # 套管; the smallest; same province), worked out
    c2, c3 = pipes.set_index("candidate_id").loc[["C2", "C3"], "score"]
    size_c3 = (np.log10(2e9) - np.log10(1e9)) / (np.log10(5e9) - np.log10(1e9))
    assert c3 == pytest.approx(w["fit"] * 1.0 + w["size"] * size_c3, abs=1e-4)
    assert c2 == pytest.approx(w["fit"] * 0.7 + w["near"], abs=1e-4)
    assert t[t.link_id == "hydraulics"]["candidate_id"].tolist() == ["C5"]  # by its products alone
    assert "同省（湖北潜江）" in t[t.link_id == "services"].iloc[0]["reasons_zh"]


def test_each_project_goes_to_the_one_link_it_fills():
    projects = pd.DataFrame([
        ("P1", "某石油套管项目", "negotiating", "3512"),  # named: pipes, though coded 3512
        ("P2", "钻机扩能项目", "started", "3512"),
        ("P3", "液压项目", "signed", "3444"),
        ("P4", "食品项目", "signed", "1371"),  # nothing of this chain
    ], columns=["project_id", "name", "stage", "industry_code"])
    p = _ledger(projects=projects).projects.set_index("project_id")
    assert p.loc["P1", ["link_id", "matched_by"]].tolist() == ["pipes", "name"]
    assert p.loc["P2", "link_id"] == "rigs" and p.loc["P3", "link_id"] == "hydraulics"
    assert "P4" not in p.index


def test_a_region_without_purchase_records_or_candidates_says_so_and_still_classifies():
    firms, years, _ = _region()
    empty = pd.DataFrame(columns=["buyer_id", "supplier_id", "supplier_name", "supplier_region_id", "year",
                                  "amount", "product"])
    ledger = chain_ledger(ChainTemplate.parse(CHAIN), firms, years, empty, REGION, 2005)
    links = ledger.links.set_index("link_id")
    assert ledger.purchases_year is None and ledger.targets.empty and ledger.projects.empty
    assert links["purchases"].eq(0).all() and links["local_share_pct"].isna().all()
    assert links.at["pipes", "status"] == "extend"  # absent and not bought: no evidence of a gap
    assert links.at["rigs", "status"] == "strong" and links.at["hydraulics", "status"] == "present"
    assert ledger.supporting_rates.empty  # no purchases recorded: no rate, never 0 %


def test_the_sample_petroleum_chain_reads_as_the_seed_describes(sample_store):
    t = {n: sample_store.table(n).drop(columns="dataset_id") for n in
         ("firms", "firm_years", "supply_links", "projects", "investment_candidates", "supplier_profiles")}
    ledger = chain_ledger(ChainTemplate.load("petroleum_machinery"), t["firms"], t["firm_years"], t["supply_links"],
                          REGION, 2005, projects=t["projects"], candidates=t["investment_candidates"],
                          supplier_profiles=t["supplier_profiles"])
    links = ledger.links.set_index("link_id")
    assert set(ledger.leaders["name"]) == {"四机厂", "四机赛瓦"}
    assert links.loc[["rigs_workover", "fracturing_cementing", "drilling_tools"], "status"].eq("strong").all()
    for gap in ("steel_tubulars", "castings_forgings"):  # bought from 宝鸡 and 武汉, as the records show
        assert links.at[gap, "status"] == "fill"
    top = ledger.targets[ledger.targets.link_id == "steel_tubulars"].sort_values("rank").iloc[0]
    assert top["name"] == "宝鸡石油钢管有限责任公司" and "外供" in top["reasons_zh"]
    assert set(ledger.supporting_rates["name"]) == {"四机厂", "四机赛瓦"}
    assert (ledger.supporting_rates["rate_pct"] < 40).all()  # both short of the first target
    casing = ledger.projects.set_index("name").loc["上海宝臣石油套管项目"]
    assert casing["link_id"] == "steel_tubulars" and casing["matched_by"] == "name"
