"""What a page (or the report) must not show a park office's leaders, read from its visible text:
identifiers from the code (snake_case: name_zh, n_firms, c10_park_fees), values no person writes
(NaN, None, True, False), floats with more decimals than a figure needs, a label left in the
other language, and — measured in the browser — anything wider than a 1366 px screen."""

from __future__ import annotations

import re

SNAKE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./:-])")
MACHINE = re.compile(r"(?<![\w.])(NaN|nan|None|True|False|inf|-inf|NaT)(?![\w.])")
RAW_FLOAT = re.compile(r"(?<![\w.])-?\d[\d,]*\.\d{4,}(?![\w.])")  # 3 decimals at most (an index, a p-value)
CJK = re.compile(r"[\u4e00-\u9fff]")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# English words a Chinese page may carry: names of measures, units and the product
ALLOWED_EN = {"ClusterAtlas", "LQ", "HHI", "EG", "MS", "RCA", "PCI", "ECI", "Kd", "GB", "CNY", "USD", "XLSX",
              "HTML", "CSV", "GeoJSON", "API", "km", "mu", "PACK", "BMS", "ISO9001", "Q1", "ISO14001", "QS",
              "OpenStreetMap", "Natural", "Earth", "PDF", "K", "M", "kWh", "tce"}


def problems(text: str, lang: str, catalogue: dict | None = None) -> list[str]:
    """Every problem in a page's visible ``text`` in ``lang``; ``catalogue``: msgid → Chinese,
    to find a label left untranslated (an English label on a zh page, a Chinese one on an en page)."""
    found = []
    for m in SNAKE.finditer(text):
        found.append(f"identifier {m.group(0)!r}")
    for m in MACHINE.finditer(text):
        found.append(f"machine value {m.group(0)!r}")
    for m in RAW_FLOAT.finditer(text):
        found.append(f"raw float {m.group(0)!r}")
    if catalogue:
        if lang == "zh":
            for en in catalogue:
                if len(en) > 12 and " " in en and en in text:
                    found.append(f"untranslated {en!r}")
        else:  # a run of Chinese that is one of the catalogue's labels (not a firm's own words about itself)
            labels = {zh for zh in catalogue.values() if len(zh) >= 2 and CJK_RUN.fullmatch(zh)}
            for run in CJK_RUN.findall(text):
                if run in labels:
                    found.append(f"Chinese label on an English page {run!r}")
    return sorted(set(found))
