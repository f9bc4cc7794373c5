"""Units written in headers (万元, 亿元, 公顷, 万吨标准煤, USD …) and their factors to canonical units.

Canonical units: CNY (yuan) for money, mu (亩) or km² for area, tce (吨标准煤) for energy.
One mu is 2000/3 m² (GB/T 3102.3 non-SI unit of land, 1 亩 = 666.67 m²).
"""

from __future__ import annotations

import re
import unicodedata

from clusteratlas.io.schema import (
    AREA_KM2,
    AREA_MU,
    COUNT,
    DEGREES,
    ELECTRICITY,
    ENERGY,
    MASS,
    MONEY,
    MONTH,
    PERCENT,
    YEAR,
)

M2_PER_MU = 2000.0 / 3.0

# unit spelling (normalised) → (quantity family, factor to the family's base, needs USD rate)
_MONEY = {
    "元": 1.0, "人民币元": 1.0, "cny": 1.0, "rmb": 1.0, "yuan": 1.0,
    "千元": 1e3, "cny1k": 1e3, "cnythousand": 1e3, "thousandcny": 1e3,
    "万元": 1e4, "cny10k": 1e4, "10kcny": 1e4, "万": 1e4,
    "百万元": 1e6, "cnym": 1e6, "cnymillion": 1e6, "millioncny": 1e6, "cnymn": 1e6,
    "亿元": 1e8, "亿": 1e8, "cny100m": 1e8, "100millioncny": 1e8, "cny100million": 1e8,
}
_USD = {
    "美元": 1.0, "usd": 1.0, "us$": 1.0, "$": 1.0,
    "千美元": 1e3, "usd1k": 1e3, "usdthousand": 1e3, "thousandusd": 1e3,
    "万美元": 1e4, "usd10k": 1e4, "10kusd": 1e4,
    "百万美元": 1e6, "usdm": 1e6, "usdmillion": 1e6, "millionusd": 1e6, "usdmn": 1e6,
    "亿美元": 1e8, "usd100m": 1e8,
}
_AREA_M2 = {
    "亩": M2_PER_MU, "mu": M2_PER_MU, "万亩": 1e4 * M2_PER_MU,
    "公顷": 1e4, "ha": 1e4, "hectare": 1e4, "hectares": 1e4, "hm2": 1e4, "hm²": 1e4,
    "平方米": 1.0, "m2": 1.0, "m²": 1.0, "sqm": 1.0, "㎡": 1.0, "万平方米": 1e4,
    "平方公里": 1e6, "平方千米": 1e6, "km2": 1e6, "km²": 1e6, "sqkm": 1e6,
}
_ENERGY = {
    "吨标准煤": 1.0, "吨标煤": 1.0, "tce": 1.0, "tonnesce": 1.0, "tonce": 1.0, "t": None,
    "万吨标准煤": 1e4, "万吨标煤": 1e4, "10ktce": 1e4,
    "千克标准煤": 1e-3, "kgce": 1e-3,
}
_ELECTRICITY = {"千瓦时": 1.0, "kwh": 1.0, "度": 1.0, "万千瓦时": 1e4, "万度": 1e4, "mwh": 1e3,
                "兆瓦时": 1e3, "亿千瓦时": 1e8, "gwh": 1e6}
_MASS = {"吨": 1.0, "t": 1.0, "公斤": 1e-3, "千克": 1e-3, "kg": 1e-3, "万吨": 1e4}
_COUNT = {"人": 1.0, "个": 1.0, "家": 1.0, "户": 1.0, "persons": 1.0, "people": 1.0,
          "jobs": 1.0, "firms": 1.0, "number": 1.0, "万人": 1e4, "千人": 1e3}
_PLAIN = {DEGREES: {"度", "°", "deg", "degrees", "degree"}, YEAR: {"年", "year"},
          MONTH: {"月", "month"}, PERCENT: {"%", "％", "percent", "百分比"}}


def normalise_unit(text: str) -> str:
    return re.sub(r"[\s_\-·.]", "", unicodedata.normalize("NFKC", text)).lower()


class UnitError(ValueError):
    pass


def factor_to_canonical(unit: str, quantity: str, usd_rate: float | None) -> float:
    """Multiply a value written in ``unit`` by this to get the canonical unit of ``quantity``.

    Raises UnitError with a message for users when the unit is unknown, wrong for the column,
    or a USD amount lacks an exchange rate (CNY per USD).
    """
    u = normalise_unit(unit)
    if quantity == MONEY:
        if u in _MONEY:
            return _MONEY[u]
        if u in _USD:
            if usd_rate is None:
                raise UnitError("usd_rate_missing")
            return _USD[u] * usd_rate
    elif quantity in (AREA_MU, AREA_KM2):
        if u in _AREA_M2:
            base = M2_PER_MU if quantity == AREA_MU else 1e6
            return _AREA_M2[u] / base
    elif quantity == ENERGY:
        if _ENERGY.get(u):
            return _ENERGY[u]
    elif quantity == COUNT:
        if u in _COUNT:
            return _COUNT[u]
    elif quantity == ELECTRICITY:
        if u in _ELECTRICITY:
            return _ELECTRICITY[u]
    elif quantity == MASS:
        if u in _MASS:
            return _MASS[u]
    elif quantity in _PLAIN:
        if u in _PLAIN[quantity]:
            return 1.0
    raise UnitError("bad_unit")


def is_unit(text: str) -> bool:
    """Whether ``text`` is a unit spelling of any family (used to split two-line headers)."""
    u = normalise_unit(text)
    return any(u in table for table in (_MONEY, _USD, _AREA_M2, _ENERGY, _COUNT, _ELECTRICITY,
                                        _MASS)) or any(
        u in s for s in _PLAIN.values())
