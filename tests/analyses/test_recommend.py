"""The opportunity ranking on a constructed case whose answer is known, and the industry space."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.recommend import STRATEGIES, industry_space, opportunities


def constructed(seed=0):
    """30 regions × 12 industries. Industries 'a' and 'b' are the focal region's strong
    clusters; 'partner' is specialised in exactly the regions where 'a' and 'b' are (never in the
    focal region); the other industries are scattered at random."""
    rng = np.random.default_rng(seed)
    regions = [f"r{i:02d}" for i in range(30)]
    others = [f"o{i}" for i in range(9)]
    rows = []
    cluster_regions = set(regions[1:13])  # where a, b (and partner) concentrate
    for r in regions:
        for ind in ["a", "b", "partner", *others]:
            v = rng.uniform(5, 15)
            if ind in ("a", "b") and (r in cluster_regions or r == "r00"):
                v *= 8
            if ind == "partner" and r in cluster_regions:
                v *= 8
            if ind in others and rng.random() < 0.3:
                v *= 8
            rows.append((r, ind, v))
    return pd.DataFrame(rows, columns=["region", "industry", "value"])


@pytest.mark.parametrize("strategy", ["low_hanging", "balanced"])
def test_an_industry_colocated_with_the_regions_clusters_ranks_first(strategy):
    d = constructed()
    o = opportunities(d, "r00", strategy=strategy)
    assert set(o.present.industry) >= {"a", "b"}
    top = o.table.iloc[0]
    assert top.industry == "partner"
    assert "a" in top.related_to and "b" in top.related_to
    assert "related to" in top.reason and "no input-output linkage data" in top.reason


def test_linkages_and_chain_gaps_enter_score_and_reason():
    d = constructed(1)
    link = pd.DataFrame({"from": ["o3"], "to": ["a"], "coefficient": [0.25]})
    without = opportunities(d, "r00", top=None).table.set_index("industry")
    with_link = opportunities(d, "r00", linkages=link, chain_gaps=["o3"], top=None).table.set_index("industry")
    assert with_link.loc["o3", "linkage"] == 0.25
    assert with_link.loc["o3", "rank"] < without.loc["o3", "rank"]
    assert "missing link" in with_link.loc["o3", "reason"]
    assert "input-output link 0.25 " in with_link.loc["o3", "reason"]


def test_strategies_weigh_complexity_differently():
    d = constructed(2)
    low = opportunities(d, "r00", strategy="low_hanging", top=None).table
    far = opportunities(d, "r00", strategy="long_jumps", top=None).table
    assert np.corrcoef(low["rank"], low["density"].rank(ascending=False))[0, 1] > \
        np.corrcoef(far["rank"], far["density"].rank(ascending=False))[0, 1]
    assert set(STRATEGIES) == {"low_hanging", "balanced", "long_jumps"}
    with pytest.raises(ValueError):
        opportunities(d, "r00", strategy="gut_feeling")


def test_the_industry_space_is_connected_and_marks_presence():
    import networkx as nx

    d = constructed()
    g = industry_space(d, "r00")
    assert nx.is_connected(g) and g.number_of_nodes() == 12
    assert g.nodes["a"]["present"] and not g.nodes["partner"]["present"]
    assert g.has_edge("a", "partner") or g.has_edge("b", "partner")
