"""The store reads the analyses are built on, by name: the imported tables a study works from,
the store's data version, and the dataset versions behind it. Analyses never read the store
themselves; the study (:mod:`clusteratlas.study`) reads it here once and hands them frames."""

from __future__ import annotations

import pandas as pd

from clusteratlas.io.schema import IMPORT_ORDER

STUDY_TABLES = (*IMPORT_ORDER, "grade_overrides", "industry_classes")


def data_version(store) -> int:
    """The newest dataset id (0 for an empty store): the store's content changes only by
    imports, so every result computed from it is a function of this number."""
    return int(store.con.execute("SELECT coalesce(max(dataset_id), 0) FROM datasets").fetchall()[0][0])


def study_tables(store) -> dict[str, pd.DataFrame]:
    """Every imported table (and the grade overrides and industry classes), without the dataset
    column."""
    return {name: store.table(name).drop(columns="dataset_id", errors="ignore") for name in STUDY_TABLES}


def dataset_versions(store) -> pd.DataFrame:
    """The dataset versions of the store (file, SHA-256, size, time, rows per table)."""
    return store.datasets()


def newest_io_table_id(store) -> int:
    return int(store.con.execute("SELECT coalesce(max(table_id), 0) FROM io_tables").fetchall()[0][0])


def versions(store) -> tuple[int, int, int]:
    """(data version, newest input-output table id, newest grade override id, newest industry
    class record) in one read: what every cached result of a service is keyed by (overrides and
    class records are what a study reads that no import brings)."""
    return tuple(int(v) for v in store.con.execute(
        "SELECT (SELECT coalesce(max(dataset_id), 0) FROM datasets), "
        "(SELECT coalesce(max(table_id), 0) FROM io_tables), "
        "(SELECT coalesce(max(override_id), 0) FROM grade_overrides), "
        "(SELECT coalesce(max(class_id), 0) FROM industry_classes)").fetchall()[0])


def release_version(store) -> tuple[int, ...]:
    """Everything a public answer can depend on, in one read: ``versions`` and the newest claim
    event, recorded run and stored ruleset. The same tuple, the same public answers (the service
    keeps them as prepared bytes)."""
    return tuple(int(v) for v in store.con.execute(
        "SELECT (SELECT coalesce(max(dataset_id), 0) FROM datasets), "
        "(SELECT coalesce(max(table_id), 0) FROM io_tables), "
        "(SELECT coalesce(max(override_id), 0) FROM grade_overrides), "
        "(SELECT coalesce(max(class_id), 0) FROM industry_classes), "
        "(SELECT coalesce(max(event_id), 0) FROM claim_events), "
        "(SELECT coalesce(max(run_id), 0) FROM incentive_runs), "
        "(SELECT coalesce(max(ruleset_id), 0) FROM rulesets)").fetchall()[0])
