"""Statistical periods: a year, or year-to-date through a month as Chinese statistics report
them (1–6月累计, 上半年, 前三季度, 2006Q2, 2006-06). A period is (year, month_to); month_to 12
is the full year. Year-on-year growth compares the same month_to of consecutive years.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_PATTERNS = [
    # 2006年1-6月, 2006年1—6月累计, 2006年1~6月
    (re.compile(r"^(\d{4})年?(?:1|一)\s*[-—–~～至到]\s*(\d{1,2})月(?:份)?(?:累计|止)?$"), "month"),
    (re.compile(r"^(\d{4})年?(\d{1,2})月(?:份)?(?:累计|止)$"), "month"),
    (re.compile(r"^(\d{4})年?(上半年|半年|前三季度|一季度|第一季度|全年|年度)$"), "word"),
    (re.compile(r"^(\d{4})[-/.]?m?(\d{1,2})(?:ytd)?$", re.IGNORECASE), "month"),
    (re.compile(r"^(\d{4})[-/]?q([1-4])(?:ytd)?$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})[-/]?h([12])(?:ytd)?$", re.IGNORECASE), "half"),
    (re.compile(r"^(\d{4})(?:年|年度)?$"), "year"),
]
_WORDS = {"上半年": 6, "半年": 6, "前三季度": 9, "一季度": 3, "第一季度": 3, "全年": 12, "年度": 12}


def parse_period(text: str) -> tuple[int, int] | None:
    """``'2006年1-6月'`` → ``(2006, 6)``; ``'2006'`` → ``(2006, 12)``; None if not a period."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()
    for pattern, kind in _PATTERNS:
        m = pattern.match(t)
        if not m:
            continue
        year = int(m.group(1))
        if kind == "year":
            return year, 12
        if kind == "word":
            return year, _WORDS[m.group(2)]
        n = int(m.group(2))
        month = {"month": n, "quarter": 3 * n, "half": 6 * n}[kind]
        return (year, month) if 1 <= month <= 12 else None
    return None


_IN_TITLE = re.compile(r"(\d{4})\s*年\s*(?:(?:1|一)\s*[-—–~～至到]\s*(\d{1,2})\s*月|(上半年|前三季度|一季度|全年))?")


def period_in_title(text: str) -> tuple[int, int] | None:
    """The period a title line such as ``2006年1-6月规模以上工业企业主要指标`` states, if any."""
    m = _IN_TITLE.search(unicodedata.normalize("NFKC", str(text)))
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        return (year, month) if 1 <= month <= 12 else None
    if m.group(3):
        return year, _WORDS[m.group(3)]
    return year, 12


def parse_periods(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_period`: (year, month_to) as nullable Int64 (NA where invalid)."""
    uniq = {v: parse_period(v) for v in pd.unique(values)}
    year = values.map(lambda v: uniq[v][0] if uniq[v] else None).astype("Int64")
    month = values.map(lambda v: uniq[v][1] if uniq[v] else None).astype("Int64")
    return year, month


def label(year: int, month_to: int) -> str:
    """``(2006, 6)`` → ``'2006年1-6月'``; ``(2006, 12)`` → ``'2006年'``."""
    return f"{year}年" if month_to == 12 else (f"{year}年1月" if month_to == 1 else f"{year}年1-{month_to}月")
