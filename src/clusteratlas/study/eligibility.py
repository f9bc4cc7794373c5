"""The eligibility scan of a store (免申即享): every ruleset — shipped and the store's — against
every firm, project and park of the study region, with what the office records beside the
store laid over it, and each ruleset's one-off history (what it has paid before)."""

from __future__ import annotations

import pandas as pd

from clusteratlas.analyses.incentives.scan import Scan, store_scan
from clusteratlas.study.context import open_study
from clusteratlas.study.records import award_history, load_ruleset, rulesets


def scan_store(store, year: int, ruleset: str | None = None, region: str | None = None,
               extra_inputs: pd.DataFrame | None = None, key_industries=None) -> list[Scan]:
    """One scan per ruleset (all of them, or the one named) for ``year``. ``key_industries``:
    the industry codes a policy's named clusters stand for (default: the study's, from the
    targets)."""
    study = open_study(store, region)
    keys = study.key_divisions if key_industries is None else tuple(key_industries)
    names = [ruleset] if ruleset else list(dict.fromkeys(rulesets(store)["name"]))
    out = []
    for name in names:
        rs = load_ruleset(name, store)
        extra = None
        if extra_inputs is not None:
            # a file's columns that no rule of this ruleset reads are no business of this scan
            wanted = set().union(*(r.inputs for r in rs.rules), *(d.names for d in rs.derived.values()))
            wanted |= {"entity_id", "entity", "name"} | {c for c in extra_inputs if c.startswith("other_award_")}
            extra = extra_inputs[[c for c in extra_inputs.columns if c in wanted]]
        out.append(store_scan(rs, study.tables, study.region, year, keys, extra,
                              history=award_history(store, str(rs.metadata.get("id", name)))))
    return out
