"""Spin-off genealogy: links with generations, the spin-off rate and the spin-offs' share of a
cluster's output worked by hand, a loop of parents refused by name; on the sample, 四机厂's
spin-off 湖北四钻 in the 石油机械 cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.analyses.spinoffs import spinoffs
from clusteratlas.classify.clusters import ClusterDefinition, load_definitions

MACHINES = [ClusterDefinition("machines", "机械", "Machinery", ("35",)), ClusterDefinition("paper", "造纸", "Paper", ("22",))]


def firms():
    return pd.DataFrame({
        "firm_id": ["m", "a", "b", "c", "p"],
        "name": ["母厂", "甲", "乙", "丙", "纸厂"],
        "industry_code": ["3512", "3512", "3599", "3512", "2221"],
        "parent_firm_id": [None, "m", "m", "a", "m"],  # c is a spin-off of a spin-off; p left the cluster
        "founded_year": [1970, 1995, 2000, 2005, 2001],
    })


def test_rates_shares_and_generations_by_hand():
    out = pd.Series({"m": 60.0, "a": 20.0, "b": 10.0, "c": 10.0, "p": 5.0})
    s = spinoffs(firms(), out, MACHINES)
    links = s.links.set_index("child_id")
    assert links.loc["a", "generation"] == 1 and links.loc["c", "generation"] == 2
    assert links.loc["c", "parent"] == "甲" and links.loc["p", "clusters"] == "paper"
    m = s.by_cluster.set_index("cluster").loc["machines"]
    assert (m.firms, m.spin_offs) == (4, 3) and m.spin_off_rate_pct == pytest.approx(75.0)
    assert m.spin_off_output_share_pct == pytest.approx(40 / 100 * 100)  # a, b, c of m, a, b, c
    p = s.by_cluster.set_index("cluster").loc["paper"]
    assert (p.firms, p.spin_offs, p.spin_off_output_share_pct) == (1, 1, 100.0)  # its parent is in another cluster


def test_a_loop_of_parents_is_named():
    f = firms()
    f.loc[f.firm_id == "m", "parent_firm_id"] = "c"
    with pytest.raises(ValueError, match="loop: .*母厂"):
        spinoffs(f, pd.Series(dtype=float), MACHINES)


def test_the_sample_shows_sijichangs_spin_off(sample_study):
    from clusteratlas.study import Settings, diagnose

    s = diagnose(sample_study, Settings(n_sim=19)).spinoffs()
    links = s.links.set_index("child")
    assert links.loc["湖北四钻", "parent"] == "四机厂" and "petroleum_machinery" in links.loc["湖北四钻", "clusters"]
    pm = s.by_cluster.set_index("cluster").loc["petroleum_machinery"]
    assert pm.spin_offs >= 1 and 0 < pm.spin_off_output_share_pct < 100
    assert {d.id for d in load_definitions("seed")} >= set(s.by_cluster.cluster)
