"""The store: versioned migrations and dataset history, in one embedded DuckDB file (one analyst)
or a PostgreSQL database (a city's deployment, many writers at once): one interface, the same
migrations and queries; :mod:`clusteratlas.io.postgres` says where the dialects differ.

Source files of every import are kept under their SHA-256, so the store can always show what a
user gave it: beside a DuckDB file in ``<store>.files/``; for PostgreSQL in the directory the
deployment names (``files_dir``, or ``$CLUSTERATLAS_FILES``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from clusteratlas.classify import GBT4754
from clusteratlas.io import postgres
from clusteratlas.io.schema import IMPORT_ORDER, TABLES

DEFAULT_PATH = Path("clusteratlas.duckdb")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order."""
    folder = resources.files("clusteratlas.io").joinpath("migrations")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return out


_WRITERS: dict[tuple[str, str], threading.RLock] = {}
_WRITERS_LOCK = threading.Lock()


def _writer(key: str, name: str) -> threading.RLock:
    with _WRITERS_LOCK:
        return _WRITERS.setdefault((key, name), threading.RLock())


class StoreBusy(RuntimeError):
    """Another process holds the store file: DuckDB lets one process at a time open it (to
    write, or to read while another writes). The message says who holds it and what to do."""

    def __init__(self, path: Path, pid: int | None, holder: str):
        self.path, self.pid, self.holder = path, pid, holder
        serving = "serve" in holder
        advice = (
            "It is being served: do this through the server instead — `clusteratlas users add … "
            "--server URL --admin NAME`, `clusteratlas import FILES --server URL --admin NAME`, or the "
            "API (/api/…, /docs) — or stop the server (Ctrl-C) and run the command again."
            if serving else "Wait for that command to finish, or stop it, and run this one again.")
        super().__init__(f"the store {path} is in use by another process (PID {pid}: {holder}); a DuckDB "
                         f"store is opened by one process at a time. {advice} A deployment with many "
                         "writers at once needs a server database.")


class StoreUnreachable(RuntimeError):
    """A PostgreSQL store that does not answer: the server, the database or the login is not
    there. The message names the address (never the password) and the server's reason."""


def _holder(pid: int | None, fallback: str) -> str:
    """The command line of the process holding the lock, where the system shows it."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(raw.decode().split("\0")) if a)
    except (OSError, TypeError, ValueError):
        return fallback


def _busy(path: Path, e: Exception) -> Exception:
    """``StoreBusy`` for DuckDB's lock error (who holds the file), else the error itself."""
    m = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(e))
    if not m:
        return e
    pid = int(m.group(2))
    return StoreBusy(path, pid, _holder(pid, m.group(1)))


def backup_store(path: str | Path, target: str | Path) -> Path:
    """A consistent copy of the store at ``path`` in a new DuckDB file ``target``, with the
    kept source files beside it: one read transaction over every table, the sequences and the
    schema version included. ``StoreBusy`` when a writer holds the store."""
    import shutil

    path, target = Path(path), Path(target)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    if target.exists():
        raise FileExistsError(f"{target} exists: back up to a new file")
    con = duckdb.connect(str(target))
    try:
        try:
            con.execute("ATTACH ? AS _source (READ_ONLY)", [str(path)])
        except duckdb.IOException as e:
            raise _busy(path, e) from None
        name = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f'COPY FROM DATABASE _source TO "{name}"')
        con.execute("DETACH _source")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    files = path.with_name(path.name + ".files")
    if files.exists():
        shutil.copytree(files, target.with_name(target.name + ".files"))
    return target


