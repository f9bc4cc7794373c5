"""The shipped list of China's divisions at county level and above, by code."""

import pandas as pd

from clusteratlas.classify import division_name, divisions, full_name, is_division, region_rows
from tests.shared import shared_file


def test_codes_names_levels_and_parents():
    assert division_name("421003") == "荆州区" and division_name("421022") == "公安县"
    assert division_name("429999") is None
    assert full_name("421022") == "湖北省荆州市公安县" and full_name("110101") == "北京市东城区"
    t = divisions()
    assert t.at["420000", "level"] == "province" and t.at["421000", "level"] == "prefecture"
    assert t.at["421022", "level"] == "county" and t.at["421003", "level"] == "district"
    # a retired code stays known (firms registered before the change carry it), marked so
    assert division_name("421023") == "监利县" and not t.at["421023", "current"]
    assert t.at["421088", "current"]
    assert list(is_division(pd.Series(["421022", "42102", None]))) == [True, False, False]
    rows = region_rows(["421022"])
    assert list(rows["region_id"]) == ["421022", "421000", "420000"]
    assert rows.set_index("region_id").at["421000", "parent_id"] == "420000"
    # every county-level code sits under its prefecture or, for a municipality, its province
    counties = t[t["level"].isin(["county", "district"])]
    assert counties["parent"].isin(t.index).all()


def test_agrees_with_an_independent_list_of_the_same_divisions():
    """DataV GeoAtlas's list (2022), read from the shared data: a different publisher of the
    same official codes. Nearly every one of its codes is shipped, most under the same name;
    the differences are renamed units (桥东区 → 襄都区, 2020) and Macao's parishes."""
    other = pd.read_csv(shared_file("data/china-admin-geojson/china_admin_units_centers.csv"),
                        dtype=str)
    other = other[other["adcode"].str.fullmatch(r"\d{6}") & (other["adcode"] != "100000")]
    t = divisions()
    known = other["adcode"].isin(t.index)
    assert known.mean() > 0.97, other.loc[~known, ["adcode", "name"]].head(20)
    same = other[known]
    agree = (same["name"].to_numpy() == t.loc[same["adcode"], "name"].to_numpy()).mean()
    assert agree > 0.99
