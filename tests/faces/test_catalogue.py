"""One message catalogue: every piece of text the code marks for translation (``_("…")``,
``N_("…")``) has its Chinese in ``faces/messages/zh.po``, with the same placeholders; nothing is
translated twice; and the number formats write what people write."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from jinja2.ext import babel_extract

import clusteratlas
from clusteratlas.faces import catalogue, translator
from clusteratlas.faces.numbers import count, money, money_text, number, pct

SRC = Path(clusteratlas.__file__).parent


def _msgids() -> dict[str, str]:
    """msgid → where it is first marked, over every module and template of the package."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(path), keywords={"_": None, "N_": None}):
            if isinstance(message, str):
                found.setdefault(message, str(path.relative_to(SRC)))
    for path in sorted([*SRC.rglob("templates/*.j2"), *SRC.rglob("templates/*.html")]):
        with path.open("rb") as f:
            for _, _, message, _ in babel_extract(f, ("_",), [], {}):
                message = message[0] if isinstance(message, tuple) else message  # a call with fields
                if isinstance(message, str):
                    found.setdefault(message, str(path.relative_to(SRC)))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_marked_text_has_its_chinese():
    marked, zh = _msgids(), catalogue()
    assert len(marked) > 50  # the extractor found the code's texts
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in marked.items() if msgid not in zh)
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def test_a_translation_keeps_the_placeholders():
    odd = [m for m, z in catalogue().items() if _fields(m) != _fields(z)]
    assert odd == []


def test_the_catalogue_holds_nothing_the_code_no_longer_says():
    stale = sorted(set(catalogue()) - set(_msgids()))
    assert stale == [], "in zh.po but marked nowhere: " + ", ".join(map(repr, stale))


def test_english_is_the_msgid_and_a_field_is_filled_after_translating():
    zh, en = translator("zh"), translator("en")
    assert en("Overview") == "Overview" and zh("Overview") == "总体概况"
    assert zh("No such text, not in the catalogue") == "No such text, not in the catalogue"


@pytest.mark.parametrize("value, text", [
    (292299257.0, "29,229.9"), (1234.5, "0.1"), (None, "—"), (float("nan"), "—"), (-5.6e5, "-56.0")])
def test_money_in_wan_with_separators(value, text):
    assert money(value) == text


def test_numbers_as_people_write_them():
    assert money(2.34e9, "yi") == "23.40" and money_text(2.34e9) == "23.40亿元"
    assert money_text(5.4535e7) == "5,453.5万元" and money_text(5.4535e7, "en") == "5,453.5 CNY 10k"
    assert pct(24.0256) == "24.0" and count(8.0) == "8" and number(1234567.891, 2) == "1,234,567.89"
