"""A store with its studies and diagnoses kept: what a long-running face (the service) holds.

Every result is kept under the store's data version (a new import changes it, and with it every
key), the study (region and period) and the settings, so each page and endpoint asking the same
question gets the same object, computed once."""

from __future__ import annotations

import logging
from pathlib import Path

from clusteratlas.io import queries
from clusteratlas.io.store import Store
from clusteratlas.study.cache import Memo
from clusteratlas.study.context import Study, open_study
from clusteratlas.study.diagnosis import Diagnosis, Settings, diagnose

log = logging.getLogger("clusteratlas")


class StudyService:
    """The store at ``db`` with its results kept. ``io_table``: a national input-output table
    file (NBS layout) to use instead of the store's newest; ``settings``: the diagnosis
    settings every face of this service uses."""

    def __init__(self, db: str | Path, io_table: str | Path | None = None, settings: Settings | None = None,
                 files_dir: str | Path | None = None):
        from clusteratlas.io.iotables import read_nbs_table

        self.root = Store(db, files_dir=files_dir)
        self.settings = settings or Settings()
        self.file_table = None
        self.file_table_source = None
        if io_table is not None:
            import hashlib

            self.file_table = read_nbs_table(io_table)
            sha = hashlib.sha256(Path(io_table).read_bytes()).hexdigest()
            self.file_table_source = f"file {Path(io_table).name} ({sha[:12]})"
        self._memo = Memo(limit=512)
        self._version = None

    def cached(self, store: Store, key: tuple, compute, version: tuple[int, ...] | None = None):
        """``compute()`` kept under ``key`` and the store's versions (its data, its newest
        input-output table and grade override). Results of older versions are let go when newer ones are first
        seen: no question is asked of old data."""
        version = version or queries.versions(store)
        if version != self._version:
            self._memo, self._version = Memo(limit=512), version
        return self._memo.get((version, *key), compute)

    def study(self, store: Store, region: str | None = None, period: tuple[int, int] | None = None,
              version: tuple[int, ...] | None = None, peers: tuple | None = None) -> Study:
        peers = tuple(sorted(set(peers))) if peers else None
        def compute():
            log.info("opening the study of %s %s", region or "the study region", period or "(latest period)")
            return open_study(store, region, period, self.file_table, self.file_table_source, peers)
        return self.cached(store, ("study", region, period, peers), compute, version)

    def diagnosis(self, store: Store, region: str | None = None, period: tuple[int, int] | None = None,
                  settings: Settings | None = None, peers: tuple | None = None) -> Diagnosis:
        """The diagnosis of the study, kept; ``peers``: compare with these regions (``open_study``)."""
        version = queries.versions(store)  # one read per request
        study = self.study(store, region, period, version, peers)
        settings = settings or self.settings
        return self.cached(store, ("diagnosis", study.key(), settings), lambda: diagnose(study, settings), version)
