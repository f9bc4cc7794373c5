"""Backup and restore of a DuckDB store: a consistent copy, checked; identical tables after the
round trip; ids continue where they stopped; a held store is said plainly."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.io import Store
from clusteratlas.io.importer import import_files
from clusteratlas.io.mapping import Mapping
from clusteratlas.io.store import backup_store
from clusteratlas.sample import MAPPING, data_dir, sample_files
from tests.test_cli import EXE


def _tables(path) -> dict[str, pd.DataFrame]:
    with Store(path, read_only=True) as s:
        names = [r[0] for r in s.con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        return {t: s.sql(f"SELECT * FROM {t}") for t in names}


def test_backup_then_restore_gives_identical_tables_and_ids_continue(tmp_path):
    import subprocess

    db = tmp_path / "region.duckdb"
    with Store(db) as s:
        import_files(s, sample_files(), mapping=Mapping.load(data_dir() / MAPPING))
        from clusteratlas.study.records import add_user

        add_user(s, "chen", "correct horse battery", "analyst", region_id="421003")
    backup_store(db, tmp_path / "backup.duckdb")
    with pytest.raises(FileExistsError):
        backup_store(db, tmp_path / "backup.duckdb")
    restored = tmp_path / "restored.duckdb"
    r = subprocess.run([EXE, "db", "restore", str(tmp_path / "backup.duckdb"), "--db", str(restored)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    before, after = _tables(db), _tables(restored)
    assert before.keys() == after.keys()
    for t in before:
        a, b = before[t], after[t]
        key = list(a.columns[:1])
        pd.testing.assert_frame_equal(a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True),
                                      check_dtype=True, obj=t)
    with Store(restored) as s:  # the kept files came along, and new rows take new ids
        assert s.check() == []
        from clusteratlas.study.records import add_user

        add_user(s, "wang", "correct horse battery", "analyst", region_id="421003")
        users = s.sql("SELECT user_id, username FROM users ORDER BY user_id")
        assert users["user_id"].is_unique and users["username"].iloc[-1] == "wang"
    # an existing store is replaced only on purpose, and kept
    again = subprocess.run([EXE, "db", "restore", str(tmp_path / "backup.duckdb"), "--db", str(restored)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = subprocess.run([EXE, "db", "restore", str(tmp_path / "backup.duckdb"), "--db", str(restored), "--force"],
                            capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0 and (tmp_path / "restored.duckdb.replaced").exists()


def test_a_backup_of_a_store_a_server_holds_says_so(tmp_path):
    import subprocess

    from tests.conftest import held

    db = tmp_path / "held.duckdb"
    Store(db).close()
    with held(db) as holder:
        r = subprocess.run([EXE, "db", "backup", "--db", str(db), "--out", str(tmp_path / "b.duckdb")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and f"PID {holder.pid}" in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / "b.duckdb").exists()  # nothing half-written left behind
