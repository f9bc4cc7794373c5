"""Unified social credit codes (统一社会信用代码), GB 32100-2015: 18 characters, last is a check."""

from __future__ import annotations

import numpy as np
import pandas as pd

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters; I, O, Z, S, V excluded
WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_char(first17: str) -> str:
    """The check character for the first 17 characters (GB 32100-2015, clause 4.2)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def looks_like_uscc(codes: pd.Series) -> pd.Series:
    """18 characters of the code alphabet — the shape of a credit code, right or wrong."""
    return codes.str.fullmatch(f"[{ALPHABET}]{{18}}").fillna(False).astype(bool)


def valid_uscc(codes: pd.Series) -> pd.Series:
    """True where an 18-character code's check digit is right (vectorised over a column)."""
    shaped = looks_like_uscc(codes)
    out = pd.Series(False, index=codes.index)
    if shaped.any():
        s = codes[shaped]
        out[shaped] = [c[17] == check_char(c[:17]) for c in s]
    return out
