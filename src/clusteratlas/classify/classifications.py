"""GB/T 4754-2017 (国民经济行业分类), ISIC Rev.4 sections, NAICS 2017 sectors, and crosswalk.

The shipped GB/T 4754-2017 table holds the 20 sections (门类, letters A–T) and the 97
divisions (大类, two digits). Groups (中类, three digits) and classes (小类, four digits) are
accepted when their shipped division exists, and are kept exactly as given: a firm coded
``3512`` (石油钻采专用设备制造) is valid because division ``35`` (专用设备制造业) is shipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

_CODE = re.compile(r"^(?:[A-T]|\d{2}|\d{3}|\d{4})$")


def _read(name: str) -> pd.DataFrame:
    with resources.files("clusteratlas.classify").joinpath("data", name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class Classification:
    """A hierarchical industry classification with a ``code → ancestor`` rule."""

    name: str
    table: pd.DataFrame  # columns: code, level, parent, name_zh, name_en

    def division_of(self, code: str) -> str | None:
        """The shipped two-digit division that ``code`` falls under, or None when it has none."""
        code = code.strip()
        if not _CODE.match(code) or code.isalpha():
            return None
        division = code[:2]
        return division if division in self._divisions() else None

    def is_valid(self, code: str) -> bool:
        """A section letter, a shipped division, or a deeper code whose division is shipped."""
        code = code.strip()
        if code.isalpha():
            return code in self._sections()
        return self.division_of(code) is not None

    def section_of(self, code: str) -> str | None:
        division = self.division_of(code)
        if division is None:
            return code if code in self._sections() else None
        return self._parents()[division]

    def label(self, code: str, lang: str = "zh") -> str:
        """Name of the code, or of its nearest shipped ancestor (marked with the code itself)."""
        names = self._names(lang)
        if code in names:
            return names[code]
        division = self.division_of(code)
        if division is None:
            raise KeyError(f"{code!r} is not a valid {self.name} code")
        return names[division]

    def _names(self, lang: str) -> dict[str, str]:
        return _names(self.name, lang)

    def _divisions(self) -> frozenset[str]:
        return _levels(self.name, "division")

    def _sections(self) -> frozenset[str]:
        return _levels(self.name, "section")

    def _parents(self) -> dict[str, str]:
        return _parents(self.name)

    def valid_mask(self, codes: pd.Series) -> pd.Series:
        """Vectorised :meth:`is_valid` for a column of codes (missing values are not valid)."""
        s = codes.astype("string").str.strip()
        shape_ok = s.str.fullmatch(_CODE.pattern).fillna(False).astype(bool)
        is_section = s.isin(self._sections()).fillna(False).astype(bool)
        division_ok = s.str[:2].isin(self._divisions()).fillna(False).astype(bool) & ~s.str.isalpha().fillna(False).astype(bool)
        return (shape_ok & (is_section | division_ok)).astype(bool)


@cache
def _table(name: str) -> pd.DataFrame:
    return _read("gbt4754_2017.csv")


@cache
def _names(name: str, lang: str) -> dict[str, str]:
    t = _table(name)
    return dict(zip(t["code"], t[f"name_{lang}"]))


@cache
def _levels(name: str, level: str) -> frozenset[str]:
    t = _table(name)
    return frozenset(t.loc[t["level"] == level, "code"])


@cache
def _parents(name: str) -> dict[str, str]:
    t = _table(name)
    return dict(zip(t["code"], t["parent"]))


GBT4754 = Classification("GB/T 4754-2017", _table("GB/T 4754-2017"))


def isic4_sections() -> pd.DataFrame:
    """ISIC Rev.4 sections A–U (code, name_en)."""
    return _read("isic4_sections.csv")


def naics2017_sectors() -> pd.DataFrame:
    """NAICS 2017 two-digit sectors (code, name_en); manufacturing is the range ``31-33``."""
    return _read("naics2017_sectors.csv")


def crosswalk() -> pd.DataFrame:
    """GB/T 4754-2017 division → ISIC Rev.4 section and NAICS 2017 sector.

    One row per correspondence; ``relation`` is ``principal`` where the division maps as a
    whole, ``partial`` where it splits across sections (see docs/classification.md).
    """
    return _read("crosswalk_gbt4754_isic4_naics2017.csv")
