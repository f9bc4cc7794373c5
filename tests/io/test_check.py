"""``clusteratlas check``: a store whose kept files or tables are damaged says so."""

from tests.test_cli import cli


def test_check_passes_on_a_whole_store_and_names_a_damaged_kept_file(base_store, tmp_path):
    assert base_store.check() == []
    kept = sorted(base_store.files_dir.iterdir())
    db, files = base_store.location, {"CLUSTERATLAS_FILES": str(base_store.files_dir)}
    base_store.close()
    ok = cli("check", "--db", db, env=files)
    assert ok.returncode == 0 and "reads back as recorded" in ok.stdout
    kept[0].write_bytes(kept[0].read_bytes() + b"tampered")
    kept[1].unlink()
    bad = cli("check", "--db", db, env=files)
    assert bad.returncode == 1
    assert "has SHA-256" in bad.stdout and "is missing" in bad.stdout
