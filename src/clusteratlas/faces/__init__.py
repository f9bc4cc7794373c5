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


class Said(str):
    """A sentence in English (its msgid, filled) that remembers its msgid and fields, so a face
    says it in the reader's language (``say``) while everything else — logs, the API, an
    exception's text — reads the English. Why a section cannot be computed travels this way."""

    msgid: str
    fields: dict

    def __new__(cls, msgid: str, **fields):
        said = super().__new__(cls, msgid.format(**fields) if fields else msgid)
        said.msgid, said.fields = msgid, fields
        return said


def say(text, lang: str) -> str:
    """``text`` in ``lang``: a ``Said`` translated, anything else as it is."""
    if isinstance(text, Said):
        return translator(lang)(text.msgid, **text.fields)
    return "" if text is None else str(text)


def reason(error: Exception, lang: str) -> str:
    """Why something could not be done (an exception whose first argument may be ``Said``), in ``lang``."""
    return say(error.args[0] if error.args else str(error), lang)


def language(value) -> str:
    """A language code as given (a query, a cookie, an option), or Chinese."""
    return value if value in LANGS else "zh"
