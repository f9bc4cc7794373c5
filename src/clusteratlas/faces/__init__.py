"""What every face says and how it writes numbers, one language at a time.

Text: a gettext catalogue. The code and the templates write the English (the msgid, marked
``_("…")`` or ``N_("…")``); ``messages/zh.po`` holds the Chinese, read with Babel at run time (no
compile step). Chinese is the default; a msgid with no Chinese is a defect a test finds
(``tests/faces``), and at run time it shows the English rather than nothing.

Numbers (``faces.numbers``): money in 万元 or 亿元 with thousands separators, percentages with one
decimal, counts as integers, a missing value as "—".
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

LANGS = ("zh", "en")


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue where it is not translated at once (a table of labels)."""
    return msgid


@lru_cache(maxsize=None)
def catalogue() -> dict[str, str]:
    """msgid (English) → Chinese, every entry of ``messages/zh.po``."""
    from babel.messages.pofile import read_po

    with resources.files("clusteratlas.faces").joinpath("messages", "zh.po").open("rb") as f:
        cat = read_po(f)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def translator(lang: str):
    """``_`` for a language: the Chinese of a msgid for "zh" (the English where the catalogue
    has none), the msgid itself for "en". ``_("…{n}…", n=3)`` fills fields after translating."""
    table = catalogue() if lang == "zh" else {}

    def _(msgid: str, **fields) -> str:
        text = table.get(msgid, msgid)
        return text.format(**fields) if fields else text
    return _


def language(value) -> str:
    """A language code as given (a query, a cookie, an option), or Chinese."""
    return value if value in LANGS else "zh"
