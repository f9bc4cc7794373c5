"""Peers, the portfolio over time and the strength/opportunity quadrants, on the German states'
employment 2008–2014 (REAT's G.regions.emp: 16 states × the WZ 2008 sections it lists), every
figure worked by hand from the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.portfolio import QUADRANTS, peer_regions, portfolio, quadrants
from tests.shared import shared_file

BW, BY = "Baden-Wuerttemberg", "Bayern"
C = "Verarbeitendes Gewerbe (C)"


@pytest.fixture(scope="module")
def states():
    e = pd.read_csv(shared_file("data/reat-germany-regional-employment/G.regions.emp.csv"))
    # the totals and the B–E aggregate (which holds C) would count employment twice
    keep = ~e.industry.isin(["Insgesamt", "Produzierendes Gewerbe ohne Baugewerbe (B-E)"]) & (e.region != "Insgesamt")
    return e[keep].rename(columns={"emp": "value"})


def _matrix(states, year):
    return states[states.year == year].pivot_table(index="region", columns="industry", values="value", aggfunc="sum")


def test_peers_by_hand(states):
    p = peer_regions(states, BW, k=3).set_index("region")
    X = _matrix(states, 2014)
    s_bw, s_by = X.loc[BW] / X.loc[BW].sum(), X.loc[BY] / X.loc[BY].sum()
    cos = float(s_bw @ s_by / np.linalg.norm(s_bw) / np.linalg.norm(s_by))
    assert p.loc[BY, "similarity"] == pytest.approx(cos, rel=1e-12)
    assert p.loc[BY, "size_ratio"] == pytest.approx(X.loc[BY].sum() / X.loc[BW].sum(), rel=1e-12)
    assert p.peer.sum() == 3 and len(p) == 15 and BW not in p.index
    assert p["distance"].is_monotonic_increasing
    assert BY in set(p.index[p.peer])  # the other large southern manufacturing state


def test_a_twin_is_the_nearest_peer_and_picked_peers_are_checked(states):
    twin = states[states.region == BW].assign(region="Zwilling")
    p = peer_regions(pd.concat([states, twin]), BW, k=5)
    assert p.iloc[0].region == "Zwilling" and p.iloc[0].distance == pytest.approx(0, abs=1e-12)
    picked = peer_regions(states, BW, picked=[BY, "Hessen"])
    assert set(picked.region[picked.peer]) == {BY, "Hessen"}
    with pytest.raises(ValueError, match="at most 10"):
        peer_regions(states, BW, picked=sorted(set(states.region) - {BW}))
    with pytest.raises(KeyError, match="not a region"):
        peer_regions(states, BW, picked=["Atlantis"])


def test_income_counts_when_given(states):
    income = pd.Series(1.0, index=states.region.unique())
    income[BY] = 100.0  # far richer: no longer a near peer
    near = peer_regions(states, BW, income=income).set_index("region")
    before = peer_regions(states, BW).set_index("region")
    assert near.loc[BY, "income_ratio"] == pytest.approx(100.0)
    assert before.loc[BY, "peer"] and not near.loc[BY, "peer"] and near.loc[BY, "rank"] > before.loc[BY, "rank"]
    # the income distance, over its spread among the candidates, joins the sum
    assert near.loc[BY, "distance"] == pytest.approx(
        before.loc[BY, "distance"] + np.log(100.0) / near.drop(index=BY).income_distance.pipe(
            lambda s: np.r_[s.to_numpy(), np.log(100.0)]).std(ddof=0))


def test_the_portfolio_by_hand(states):
    traded = {C: True, "Information und Kommunikation (J)": True, "Erbringung von Finanz- und Vers.leistungen (K)": True,
              "Baugewerbe (F)": False, "Handel, Gastgewerbe, Verkehr (G-I)": False}
    p = portfolio(states, BW, traded=pd.Series(traded))
    t = p.industries.set_index("industry")
    X08, X14 = _matrix(states, 2008), _matrix(states, 2014)
    cagr = ((X14.loc[BW, C] / X08.loc[BW, C]) ** (1 / 6) - 1) * 100
    assert t.loc[C, "cagr_pct"] == pytest.approx(cagr, rel=1e-12)
    lq = lambda X: (X.loc[BW, C] / X.loc[BW].sum()) / (X[C].sum() / X.to_numpy().sum())  # noqa: E731
    assert t.loc[C, "lq_end"] == pytest.approx(lq(X14), rel=1e-12)
    assert t.loc[C, "lq_change"] == pytest.approx(lq(X14) - lq(X08), rel=1e-9)
    # strong: LQ in the states' top quartile and at least 1
    lq_all = (X14[C] / X14.sum(axis=1)) / (X14[C].sum() / X14.to_numpy().sum())
    assert bool(t.loc[C, "strong"]) == bool(lq(X14) >= lq_all.quantile(0.75) and lq(X14) >= 1)
    assert t.loc[C, "strong"]  # Baden-Württemberg's manufacturing
    tr = t[t.traded.fillna(False).astype(bool)]
    assert p.cluster_strength_pct == pytest.approx(tr.loc[tr.strong, "value_end"].sum() / tr.value_end.sum() * 100)
    assert t.share_pct.sum() == pytest.approx(100)
    with pytest.raises(ValueError, match="start before end"):
        portfolio(states, BW, start=2014, end=2008)


def test_against_peers_the_lqs_are_against_the_peers(states):
    peers = list(peer_regions(states, BW, k=3).query("peer").region)
    p = portfolio(states, BW, peers=peers)
    assert set(p.comparison) == {BW, *peers}
    X = _matrix(states, 2014).loc[[BW, *peers]]
    lq = (X.loc[BW, C] / X.loc[BW].sum()) / (X[C].sum() / X.to_numpy().sum())
    assert p.industries.set_index("industry").loc[C, "lq_end"] == pytest.approx(lq, rel=1e-12)


def test_quadrants_follow_their_cuts(states):
    q = quadrants(states, BW)
    assert set(q.quadrant) <= set(QUADRANTS) and len(q) == 10
    present, related = q.rca >= 1, q.density >= q.density_cut
    assert (q.quadrant[present & related] == "strength").all()
    assert (q.quadrant[~present & ~related] == "threat").all()
    assert q.set_index("industry").loc[C, "quadrant"] in ("strength", "weakness")  # BW's specialisation


def test_wages_and_patents_by_hand():
    """Two divisions in 2006 H1. 35: firms A (wage bill 60, 10 employees) and B (no wage bill, 30
    employees), C's patents; 13: firm C. Wages are a year's: 60/10 × 12/6 = 12 per head. Patents
    granted Jan–Jun 2006 per 10,000 employees: 35 has patents P1 (A), P2 (A and B jointly: once)
    and P4 (A, granted in July: outside) over 40 employees → 2/40 × 1e4 = 500; inventions 1 → 250;
    13 has none over 5 employees → 0."""
    from clusteratlas.analyses.portfolio import firm_figures

    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "industry_code": ["3512", "3599", "1311"]})
    fy = pd.DataFrame({"firm_id": ["A", "B", "C", "A"], "year": [2006, 2006, 2006, 2005],
                       "month_to": [6, 6, 6, 12], "employment": [10.0, 30.0, 5.0, 10.0],
                       "wage_bill": [60.0, np.nan, 7.0, 999.0], "revenue": [100.0, 300.0, 50.0, 1.0],
                       "rd_spend": [3.0, np.nan, 1.0, 1.0], "value_added": [20.0, 60.0, np.nan, 1.0]})
    patents = pd.DataFrame({"patent_no": ["P1", "P2", "P2", "P4"], "firm_id": ["A", "A", "B", "A"],
                            "kind": ["invention", "utility_model", "utility_model", "invention"],
                            "granted_date": pd.to_datetime(["2006-02-01", "2006-05-01", "2006-05-01", "2006-07-15"])})
    out = firm_figures(fy, firms, 2006, 6, patents=patents).set_index("industry")
    assert out.loc["35", "average_wage"] == pytest.approx(60 / 10 * 2)  # B reports no wage bill
    assert out.loc["13", "average_wage"] == pytest.approx(7 / 5 * 2)
    assert out.loc["35", "rd_intensity_pct"] == pytest.approx(3 / 100 * 100)
    assert out.loc["35", "value_added_per_employee"] == pytest.approx(80 / 40)
    assert out.loc["35", "patents_per_10k"] == pytest.approx(2 / 40 * 1e4)
    assert out.loc["35", "inventions_per_10k"] == pytest.approx(1 / 40 * 1e4)
    assert out.loc["13", "patents_per_10k"] == 0
    # a patent list without a grant in the year says nothing about it: no value, not zero
    old = patents.assign(granted_date=pd.to_datetime("2004-01-01"))
    assert firm_figures(fy, firms, 2006, 6, patents=old)["patents_per_10k"].isna().all()
    assert firm_figures(fy, firms, 2006, 6)["patents_per_10k"].isna().all()


def test_the_class_in_force_is_the_newest_override_else_the_newest_saved():
    """Computed now: A traded, B local, C local, D traded. Saved twice (the second saving B as
    traded), then overrides: A local (in force), C traded then withdrawn (the saved class again);
    D was never saved (computed now); E was saved but has no output now (kept, from the record)."""
    from clusteratlas.analyses.portfolio import current_classes

    computed = pd.DataFrame({"industry": list("ABCD"), "gini": [0.8, 0.2, 0.3, 0.9], "threshold": 0.5,
                             "traded": [True, False, False, True]})
    t = pd.Timestamp("2026-12-01")
    rec = pd.DataFrame([
        (1, "A", True, "computed", 0.7, "甲", None), (2, "B", False, "computed", 0.2, "甲", None),
        (3, "C", False, "computed", 0.3, "甲", None), (4, "E", True, "computed", 0.6, "甲", None),
        (5, "B", True, "computed", 0.55, "乙", None),
        (6, "A", False, "override", None, "丙", "只供本地"), (7, "C", True, "override", None, "丙", "出口"),
        (8, "C", None, "override", None, "丙", "撤回")],
        columns=["class_id", "industry", "traded", "method", "gini", "author", "reason"]).assign(created_at=t)
    out = current_classes(rec, computed).set_index("industry")
    assert out["traded"].to_dict() == {"A": False, "B": True, "C": False, "D": True, "E": True}
    assert out["source"].to_dict() == {"A": "override", "B": "saved", "C": "saved", "D": "computed", "E": "saved"}
    assert out["computed_traded"].iloc[:4].tolist() == [True, False, False, True]
    assert pd.isna(out.at["E", "computed_traded"])
    assert out.at["B", "saved_by"] == "乙" and out.at["B", "saved_gini"] == 0.55
    assert out.at["A", "reason"] == "只供本地" and out.at["A", "override_by"] == "丙"
    # without records, the computed classes
    plain = current_classes(rec.iloc[0:0], computed)
    assert (plain["source"] == "computed").all() and plain["traded"].tolist() == [True, False, False, True]
