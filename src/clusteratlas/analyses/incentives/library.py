"""Where rulesets come from: the ones shipped with ClusterAtlas, and those a policy office adds to
its store (append-only; the newest of a name wins, every version stays, each with its hash).

A ruleset is added only if it parses and, when test cases come with it, every case passes: a
policy that pays the wrong amount must not reach the calculator.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import yaml

from clusteratlas.analyses.incentives.engine import Ruleset, _bounded_yaml, run_test_cases

SHIPPED = tuple(sorted(
    f.name.removesuffix(".yaml") for f in resources.files("clusteratlas.analyses.incentives")
    .joinpath("rulesets").iterdir() if f.name.endswith(".yaml") and not f.name.endswith(".cases.yaml")))


class RulesetRejected(ValueError):
    """The ruleset does not parse, or some of its test cases fail (``failures``)."""

    def __init__(self, message: str, failures: pd.DataFrame | None = None):
        super().__init__(message)
        self.failures = failures if failures is not None else pd.DataFrame()


def check_ruleset(text: str, cases_text: str | None = None) -> Ruleset:
    """The ruleset a policy office wants to add, parsed; ``RulesetRejected`` unless it parses,
    names itself in letters, digits and _ (not a shipped name), and passes every case of
    ``cases_text``."""
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
            cases = _bounded_yaml(cases_text)["cases"]
            checks = run_test_cases(rs, cases)
        except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
            raise RulesetRejected(f"the test cases cannot be run: {e}") from e
        failed = checks[~checks["passed"]]
        if len(failed):
            raise RulesetRejected(f"{len(failed)} of {len(checks)} test checks fail", failed)
    return rs


def list_rulesets(stored: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every ruleset a run may use: shipped ones, then ``stored`` (the store's, newest first)."""
    rows = []
    for name in SHIPPED:
        rs = Ruleset.load(name)
        rows.append({"name": name, "title_zh": rs.metadata.get("title_zh"), "sha256": rs.sha256,
                     "source": "shipped", "ruleset_id": None, "author": None, "created_at": None})
    if stored is not None:
        rows += stored.to_dict("records")
    return pd.DataFrame(rows, columns=["name", "title_zh", "sha256", "source", "ruleset_id", "author",
                                       "created_at"])


def load_ruleset(name: str, stored_text: str | None = None) -> Ruleset:
    """A shipped ruleset by name, else ``stored_text`` (the store's newest of that name) —
    never a path: the API passes names from callers. ValueError when there is none."""
    if name in SHIPPED:
        return Ruleset.load(name)
    if stored_text is not None:
        return Ruleset.parse(stored_text)
    raise ValueError(f"no ruleset {name!r}")
