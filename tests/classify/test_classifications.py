"""GB/T 4754-2017 as shipped, the ancestor rule for deeper codes, and the crosswalk."""

import pandas as pd
import pytest

from clusteratlas.classify import GBT4754, crosswalk, isic4_sections, naics2017_sectors


def test_the_standard_has_20_sections_and_97_divisions():
    t = GBT4754.table
    assert (t.level == "section").sum() == 20
    divisions = t[t.level == "division"]
    assert len(divisions) == 97
    assert list(divisions.code) == [f"{i:02d}" for i in range(1, 98)]
    assert set(divisions.parent) <= set(t[t.level == "section"].code)
    assert (t.name_zh.str.len() > 0).all() and (t.name_en.str.len() > 0).all()


@pytest.mark.parametrize("code,section", [("01", "A"), ("06", "B"), ("13", "C"), ("43", "C"),
                                          ("44", "D"), ("47", "E"), ("51", "F"), ("65", "I"),
                                          ("70", "K"), ("83", "P"), ("97", "T")])
def test_section_boundaries(code, section):
    assert GBT4754.section_of(code) == section


@pytest.mark.parametrize("code", ["C", "35", "351", "3512", "0111", "6513"])
def test_codes_under_a_shipped_division_are_valid(code):
    assert GBT4754.is_valid(code)


@pytest.mark.parametrize("code", ["", "00", "98", "9912", "3X12", "35123", "Z", "3", "ab"])
def test_codes_without_a_shipped_ancestor_are_not(code):
    assert not GBT4754.is_valid(code)


def test_vectorised_validity_matches_the_scalar_rule():
    codes = pd.Series(["35", "3512", "98", None, "C", "3X12", "0111"])
    expected = [GBT4754.is_valid(c) if isinstance(c, str) else False for c in codes]
    assert GBT4754.valid_mask(codes).tolist() == expected


def test_a_deeper_code_is_named_by_its_division():
    assert GBT4754.label("3512") == "专用设备制造业"
    assert GBT4754.label("35", "en") == "Manufacture of special-purpose machinery"
    with pytest.raises(KeyError):
        GBT4754.label("98")


def test_crosswalk_covers_every_division_with_known_targets():
    cw = crosswalk()
    divisions = set(GBT4754.table.query("level == 'division'").code)
    assert set(cw.gbt4754_division) == divisions
    assert set(cw.isic4_section) <= set(isic4_sections().code)
    assert set(cw.naics2017_sector) <= set(naics2017_sectors().code)
    assert set(cw.relation) <= {"principal", "partial"}
    # a division mapped in parts has at least two rows; a principal one exactly one
    counts = cw.groupby("gbt4754_division").size()
    partial = set(cw.loc[cw.relation == "partial", "gbt4754_division"])
    assert all(counts[d] >= 2 for d in partial if d not in {"76", "96"})


def test_manufacturing_maps_to_isic_c_and_naics_31_33():
    cw = crosswalk().set_index("gbt4754_division")
    for d in range(13, 42):
        assert cw.loc[f"{d:02d}", "isic4_section"] == "C"
        assert cw.loc[f"{d:02d}", "naics2017_sector"] == "31-33"
