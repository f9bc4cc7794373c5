"""Moving a whole store: ``copy_store`` between backends (a DuckDB file into PostgreSQL and back,
every table and sequence position identical), and backup/restore of a PostgreSQL store with
PostgreSQL's own tools (pg_dump / pg_restore, custom format). A DuckDB store's backup is
``store.backup_store`` (a consistent copy of the file)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from clusteratlas.io import postgres
from clusteratlas.io.store import Store, migrations

PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive


def sequences(store: Store) -> dict[str, int | None]:
    """Each sequence of the store and the last value it gave (None: never used)."""
    sql = ("SELECT sequence_name, last_value FROM duckdb_sequences() WHERE NOT temporary"
           if store.backend == "duckdb" else
           "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
    return {name: (None if v is None else int(v)) for name, v in store.con.execute(sql).fetchall()}


def _advance(store: Store, name: str, last: int) -> None:
    """Make ``name`` give ``last + 1`` next (DuckDB has no setval: it is drawn up to there)."""
    if store.backend == "postgresql":
        store.con.execute("SELECT setval(?, ?)", [name, last]).fetchall()
        return
    have = sequences(store).get(name) or 0
    if last > have:
        store.con.execute(f"SELECT max(nextval('{name}')) FROM range({last - have})").fetchall()


def copy_store(source: str | Path, target: str | Path, source_files: str | Path | None = None,
               target_files: str | Path | None = None) -> dict[str, int]:
    """Every table of the store at ``source`` into a new, empty store at ``target`` (either a
    DuckDB path or a PostgreSQL URL), in one transaction, sequences continuing where they
    stopped, kept files copied. Returns rows per table. The source must be at this version's
    schema (``clusteratlas db upgrade`` first); a target that holds data is refused."""
    latest = max(v for v, _, _ in migrations())
    with Store(source, read_only=True, files_dir=source_files) as src:
        if src.schema_version() != latest:
            raise ValueError(f"{postgres.redacted(str(source))} is at schema {src.schema_version()}, this "
                             f"version of ClusterAtlas writes {latest}: run `clusteratlas db upgrade` on it first")
        with Store(target, files_dir=target_files) as dst:
            held = dst.con.execute("SELECT (SELECT count(*) FROM datasets) + (SELECT count(*) FROM users) + "
                                   "(SELECT count(*) FROM incentive_runs)").fetchall()[0][0]
            if held:
                raise FileExistsError(f"{postgres.redacted(str(target))} already holds data: copy into a new, "
                                      "empty store")
            counts = _copy_tables(src, dst)
            for name, last in sequences(src).items():
                if last is not None:
                    _advance(dst, name, last)
            if src.files_dir.exists():
                dst.files_dir.mkdir(parents=True, exist_ok=True)
                for f in src.files_dir.iterdir():
                    if not (dst.files_dir / f.name).exists():
                        shutil.copy2(f, dst.files_dir / f.name)
    return counts


def _copy_tables(src: Store, dst: Store) -> dict[str, int]:
    counts = {}
    with dst.transaction():
        for t in src.table_names():
            if t == "schema_migrations":
                continue
            frame = src.sql(f"SELECT * FROM {t}")
            dst.con.execute(f"DELETE FROM {t}")  # the classification the first migration loads
            if len(frame):
                cols = ", ".join(frame.columns)
                with dst.staged("_copy", frame, like=t):
                    dst.con.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM _copy")
            counts[t] = len(frame)
    return counts


def _pg_tool(tool: str, *args: str) -> None:
    exe = shutil.which(tool) or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))
                                      [-1:]), None)
    if exe is None:
        raise FileNotFoundError(f"{tool} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    done = subprocess.run([exe, *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{tool} failed: {done.stderr.strip()}")


def backup_postgres(store: Store, target: str | Path) -> Path:
    """``pg_dump`` of the store's database (custom format: one consistent snapshot) into the new
    file ``target``, its kept files copied beside it in ``<target>.files``."""
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists: back up to a new file")
    try:
        _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={target}", store.location)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if store.files_dir.exists():
        shutil.copytree(store.files_dir, target.with_name(target.name + ".files"))
    return target


def restore_postgres(backup: str | Path, url: str, files_dir: str | Path | None = None,
                     replace: bool = False) -> None:
    """A ``pg_dump`` backup restored into the database at ``url`` (with ``replace``, what is there
    is dropped first, in one transaction), its kept files into the store's files directory."""
    backup = Path(backup)
    _pg_tool("pg_restore", "--no-owner", "--single-transaction", *(["--clean", "--if-exists"] if replace else []),
             f"--dbname={url}", str(backup))
    files = backup.with_name(backup.name + ".files")
    if files.exists():
        with Store(url, read_only=True, files_dir=files_dir) as s:
            s.files_dir.mkdir(parents=True, exist_ok=True)
            for f in files.iterdir():
                shutil.copy2(f, s.files_dir / f.name)