class Store:
    """A ClusterAtlas store. ``Store(db)`` opens a DuckDB file (a path) or a PostgreSQL database
    (a ``postgresql://`` URL), creating and migrating it if needed; ``StoreBusy`` when another
    process holds a DuckDB file. ``files_dir``: where kept source files go (default: beside a
    DuckDB file; ``$CLUSTERATLAS_FILES`` or ``./clusteratlas-files`` for PostgreSQL)."""

    def __init__(self, db: str | Path = DEFAULT_PATH, read_only: bool = False,
                 files_dir: str | Path | None = None):
        if postgres.is_url(db):
            self.backend, self.location, self.path = "postgresql", str(db), None
            self.files_dir = Path(files_dir or os.environ.get("CLUSTERATLAS_FILES", "clusteratlas-files"))
            try:
                self.con = postgres.PgConnection.connect(self.location)
            except Exception as e:  # psycopg.OperationalError: no server, database or login
                reason = " ".join(str(e).split()).rstrip(".")
                raise StoreUnreachable(f"cannot open the PostgreSQL store {postgres.redacted(self.location)}: "
                                       f"{reason}. Is the server running and the database created "
                                       "(createdb NAME)?") from None
        else:
            self.backend, self.path = "duckdb", Path(db)
            self.location = str(self.path)
            self.files_dir = Path(files_dir) if files_dir else self.path.with_name(self.path.name + ".files")
            if read_only and not self.path.exists():
                raise FileNotFoundError(f"no store at {self.path}")
            try:
                self.con = duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as e:
                raise _busy(self.path, e) from None
        if not read_only:
            self.migrate()

    @property
    def label(self) -> str:
        """Which store this is, as results name it: a DuckDB file's full path, or a PostgreSQL
        URL without its password."""
        return postgres.redacted(self.location) if self.backend == "postgresql" else str(self.path.resolve())

    def change_signature(self) -> tuple | None:
        """Something that changes whenever anything is committed to the store, read without a
        query: for a DuckDB file, the size, modification time (ns) and inode of the file and of
        its write-ahead log — a commit appends to the log, a checkpoint rewrites the file.
        None for PostgreSQL (other machines may write; ask the database)."""
        if self.backend != "duckdb":
            return None
        out = []
        for f in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = os.stat(f)
                out.append((st.st_size, st.st_mtime_ns, st.st_ino))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    @contextlib.contextmanager
    def staged(self, name: str, frame: pd.DataFrame, like: str | None = None):
        """``frame`` readable by name in this store's queries for the duration (typed as the
        table ``like`` where it has the same columns)."""
        if self.backend == "postgresql":
            self.con.register(name, frame, like=like)
        else:
            try:  # DuckDB scans Arrow columns faster than pandas' nullable ones (1M rows: 0.83 → 0.59 s)
                self.con.register(name, pa.Table.from_pandas(frame, preserve_index=False))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # cells of mixed types: as they are
                self.con.register(name, frame)
        try:
            yield name
        finally:
            self.con.unregister(name)

    @contextlib.contextmanager
    def transaction(self, lock: str | None = None):
        """One transaction: committed when the block ends, rolled back (and the error raised)
        when it fails; a block inside another joins it. ``lock``: the block is the one writer of
        that name at a time — a check then a write (the next dataset id, a claim against the
        ledger and its budget) cannot interleave with another's, in this process (every request
        thread) and, on PostgreSQL, in every process (an advisory lock until the transaction
        ends); a DuckDB file has one writing process."""
        guard = _writer(self.label, lock) if lock else contextlib.nullcontext()
        with guard:
            outer = not getattr(self, "_in_transaction", False)
            if outer:
                self.con.execute("BEGIN TRANSACTION")
                self._in_transaction = True
            try:
                if lock and self.backend == "postgresql":
                    self.con.execute("SELECT pg_advisory_xact_lock(hashtext(?))",
                                     [f"clusteratlas:{lock}"]).fetchall()
                yield self
                if outer:
                    self.con.execute("COMMIT")
            except BaseException:
                if outer:
                    self.con.execute("ROLLBACK")
                raise
            finally:
                if outer:
                    self._in_transaction = False

    def close(self) -> None:
        self.con.close()

    def cursor(self) -> "Store":
        """A view of the same store on its own DuckDB cursor, for one thread or one request."""
        view = object.__new__(Store)
        view.__dict__.update(self.__dict__)
        view.con, view._in_transaction = self.con.cursor(), False
        return view

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # schema -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' "
            "AND table_schema = current_schema()").fetchall()[0][0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]

    def migrate(self) -> list[int]:
        """Apply every migration newer than the store's version, each in its own transaction."""
        applied = []
        pg = self.backend == "postgresql"
        if pg:  # two workers starting at once: one migrates, the other then finds it done
            self.con.execute("SELECT pg_advisory_lock(hashtext('clusteratlas:migrate'))").fetchall()
        try:
            self.con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                             " name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
            current = self.schema_version()
            for version, name, sql in migrations():
                if version <= current:
                    continue
                self._apply(version, name, postgres.migration_sql(sql) if pg else sql)
                applied.append(version)
        finally:
            if pg:
                self.con.execute("SELECT pg_advisory_unlock(hashtext('clusteratlas:migrate'))").fetchall()
        return applied

    def _apply(self, version: int, name: str, sql: str) -> None:
        with self.transaction():
            self.con.execute(sql)
            self.con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            if version == 1:
                self._load_classification()

    def _load_classification(self) -> None:
        t = GBT4754.table.assign(classification=GBT4754.name, dataset_id=0)
        t = t.replace({"parent": {"": None}})
        with self.staged("_gbt", t, like="industries"):
            self.con.execute("INSERT INTO industries SELECT classification, code, level, parent, "
                             "name_zh, name_en, dataset_id FROM _gbt")

    # reading ----------------------------------------------------------------------------
    def table(self, name: str, where: str = "", params: list | None = None) -> pd.DataFrame:
        """A whole table (or the rows matching a SQL ``where``) as a DataFrame."""
        if name.removesuffix("_history") not in TABLES and name not in (
                "datasets", "grade_overrides", "industry_classes", "audit_log", "incentive_runs", "award_lines"):
            raise KeyError(f"unknown table {name!r}")
        sql = f"SELECT * FROM {name}" + (f" WHERE {where}" if where else "")
        return self.con.execute(sql, params or []).df()

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def row_counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("datasets", *IMPORT_ORDER)}

    def datasets(self) -> pd.DataFrame:
        d = self.sql("SELECT * FROM datasets ORDER BY dataset_id")
        d["row_counts"] = d["row_counts"].map(json.loads)
        return d

    def dataset_by_hash(self, sha256: str) -> int | None:
        r = self.con.execute("SELECT dataset_id FROM datasets WHERE sha256 = ? ORDER BY dataset_id "
                             "DESC LIMIT 1", [sha256]).fetchall()
        return r[0][0] if r else None

    def keys(self, table: str, column: str) -> set[str]:
        return {r[0] for r in self.con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}

    def check(self) -> list[str]:
        """Every problem of the store, read to the last block: a table that cannot be read in
        full, a kept source file that is missing or whose SHA-256 is not the one recorded at
        import. An empty list: the store is whole."""
        import hashlib

        problems = []
        for t in self.table_names():
            try:  # hashing every row reads every column of every block
                self.con.execute(f"SELECT count(*), {self._row_hash_sum()} FROM {t} t").fetchall()
            except Exception as e:  # duckdb raises several types for a damaged block
                problems.append(f"table {t}: cannot be read ({type(e).__name__}: {e})")
        try:
            kept = self.con.execute("SELECT dataset_id, source_name, sha256, raw_path FROM datasets "
                                    "ORDER BY dataset_id").fetchall()
        except Exception:
            kept = []
        for dataset_id, name, sha, raw in kept:
            # the kept files sit beside the store under their hash, whatever the store is named now
            path = self.files_dir / Path(raw).name
            if not path.exists():
                problems.append(f"dataset {dataset_id} ({name}): kept file {raw} is missing")
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != sha:
                problems.append(f"dataset {dataset_id} ({name}): kept file {raw} has SHA-256 "
                                f"{digest[:12]}…, the import recorded {sha[:12]}…")
        return problems

    def content_digest(self) -> dict[str, str]:
        """An order-independent digest of every table's content (for 'nothing changed' checks)."""
        out = {}
        for t in self.table_names():
            out[t] = self.con.execute(
                f"SELECT count(*) || ':' || coalesce({self._row_hash_sum()}, 0) FROM {t} t").fetchall()[0][0]
        return out

    def table_names(self) -> list[str]:
        """Every table of the store (its own schema; no temporary or system tables)."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]

    def _row_hash_sum(self) -> str:
        """SQL summing a hash of every whole row ``t`` (order-independent)."""
        return "sum(hash(t))" if self.backend == "duckdb" else "sum(hashtextextended(t::text, 0))"
