"""Clusters that span codes: a cluster is a bundle of industry codes — GB/T 4754-2017 divisions,
groups or classes (a code of 2 digits holds every class that begins with it), or NAICS codes
through the U.S. benchmark definitions — and any measure takes clusters in place of codes once
the data are re-keyed by ``to_clusters``.

Bundles are YAML files (``classify/clusters/*.yaml``, or an office's own): ``system``, ``sources``
and ``clusters`` (id, name_zh, name_en, codes). Shipped: ``seed`` (the five clusters of the seed's
district). The national 战略性新兴产业分类 (2018) is not shipped: its correspondence to GB/T 4754-2017
classes could not be sourced here from the primary text, and a guessed one would mislead.

The U.S. Cluster Mapping Project's benchmark definitions (Delgado, Porter & Stern 2016) are read
from their NAICS 2012 crosswalk (``us_benchmark_definitions``): 51 traded and 19 local clusters of
6-digit NAICS industries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

SYSTEMS = ("gbt4754_2017", "naics2012")


@dataclass(frozen=True)
class ClusterDefinition:
    id: str
    name_zh: str
    name_en: str
    codes: tuple[str, ...]
    system: str = "gbt4754_2017"
    traded: bool | None = None  # None: not classified by the definition's source
    sources: tuple[str, ...] = ()

    def holds(self, code: str) -> bool:
        """A code is in the cluster when it begins with one of its codes (a division holds its classes)."""
        code = str(code)
        return any(code.startswith(c) for c in self.codes)


def _check_codes(cluster: str, system: str, codes) -> tuple[str, ...]:
    from clusteratlas.classify import GBT4754

    out = tuple(str(c).strip() for c in codes)
    if not out:
        raise ValueError(f"cluster {cluster!r}: no codes")
    for c in out:
        if system == "gbt4754_2017":
            divisions = set(GBT4754.table.loc[GBT4754.table["level"] == "division", "code"])
            if not re.fullmatch(r"\d{2,4}", c) or c[:2] not in divisions:
                raise ValueError(f"cluster {cluster!r}: {c!r} is not a GB/T 4754-2017 division, group or class code")
        elif not re.fullmatch(r"\d{2,6}", c):
            raise ValueError(f"cluster {cluster!r}: {c!r} is not a NAICS code")
    return out


def load_definitions(bundle: str | Path) -> list[ClusterDefinition]:
    """The clusters of a YAML bundle: a shipped one by name (``seed``) or a file."""
    import yaml

    path = Path(bundle)
    if not path.suffix:
        path = Path(str(resources.files("clusteratlas.classify").joinpath("clusters", f"{bundle}.yaml")))
        if not path.exists():
            raise KeyError(f"no shipped cluster bundle {bundle!r}; there are {shipped_bundles()}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    system = doc.get("system", "gbt4754_2017")
    if system not in SYSTEMS:
        raise ValueError(f"{path.name}: system must be one of {SYSTEMS}, not {system!r}")
    sources = tuple(doc.get("sources") or ())
    out, seen = [], set()
    for k, c in enumerate(doc.get("clusters") or []):
        missing = {"id", "name_zh", "codes"} - set(c)
        if missing:
            raise ValueError(f"{path.name}: cluster {k + 1} lacks {sorted(missing)}")
        if c["id"] in seen:
            raise ValueError(f"{path.name}: cluster id {c['id']!r} appears twice")
        seen.add(c["id"])
        out.append(ClusterDefinition(str(c["id"]), str(c["name_zh"]), str(c.get("name_en") or c["name_zh"]),
                                     _check_codes(c["id"], system, c["codes"]), system, c.get("traded"), sources))
    return out


def shipped_bundles() -> list[str]:
    folder = resources.files("clusteratlas.classify").joinpath("clusters")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def us_benchmark_definitions(path: str | Path) -> list[ClusterDefinition]:
    """The U.S. Cluster Mapping Project's benchmark clusters from its NAICS 2012 crosswalk (a CSV
    or the sheet of its XLSX with columns NAICS, TradedLocal, Cluster): one definition a cluster,
    its 6-digit NAICS codes, traded or local. Emsi's non-standard aggregate codes are kept as
    they are written (they match only data keyed the same way)."""
    path = Path(path)
    frame = pd.read_excel(path) if path.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(path, dtype=str)
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in ("NAICS", "TradedLocal", "Cluster"):
        if col not in frame:
            raise KeyError(f"{path.name}: no column {col!r} (it has {list(frame.columns)})")
    frame["NAICS"] = frame["NAICS"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    out = []
    for name, part in frame.groupby("Cluster", sort=True):
        kinds = set(part["TradedLocal"].str.strip().str.lower())
        if len(kinds) != 1 or kinds - {"traded", "local"}:
            raise ValueError(f"{path.name}: cluster {name!r} is marked {sorted(kinds)}")
        out.append(ClusterDefinition(re.sub(r"\W+", "_", str(name).lower()).strip("_"), str(name), str(name),
                                     tuple(dict.fromkeys(part["NAICS"])), "naics2012", kinds == {"traded"},
                                     ("U.S. Cluster Mapping Project benchmark definitions (Delgado, Porter & Stern 2016)",)))
    return out


def cluster_members(codes, definitions: list[ClusterDefinition]) -> pd.DataFrame:
    """(code, cluster) for every code of ``codes`` in every cluster that holds it."""
    codes = pd.Index(pd.unique(pd.Series(codes).astype(str)))
    rows = [(code, d.id) for d in definitions for code in codes if d.holds(code)]
    return pd.DataFrame(rows, columns=["code", "cluster"])


def to_clusters(data: pd.DataFrame, definitions: list[ClusterDefinition], industry: str = "industry") -> pd.DataFrame:
    """``data`` re-keyed by cluster: its ``industry`` column holds the cluster id of each row's
    code — a row whose code two clusters hold appears once in each, a code no cluster holds is
    left out — so every measure (LQ, EG, K-density…) takes clusters in place of codes."""
    if industry not in data:
        raise KeyError(f"to_clusters: no column {industry!r} in the data; it has {list(data.columns)}")
    members = cluster_members(data[industry], definitions)
    keyed = data.assign(_code=data[industry].astype(str))
    out = keyed.merge(members, left_on="_code", right_on="code", how="inner", sort=False)
    return out.drop(columns=[industry, "_code", "code"]).rename(columns={"cluster": industry})[list(data.columns)]
