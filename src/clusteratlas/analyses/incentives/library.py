"""Where rulesets come from: the ones shipped with ClusterAtlas, and those a policy office adds to
its store (append-only; the newest of a name wins, every version stays, each with its hash).

A ruleset is added only if it parses and, when test cases come with it, every case passes: a
policy that pays the wrong amount must not reach the calculator.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import yaml

from clusteratlas.analyses.incentives.engine import Ruleset, run_test_cases

SHIPPED = tuple(sorted(
    f.name.removesuffix(".yaml") for f in resources.files("clusteratlas.analyses.incentives")
    .joinpath("rulesets").iterdir() if f.name.endswith(".yaml") and not f.name.endswith(".cases.yaml")))


class RulesetRejected(ValueError):
    """The ruleset does not parse, or some of its test cases fail (``failures``)."""

    def __init__(self, message: str, failures: pd.DataFrame | None = None):
        super().__init__(message)
        self.failures = failures if failures is not None else pd.DataFrame()


def add_ruleset(store, text: str, cases_text: str | None = None, author: str | None = None) -> int:
    """Check a ruleset (and its cases) and keep it in the store; returns its ruleset_id."""
    try:
        rs = Ruleset.parse(text)
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
        # a user's YAML can be any shape: every way it fails to be a ruleset is a refusal
        raise RulesetRejected(f"the ruleset does not parse: {e}") from e
    name = str(rs.metadata.get("id") or "")
    if not name or not name.replace("_", "").isalnum() or not name.isascii():
        raise RulesetRejected("metadata.id must name the ruleset in letters, digits and _")
    if name in SHIPPED:
        raise RulesetRejected(f"{name!r} is a shipped ruleset; give yours another metadata.id")
    if cases_text:
        try:
            cases = yaml.safe_load(cases_text)["cases"]
            checks = run_test_cases(rs, cases)
        except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
            raise RulesetRejected(f"the test cases cannot be run: {e}") from e
        failed = checks[~checks["passed"]]
        if len(failed):
            raise RulesetRejected(f"{len(failed)} of {len(checks)} test checks fail", failed)
    return int(store.con.execute(
        "INSERT INTO rulesets (name, title_zh, sha256, source_text, cases_text, author) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING ruleset_id",
        [name, rs.metadata.get("title_zh"), rs.sha256, text, cases_text, author]).fetchall()[0][0])


def list_rulesets(store=None) -> pd.DataFrame:
    """Every ruleset a run may use: shipped ones, then the store's (newest first)."""
    rows = []
    for name in SHIPPED:
        rs = Ruleset.load(name)
        rows.append({"name": name, "title_zh": rs.metadata.get("title_zh"), "sha256": rs.sha256,
                     "source": "shipped", "ruleset_id": None, "author": None, "created_at": None})
    if store is not None:
        stored = store.sql("SELECT name, title_zh, sha256, 'store' AS source, ruleset_id, author, "
                           "created_at FROM rulesets ORDER BY ruleset_id DESC")
        rows += stored.to_dict("records")
    return pd.DataFrame(rows, columns=["name", "title_zh", "sha256", "source", "ruleset_id", "author",
                                       "created_at"])


def load_ruleset(name: str, store=None) -> Ruleset:
    """A shipped ruleset by name, else the newest of that name in the store (never a path: the
    API passes names from callers). ValueError when there is none."""
    if name in SHIPPED:
        return Ruleset.load(name)
    if store is not None:
        hit = store.sql("SELECT source_text FROM rulesets WHERE name = ? ORDER BY ruleset_id DESC "
                        "LIMIT 1", [name])
        if len(hit):
            return Ruleset.parse(hit.iloc[0, 0])
    raise ValueError(f"no ruleset {name!r}")
