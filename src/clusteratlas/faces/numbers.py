"""Numbers as people write them in a report (Babel's number formats for zh_CN and en): money in
万元 or 亿元 (Chinese) or CNY 10k / 100m (English) with thousands separators and sensible
rounding, percentages with one decimal, counts as integers, a missing value as "—"."""

from __future__ import annotations

import math

from babel.numbers import format_decimal

MISSING = "—"
LOCALE = {"zh": "zh_CN", "en": "en"}
# a unit of money: its divisor of CNY and its name in each language
MONEY_UNITS = {"wan": (1e4, "万元", "CNY 10k"), "yi": (1e8, "亿元", "CNY 100m")}


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (hasattr(v, "__class__") and v.__class__.__name__ in ("NAType", "NaTType"))


def number(v, digits: int = 1, lang: str = "zh") -> str:
    """``v`` with thousands separators and ``digits`` decimals (fewer never: a column aligns)."""
    if is_missing(v):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(float(v), format=pattern, locale=LOCALE.get(lang, "zh_CN"))


def money(cny, unit: str = "wan", lang: str = "zh", digits: int | None = None) -> str:
    """An amount of CNY in 万元 (``unit="wan"``) or 亿元 (``"yi"``), the number only (the unit is
    the column's); one decimal for 万元, two for 亿元 unless ``digits``."""
    if is_missing(cny):
        return MISSING
    div = MONEY_UNITS[unit][0]
    return number(float(cny) / div, (1 if unit == "wan" else 2) if digits is None else digits, lang)


def money_unit(unit: str = "wan", lang: str = "zh") -> str:
    return MONEY_UNITS[unit][1 if lang == "zh" else 2]


def money_text(cny, lang: str = "zh") -> str:
    """An amount in words for a sentence: 亿元 from 100 million up, else 万元."""
    if is_missing(cny):
        return MISSING
    unit = "yi" if abs(float(cny)) >= 1e8 else "wan"
    return f"{money(cny, unit, lang)} {money_unit(unit, lang)}" if lang != "zh" else \
        f"{money(cny, unit, lang)}{money_unit(unit, lang)}"


def pct(v, lang: str = "zh", digits: int = 1) -> str:
    """A percentage (already ×100) with one decimal."""
    return MISSING if is_missing(v) else number(v, digits, lang)


def count(v, lang: str = "zh") -> str:
    return MISSING if is_missing(v) else number(round(float(v)), 0, lang)


# the unit a column of each kind carries in its header, in each language
HEADER_UNITS = {"wan": ("万元", "CNY m"), "yi": ("亿元", "CNY 100m"), "pct": ("%", "%"), "km": ("公里", "km"),
                "mu": ("亩", "mu")}
# decimals of the kinds of plain numbers: a score or ratio 2, an index (γ, p) 3, a distance 1
DECIMALS = {"score": 2, "index": 3, "km": 1, "mu": 0}


def header(text: str, kind: str, lang: str = "zh") -> str:
    """A column's header (already in ``lang``) with the unit its kind is shown in: 产值（万元）,
    Output (CNY m) — so a table's numbers never need a unit of their own."""
    unit = HEADER_UNITS.get(kind)
    if unit is None:
        return text
    return f"{text}（{unit[0]}）" if lang == "zh" else f"{text} ({unit[1]})"
