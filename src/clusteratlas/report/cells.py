"""Text cells made safe for spreadsheets: a value that begins with = + - @ (or a tab or carriage
return) is read by Excel and WPS as a formula — a firm named ``=HYPERLINK(…)`` or ``=cmd|…``
would run in the reader's spreadsheet. Every CSV and XLSX that leaves ClusterAtlas goes through
:func:`neutralise`, which prefixes such cells with an apostrophe (OWASP, "CSV Injection"); pages
show names unchanged.
"""

from __future__ import annotations

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    """The value, with a leading apostrophe where a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutral)
    out.columns = [neutral(c) for c in out.columns]
    return out
