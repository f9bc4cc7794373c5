"""Clusters that span codes: the shipped bundle, the U.S. benchmark definitions read from their
NAICS crosswalk and aggregating a constructed NAICS table correctly, and a measure taking
clusters in place of codes."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.classify.clusters import (
    ClusterDefinition,
    cluster_members,
    load_definitions,
    to_clusters,
    us_benchmark_definitions,
)
from clusteratlas.measures import location_quotient
from tests.shared import shared_file


def test_the_seed_bundle_and_what_a_code_belongs_to():
    seed = {d.id: d for d in load_definitions("seed")}
    assert set(seed) == {"petroleum_machinery", "paper_packaging", "textiles_apparel", "agrifood_processing",
                         "building_materials"}
    assert seed["textiles_apparel"].holds("1711") and seed["textiles_apparel"].holds("18")  # a division holds its classes
    assert seed["paper_packaging"].holds("2231") and not seed["paper_packaging"].holds("2311")
    assert seed["petroleum_machinery"].holds("3512") and not seed["petroleum_machinery"].holds("3516")
    assert all(d.sources for d in seed.values())


def test_a_bundle_with_a_wrong_code_is_refused(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("clusters:\n  - {id: x, name_zh: 甲, codes: ['99']}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a GB/T 4754-2017"):
        load_definitions(bad)
    with pytest.raises(KeyError, match="no shipped cluster bundle"):
        load_definitions("nothing")


@pytest.fixture(scope="module")
def us():
    return us_benchmark_definitions(shared_file("data/us-cluster-mapping-definitions/naics2012_to_cluster.csv"))


def test_the_us_benchmark_definitions_read_as_published(us):
    # 70 clusters: 51 traded, 19 local (PROVENANCE.txt; Delgado, Porter & Stern 2016)
    assert len(us) == 70 and sum(d.traded for d in us) == 51
    aero = next(d for d in us if d.name_en == "Aerospace Vehicles and Defense")
    assert "336411" in aero.codes and aero.traded and aero.system == "naics2012"
    # every row of the crosswalk is in one cluster but 814110 Private Households, local and in none
    assert sum(len(d.codes) for d in us) == 991 and not any(d.holds("814110") for d in us)


def test_a_constructed_naics_table_aggregates_to_its_clusters(us):
    aero = next(d for d in us if d.name_en == "Aerospace Vehicles and Defense")
    other = next(d for d in us if not d.traded)
    one, two = aero.codes[0], aero.codes[1]
    local = other.codes[0]
    table = pd.DataFrame({"region": ["a", "a", "a", "b", "b", "b"],
                          "naics": [one, two, local, one, local, "999999"],  # 999999: in no cluster
                          "jobs": [10.0, 5.0, 20.0, 2.0, 30.0, 7.0]})
    by_cluster = to_clusters(table, us, industry="naics")
    sums = by_cluster.groupby(["region", "naics"])["jobs"].sum()
    assert sums[("a", aero.id)] == 15.0 and sums[("b", aero.id)] == 2.0
    assert sums[("a", other.id)] == 20.0 and sums[("b", other.id)] == 30.0
    assert by_cluster["jobs"].sum() == table["jobs"].sum() - 7.0  # the code in no cluster is left out
    # a measure takes the clusters in place of codes
    lq = location_quotient(by_cluster, industry="naics", value="jobs").set_index(["region", "naics"]).lq
    assert lq[("a", aero.id)] == pytest.approx((15 / 35) / (17 / 67))


def test_a_code_in_two_clusters_counts_in_each():
    defs = [ClusterDefinition("machinery", "机械", "Machinery", ("35",)),
            ClusterDefinition("oil", "石油机械", "Oil machinery", ("3512",))]
    m = cluster_members(["3512", "3514", "1711"], defs)
    assert sorted(map(tuple, m.to_numpy())) == [("3512", "machinery"), ("3512", "oil"), ("3514", "machinery")]
    d = pd.DataFrame({"industry": ["3512", "3514"], "value": [1.0, 2.0]})
    assert to_clusters(d, defs).groupby("industry")["value"].sum().to_dict() == {"machinery": 3.0, "oil": 1.0}
