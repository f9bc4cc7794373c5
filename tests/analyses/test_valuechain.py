"""Value chains on a hand-made table, and the sample's leading firms."""

import networkx as nx
import pandas as pd
import pytest

from clusteratlas.analyses.valuechain import (
    chain_gaps,
    local_supporting_rate,
    project_impact,
    sector_divisions,
    supporting_rate_rollup,
    value_chain,
)
from clusteratlas.io.iotables import IOTable

SECTORS = ["31-32 金属", "34 通用设备", "35 专用设备", "61-97 服务"]


def table():
    Z = pd.DataFrame([[10, 30, 40, 0], [0, 5, 20, 0], [0, 0, 5, 10], [5, 5, 5, 20]],
                     index=SECTORS, columns=SECTORS, dtype=float)
    x = pd.Series([200.0, 100.0, 100.0, 300.0], index=SECTORS)
    Y = pd.DataFrame({"居民消费": x - Z.sum(axis=1)})
    V = pd.DataFrame([(x - Z.sum(axis=0)) * 0.6, (x - Z.sum(axis=0)) * 0.4],
                     index=["劳动者报酬", "营业盈余"])
    return IOTable(Z, Y, V, x)


def test_sector_codes():
    assert sector_divisions("31-32 金属") == ["31", "32"] and sector_divisions("服务") == []


def test_the_chain_of_special_equipment():
    presence = pd.DataFrame({"firms": [5, 2], "output": [50.0, 8.0], "lq": [3.0, 0.4]},
                            index=["35", "34"])
    g = value_chain(table(), "3512", presence, direct=0.15, total=0.5, downstream=0.08)
    assert g.graph["focal"] == "35 专用设备"
    # metals (a = 0.40) and general equipment (0.20) supply it; services buy 10 % of its output
    assert set(g.predecessors("35 专用设备")) == {"31-32 金属", "34 通用设备"}
    assert g.edges["31-32 金属", "35 专用设备"]["direct"] == pytest.approx(0.40)
    assert set(g.successors("35 专用设备")) == {"61-97 服务"}
    assert g.nodes["34 通用设备"]["lq"] == 0.4 and not g.nodes["31-32 金属"]["present"]
    assert nx.is_weakly_connected(g)


def test_gaps_are_ranked_by_leakage():
    regional = pd.Series({"35": 50.0, "34": 8.0, "61": 30.0})
    presence = pd.DataFrame({"firms": [5, 2, 3], "lq": [3.0, 0.4, 0.9]}, index=["35", "34", "61"])
    gaps = chain_gaps(table(), regional, ["35"], presence, direct=0.1)
    assert list(gaps.sector[:2]) == ["31-32 金属", "34 通用设备"]
    # metals are absent locally: everything the cluster buys of them leaks out
    metals = gaps.set_index("sector").loc["31-32 金属"]
    assert metals.local_purchases == 0 and metals.leakage == pytest.approx(0.40 * 50)
    assert gaps.gap.all()


def test_project_impact_adds_up_and_closes_households():
    regional = pd.Series({"31": 100.0, "34": 50.0, "35": 80.0, "61": 200.0})
    pi = project_impact(table(), regional, "35", output=10.0, jobs=4, method="slq")
    t = pi.table.set_index("effect")
    assert t.loc["direct", "output"] == 10.0 and t.loc["direct", "jobs"] == 4
    assert t.loc["indirect", "output"] > 0 and t.loc["induced", "output"] > 0
    assert t.loc["total", "output"] == pytest.approx(t.loc[["direct", "indirect", "induced"], "output"].sum())
    assert pi.multiplier_type2 > pi.multiplier_type1 > 1


def test_local_supporting_rate_of_the_sample(sample_store):
    r = local_supporting_rate(sample_store.table("firms"), sample_store.table("firm_years"),
                              sample_store.table("supply_links"), "421003")
    sj = r.set_index("name").loc["四机厂"]
    links = sample_store.table("supply_links")
    firms = sample_store.table("firms").set_index("firm_id")
    mine = links[links.buyer_id == sj.firm_id]
    local = mine[mine.supplier_id.map(firms["region_id"]) == "421003"].amount.sum()
    assert sj.local == pytest.approx(local)
    fy = sample_store.table("firm_years").query("firm_id == @sj.firm_id and year == 2005 and month_to == 12")
    assert sj.rate_pct == pytest.approx(local / fy.total_purchases.iloc[0] * 100)
    assert sj.gap_to_50_points == pytest.approx(50 - sj.rate_pct)
    roll = supporting_rate_rollup(r).set_index("division")
    assert roll.loc["35", "local"] == pytest.approx(r[r.division == "35"].local.sum())
