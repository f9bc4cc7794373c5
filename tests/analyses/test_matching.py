"""Supplier matching on constructed catalogues with known answers (Chinese and English), the
supply network, and contracts flowing into supply links, the supporting rate and awards."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.analyses.matching import (
    category_fit,
    contracts_to_supply_links,
    match,
    match_needs_for_supplier,
    tokenize,
)
from clusteratlas.measures.network import buyer_summary, single_source_risks, supply_network


def catalogue(lang: str):
    if lang == "zh":
        products = {"S1": "高压管汇锻件;法兰", "S2": "瓦楞纸箱;彩印包装", "S3": "棉纱;坯布",
                    "S4": "阀门;锻件毛坯", "S5": "商品混凝土"}
        need = ("高压管汇锻件", "锻造", "高压管汇用锻件，按图加工")
    else:
        products = {"S1": "high pressure manifold forgings; flanges", "S2": "corrugated boxes; printed packaging",
                    "S3": "cotton yarn; grey cloth", "S4": "valves; rough forgings", "S5": "ready-mixed concrete"}
        need = ("manifold forgings", "forging", "high pressure manifold forgings to drawing")
    sup = pd.DataFrame({"supplier_id": list(products), "name": list(products),
                        "products": list(products.values()), "processes": ["锻造" if lang == "zh" else "forging",
                                                                            "", "", "", ""],
                        "categories": ["3512", "2231", "1711", "3512", "3021"],
                        "certifications": ["ISO9001;API Q1", "ISO9001", "", "ISO9001", ""],
                        "capacity_value": [5e7, 1e7, 1e7, 5e6, 1e8],
                        "lon": [112.16, 112.15, 112.18, 113.5, 112.2], "lat": [30.37, 30.42, 30.31, 31.9, 30.29]})
    needs = pd.DataFrame({"need_id": ["N1"], "buyer_id": ["B"], "product": [need[0]], "process": [need[1]],
                          "specification": [need[2]], "category": ["3512"], "certifications": ["API Q1"],
                          "annual_value": [2e7], "delivery_radius_km": [100.0],
                          "lon": [112.161], "lat": [30.371]})
    return needs, sup


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_right_supplier_ranks_first(lang):
    needs, sup = catalogue(lang)
    m = match(needs, sup, top_k=5).set_index("supplier_id")
    assert m["rank"].idxmin() == "S1"
    assert m.loc["S1", "category"] == 1.0 and m.loc["S1", "certifications"] == 1.0
    assert m.loc["S1", "text"] > m.loc["S4", "text"] > 0  # both forge; S1 makes the very part
    assert m.loc["S4", "distance"] == 0.0  # 180 km away, beyond the 100 km radius
    assert m.loc["S2", "score"] < m.loc["S1", "score"]
    assert "category 1.0" in m.loc["S1", "reason"]


def test_the_reverse_direction_and_scores_in_range():
    needs, sup = catalogue("zh")
    more = pd.concat([needs, needs.assign(need_id="N2", product="瓦楞纸箱", process="", specification="纸箱",
                                          category="2231", certifications="")], ignore_index=True)
    r = match_needs_for_supplier(more, sup, "S2")
    assert r.iloc[0]["need_id"] == "N2"
    m = match(more, sup, top_k=5)
    assert m[["score", "category", "text", "distance", "capacity", "certifications"]].apply(
        lambda c: c.between(0, 1).all()).all()


def test_tokens_and_category_fit():
    assert "锻件" in tokenize("高压管汇锻件") and "forgings" in tokenize("Manifold forgings")
    assert category_fit("3512", ["3512"]) == 1.0 and category_fit("3512", ["3514"]) == 0.8
    assert category_fit("3512", ["3599"]) == 0.6 and category_fit("3512", ["3411"]) == 0.3
    assert category_fit("3512", ["2221"]) == 0.3  # both manufacturing (section C)
    assert category_fit("3512", ["6513"]) == 0.0


def test_network_summaries():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "name": ["主机厂", "配套一", "配套二"],
                          "region_id": "R", "park_id": ["P", "P", None]})
    links = pd.DataFrame({"buyer_id": ["A", "A", "A"], "supplier_id": ["B", "C", None],
                          "supplier_name": ["配套一", "配套二", "外地钢厂"], "supplier_region_id": ["R", "R", "X"],
                          "year": 2006, "amount": [30.0, 10.0, 60.0], "product": ["锻件", "锻件", "钢材"]})
    g = supply_network(links, firms)
    s = buyer_summary(g, "R").set_index("firm_id")
    assert s.loc["A", "local_share_pct"] == pytest.approx(40.0) and s.loc["A", "local_suppliers"] == 2
    risks = single_source_risks(links, firms, "R")
    assert list(risks["product"]) == ["钢材"] and "outside the region only" in risks.iloc[0]["risk"]


def test_contracts_flow_into_supply_links_the_supporting_rate_and_awards(tmp_path, sample_copy):
    """End to end on a copy of the sample: record a new contract, and the leading firm's local
    supporting rate and its local-purchasing award both rise."""
    from clusteratlas.analyses.incentives import Ruleset, run
    from clusteratlas.study.records import record_contracts
    from clusteratlas.analyses.valuechain import local_supporting_rate
    from clusteratlas.io import import_files
    from tests.conftest import open_store, write_csv

    with open_store(sample_copy) as s:
        firms = s.table("firms")
        sijichang = firms.loc[firms["name"] == "四机厂", "firm_id"].iloc[0]
        supplier = firms.loc[firms["name"] == "湖北四钻", "firm_id"].iloc[0]
        need = s.table("purchase_needs").query("buyer_id == @sijichang").iloc[0]["need_id"]

        def rate_2006():
            r = local_supporting_rate(s.table("firms"), s.table("firm_years"), s.table("supply_links"), "421003")
            r = r[(r.firm_id == sijichang) & (r.year == 2006)]
            return (float(r["local"].iloc[0]) if len(r) else 0.0)

        before = rate_2006()
        record_contracts(s)
        after_sample = rate_2006()
        assert after_sample == pytest.approx(before + 8e6)  # the sample's own contract (M001)
        write_csv(tmp_path / "m.csv", [["对接编号", "需求编号", "供应商代码", "对接进展", "签约金额(元)", "日期"],
                                        ["M900", need, supplier, "签约", "25000000", "2006-06-30"]])
        import_files(s, [tmp_path / "m.csv"])
        record_contracts(s)
        assert rate_2006() == pytest.approx(after_sample + 2.5e7)
        links = contracts_to_supply_links(s.table("match_outcomes"), s.table("purchase_needs"), firms)
        assert set(links["年份"]) == {2006}
        # the local-purchasing award (§13): CNY 30,000 per extra CNY 10 million bought locally
        rs = Ruleset.load("changsha_2005")
        local_2006 = s.sql("SELECT sum(amount) v FROM supply_links l JOIN firms f ON f.firm_id = l.supplier_id "
                           "WHERE l.buyer_id = ? AND l.year = 2006 AND f.region_id = '421003'", [sijichang]).iloc[0, 0]
        entity = pd.DataFrame([{"entity_id": sijichang, "entity": "firm", "three_industries": True,
                                "host_firm": True, "local_purchases": local_2006, "local_purchases_previous": 0.0}])
        award = run(rs, entity, 2006).lines.query("rule_id == 'c13_local_purchasing'")["amount"].sum()
        assert award == pytest.approx((local_2006 // 1e7) * 3e4)
