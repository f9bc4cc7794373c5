"""Chain templates (产业链模板): a chain as the links a chain office follows — upstream, midstream,
downstream — each with its products and the GB/T 4754 codes (of any depth: a division, a group
or a class) its firms report under, and the sources its structure rests on.

Nine ship with ClusterAtlas (``templates/*.yaml``): the seed's five chains of 荆州区 and three of
长沙, and lithium-ion batteries. A chain office adds its own in the same shape (kept in the
store, append-only, the newest of a name in use, as rulesets are).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from clusteratlas.classify import GBT4754
from clusteratlas.faces.terms import chinese
from clusteratlas.io.bounded_yaml import bounded_yaml, identified_items

STAGES = ("upstream", "midstream", "downstream")
STAGE_ZH = chinese("chain_stage")
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_TEMPLATE_NODES = 20_000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CODE = re.compile(r"^\d{2,4}$")

SHIPPED = tuple(sorted(
    f.name.removesuffix(".yaml") for f in resources.files("clusteratlas.analyses.chains")
    .joinpath("templates").iterdir() if f.name.endswith(".yaml")))


@dataclass(frozen=True)
class ChainLink:
    id: str
    stage: str  # upstream | midstream | downstream
    name_zh: str
    name_en: str
    products: tuple[str, ...]  # words a purchase record, a project or a candidate firm names it by
    codes: tuple[str, ...]  # GB/T 4754 codes its firms report under (a prefix matches deeper codes)
    note: str = ""

    def holds_code(self, code) -> bool:
        """Whether a firm of industry ``code`` works in this link (its code starts with one of
        the link's)."""
        return isinstance(code, str) and any(code.startswith(c) for c in self.codes)

    def names_product(self, text) -> bool:
        """Whether ``text`` (a product, a project's name) names one of the link's products."""
        return isinstance(text, str) and any(p in text for p in self.products)


@dataclass(frozen=True)
class ChainTemplate:
    id: str
    name_zh: str
    name_en: str
    core_codes: tuple[str, ...]  # the chain's own industry: its leading firms (链主) come from here
    sources: tuple[str, ...]
    links: tuple[ChainLink, ...]
    sha256: str

    def link(self, link_id: str) -> ChainLink:
        for lk in self.links:
            if lk.id == link_id:
                return lk
        raise KeyError(f"chain {self.id} has no link {link_id!r}")

    def in_core(self, code) -> bool:
        return isinstance(code, str) and any(code.startswith(c) for c in self.core_codes)

    @classmethod
    def parse(cls, text: str) -> "ChainTemplate":
        """A template from its YAML; ValueError saying what is wrong (and where)."""
        doc = bounded_yaml(text, "a chain template", MAX_TEMPLATE_BYTES, MAX_TEMPLATE_NODES)
        if not isinstance(doc, dict):
            raise ValueError("a chain template is a mapping with id, name_zh, name_en, core_codes, sources, links")
        missing = [k for k in ("id", "name_zh", "name_en", "core_codes", "sources", "links") if not doc.get(k)]
        if missing:
            raise ValueError(f"the chain template lacks {', '.join(missing)}")
        cid = str(doc["id"])
        if not _ID.match(cid):
            raise ValueError(f"id {cid!r}: lower-case letters, digits and _ (it names the chain in commands)")
        core = _codes(doc["core_codes"], "core_codes")
        sources = doc["sources"]
        if not isinstance(sources, list) or not all(isinstance(s, str) and s.strip() for s in sources):
            raise ValueError("sources: a list of texts saying where the chain's structure comes from")
        if not isinstance(doc["links"], list):
            raise ValueError("links: a list of links")
        links = []
        for where, raw, lid in identified_items(doc["links"], "link", _ID,
                                                "id, stage, name_zh, name_en, products, codes"):
            if raw.get("stage") not in STAGES:
                raise ValueError(f"{where}: stage must be one of {', '.join(STAGES)}")
            for k in ("name_zh", "name_en"):
                if not isinstance(raw.get(k), str) or not raw[k].strip():
                    raise ValueError(f"{where}: {k} is missing")
            products = raw.get("products") or []
            if not isinstance(products, list) or not all(isinstance(p, str) and p.strip() for p in products):
                raise ValueError(f"{where}: products: a list of product words")
            codes = _codes(raw.get("codes") or [], f"{where}: codes")
            if not codes and not products:
                raise ValueError(f"{where}: give its codes or its products (or both)")
            links.append(ChainLink(lid, raw["stage"], raw["name_zh"].strip(), raw["name_en"].strip(),
                                   tuple(p.strip() for p in products), codes, str(raw.get("note") or "")))
        if not any(lk.stage == "midstream" for lk in links):
            raise ValueError("a chain needs at least one midstream link (its own products)")
        return cls(cid, str(doc["name_zh"]).strip(), str(doc["name_en"]).strip(), core,
                   tuple(s.strip() for s in sources), tuple(links),
                   hashlib.sha256(text.encode("utf-8")).hexdigest())

    @classmethod
    def load(cls, name: str) -> "ChainTemplate":
        """A shipped template by name."""
        if name not in SHIPPED:
            raise KeyError(f"no shipped chain {name!r}; shipped: {', '.join(SHIPPED)}")
        text = resources.files("clusteratlas.analyses.chains").joinpath("templates", f"{name}.yaml")
        return cls.parse(text.read_text(encoding="utf-8"))


def _codes(values, where: str) -> tuple[str, ...]:
    """GB/T 4754 codes of 2–4 digits whose division is in the classification."""
    if not isinstance(values, list):
        raise ValueError(f"{where}: a list of GB/T 4754 codes")
    out = []
    for v in values:
        code = str(v).strip()
        if not _CODE.match(code) or GBT4754.division_of(code) is None:
            raise ValueError(f"{where}: {code!r} is not a GB/T 4754-2017 division, group or class code")
        out.append(code)
    return tuple(out)


def shipped_templates() -> list[ChainTemplate]:
    return [ChainTemplate.load(name) for name in SHIPPED]
