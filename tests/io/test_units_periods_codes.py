"""Units in headers, statistical periods, header parsing and credit codes."""

import pandas as pd
import pytest

from clusteratlas.io.headers import field_for, split_unit, unit_line
from clusteratlas.io.periods import label, parse_period, period_in_title
from clusteratlas.io.schema import AREA_KM2, AREA_MU, COUNT, ENERGY, MONEY
from clusteratlas.io.units import M2_PER_MU, UnitError, factor_to_canonical
from clusteratlas.io.uscc import check_char, valid_uscc


@pytest.mark.parametrize("unit,quantity,factor", [
    ("元", MONEY, 1), ("万元", MONEY, 1e4), ("亿元", MONEY, 1e8), ("CNY 10k", MONEY, 1e4),
    ("千元", MONEY, 1e3), ("亩", AREA_MU, 1), ("公顷", AREA_MU, 15), ("平方公里", AREA_MU, 1500),
    ("平方米", AREA_MU, 1 / M2_PER_MU), ("km²", AREA_KM2, 1), ("公顷", AREA_KM2, 0.01),
    ("万吨标准煤", ENERGY, 1e4), ("tce", ENERGY, 1), ("万人", COUNT, 1e4),
])
def test_unit_factors(unit, quantity, factor):
    assert factor_to_canonical(unit, quantity, None) == pytest.approx(factor)


def test_one_mu_is_two_thousand_thirds_of_a_square_metre():
    assert M2_PER_MU == pytest.approx(666.6667, abs=1e-4)
    assert factor_to_canonical("亩", AREA_KM2, None) == pytest.approx(1 / 1500)


def test_usd_needs_a_rate_and_converts_with_it():
    with pytest.raises(UnitError, match="usd_rate_missing"):
        factor_to_canonical("万美元", MONEY, None)
    assert factor_to_canonical("万美元", MONEY, 7.1) == pytest.approx(71_000)


@pytest.mark.parametrize("unit,quantity", [("吨", MONEY), ("万元", AREA_MU), ("亩", MONEY),
                                           ("furlongs", ENERGY)])
def test_a_unit_of_the_wrong_kind_is_refused(unit, quantity):
    with pytest.raises(UnitError, match="bad_unit"):
        factor_to_canonical(unit, quantity, 7.0)


@pytest.mark.parametrize("text,expected", [
    ("2006", (2006, 12)), ("2006年", (2006, 12)), ("2006年1-6月", (2006, 6)),
    ("2006年1—6月累计", (2006, 6)), ("2006年１－９月", (2006, 9)), ("2006年上半年", (2006, 6)),
    ("2006年前三季度", (2006, 9)), ("2006H1", (2006, 6)), ("2006Q3", (2006, 9)),
    ("2006-06", (2006, 6)), ("2006M11", (2006, 11)), ("2006年6月累计", (2006, 6)),
    ("2006年1-13月", None), ("六月", None), ("2006Q5", None), ("", None),
])
def test_periods(text, expected):
    assert parse_period(text) == expected


def test_period_in_a_title_line():
    assert period_in_title("2006年1-6月规模以上工业企业主要经济指标") == (2006, 6)
    assert period_in_title("荆州区2005年工业企业名录") == (2005, 12)
    assert period_in_title("企业名录") is None
    assert label(2006, 6) == "2006年1-6月" and label(2006, 12) == "2006年"


@pytest.mark.parametrize("header,name,unit", [
    ("工业总产值(万元)", "工业总产值", "万元"), ("工业总产值（万元）", "工业总产值", "万元"),
    ("用地面积【亩】", "用地面积", "亩"), ("Output (CNY 10k)", "Output", "CNY 10k"),
    ("output_cny10k", "output", "cny10k"), ("企业名称", "企业名称", None),
    ("税收(单位:万元)", "税收", "万元"),
])
def test_units_are_split_from_headers(header, name, unit):
    assert split_unit(header) == (name, unit)


def test_known_headers_in_chinese_and_english():
    assert field_for("firm_years", "工业总产值") == "output"
    assert field_for("firm_years", "Gross Output") == "output"
    assert field_for("firms", "统一社会信用代码") == "firm_id"
    assert field_for("firms", "经 度") == "lon"
    assert field_for("firms", "工业总产值") is None
    assert unit_line("单位：万元") == "万元" and unit_line("制表单位：统计局") is None


def test_published_credit_codes_pass_and_any_changed_character_fails():
    # the example of GB 32100-2015 and a code published on a company registry extract
    good = ["91350100M000100Y43", "914403001922038216"]
    assert valid_uscc(pd.Series(good)).all()
    for code in good:
        for i in range(18):
            alt = "1" if code[i] != "1" else "2"
            changed = code[:i] + alt + code[i + 1:]
            assert not valid_uscc(pd.Series([changed])).iloc[0], changed
    assert check_char("91350100M000100Y4") == "3"
