"""The layering of docs/architecture.md, held against the code's own imports: every import runs
downwards, no two modules import each other (directly or round a loop), and no analysis reads
or writes the store."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import clusteratlas

ROOT = Path(clusteratlas.__file__).parent
LAYERS = {  # package → floor; a module may import its own floor and those below
    "classify": 0, "engines": 0, "faces": 1, "measures": 1, "io": 2, "analyses": 3, "sample": 3,
    "policy": 4, "study": 5, "report": 6, "web": 7, "api": 8, "cli": 9,
}
STORE_MODULES = ("clusteratlas.io.store", "clusteratlas.io.queries", "clusteratlas.io.records", "clusteratlas.io.chain_records",
                 "clusteratlas.io.alert_records", "clusteratlas.io.desk_records",
                 "clusteratlas.io.accounts", "clusteratlas.io.importer")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> nx.DiGraph:
    """module → module for every ``clusteratlas`` import, top-level or inside a function."""
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name and t.startswith("clusteratlas."):
                    g.add_edge(name, t)
    return g


def _floor(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_import_runs_downwards():
    g = _imports()
    assert g.number_of_edges() > 150  # the imports were read
    upward = [(a, b) for a, b in g.edges
              if _floor(a) is not None and _floor(b) is not None and _floor(b) > _floor(a)]
    assert upward == [], "imports from a lower layer to a higher one: " + ", ".join(f"{a} → {b}" for a, b in upward)


def test_no_modules_import_each_other():
    g = _imports()
    # a package's __init__ hands its modules' names on: edges into and out of it are not loops
    g.remove_nodes_from([n for n in list(g) if (ROOT.parent / n.replace(".", "/") / "__init__.py").exists()])
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], f"modules in a loop: {cycles}"


def test_no_analysis_reads_or_writes_the_store():
    offending = [(a, b) for a, b in _imports().edges
                 if a.startswith("clusteratlas.analyses") and b.startswith(STORE_MODULES)]
    assert offending == []


def test_figures_live_in_report_figures_only():
    """Measures and analyses return results; what draws them is ``report.figures``."""
    for path in list((ROOT / "measures").rglob("*.py")) + list((ROOT / "analyses").rglob("*.py")):
        assert "plotly" not in path.read_text(encoding="utf-8"), path
