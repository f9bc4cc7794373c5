"""PostgreSQL under the store's one interface: where its dialect differs from DuckDB's, it is said
here and nowhere else.

The store speaks DuckDB's connection API (``execute(sql, params)`` with ``?`` placeholders,
``fetchall()``, ``.df()``, ``register(name, frame)``). ``PgConnection`` gives the same calls on a
psycopg 3 connection, so every query and migration serves both backends:

- placeholders ``?`` become ``%s`` (and a literal ``%`` becomes ``%%``) outside quoted text;
- ``DOUBLE`` becomes ``DOUBLE PRECISION`` in migrations;
- a frame the queries read by name (``register``) is copied into a temporary table;
- results come back as whole columns: ``COPY (query) TO STDOUT`` in CSV, parsed by Arrow into
  typed columns and handed to DuckDB, so a frame read from PostgreSQL has exactly the dtypes of
  one read from a DuckDB store — never row by row;
- a statement without rows answers ``[(rowcount,)]``, as DuckDB's INSERT and DELETE do.

Every connection works in UTC, as DuckDB does, and in autocommit: the store opens its own
transactions (``BEGIN TRANSACTION`` … ``COMMIT``).
"""

from __future__ import annotations

import io
import os
import re
import threading

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

SCHEMES = ("postgresql://", "postgres://")

# PostgreSQL type OIDs → Arrow types for reading a result back (pg_type.oid)
_ARROW = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 26: pa.int64(),
          700: pa.float32(), 701: pa.float64(), 1700: pa.float64(), 25: pa.string(),
          1043: pa.string(), 1042: pa.string(), 19: pa.string(), 1082: pa.date32(),
          1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC")}


_LOCAL = threading.local()


def _frames() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB, which turns Arrow columns into frames exactly as a DuckDB
    store's reads do (DuckDB's default connection serves one call at a time across threads)."""
    if not hasattr(_LOCAL, "con"):
        _LOCAL.con = duckdb.connect()
    return _LOCAL.con


def is_url(db) -> bool:
    """Whether ``db`` names a PostgreSQL database (a ``postgresql://`` URL), not a DuckDB file."""
    return isinstance(db, str) and db.startswith(SCHEMES)


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def migration_sql(sql: str) -> str:
    """A migration written for DuckDB in PostgreSQL's types."""
    return re.sub(r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION", sql)


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")


def placeholders(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s``, a literal ``%`` as ``%%``; quoted
    strings, identifiers and comments are left as they are."""
    out, last = [], 0
    for m in _QUOTED.finditer(sql):
        out.append(sql[last:m.start()].replace("%", "%%").replace("?", "%s"))
        out.append(m.group(0).replace("%", "%%"))
        last = m.end()
    out.append(sql[last:].replace("%", "%%").replace("?", "%s"))
    return "".join(out)


def _pg_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"
    return "TEXT"


class PgResult:
    """What ``execute`` answers: rows (``fetchall``) or a frame (``df``) of one statement."""

    def __init__(self, con: "PgConnection", sql: str, params, lazy: bool):
        self.con, self.sql, self.params = con, sql, params
        self._rows = None
        if not lazy:
            self._rows = self._run()

    def _run(self) -> list[tuple]:
        cur = self.con.raw.execute(self.sql, self.params)
        if cur.description is None:
            return [(cur.rowcount,)]
        return cur.fetchall()

    def fetchall(self) -> list[tuple]:
        if self._rows is None:
            self._rows = self._run()
        return self._rows

    def fetchone(self):
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self) -> pd.DataFrame:
        """The result as whole columns (COPY … TO STDOUT, parsed by Arrow), dtypes as DuckDB's."""
        raw = self.con.raw
        head = raw.execute(f"SELECT * FROM ({self.sql}) _q LIMIT 0", self.params).description
        names = [d.name for d in head]
        buf = io.BytesIO()
        with raw.cursor().copy(f"COPY ({self.sql}) TO STDOUT (FORMAT csv)", self.params) as cp:
            for block in cp:
                buf.write(block)
        types = {n: _ARROW.get(d.type_code, pa.string()) for n, d in zip(names, head)}
        table = pacsv.read_csv(
            io.BytesIO(buf.getvalue()),
            read_options=pacsv.ReadOptions(column_names=names),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False,
                true_values=["t"], false_values=["f"])) if buf.tell() else pa.table(
            {n: pa.array([], type=t) for n, t in types.items()})
        return _frames().from_arrow(table).df()

    fetchdf = df


class PgConnection:
    """A psycopg connection answering the DuckDB calls the store makes."""

    def __init__(self, raw, url: str, pool=None):
        self.raw, self.url, self._pool = raw, url, pool
        self._owns_pool, self._pool_lock = False, threading.Lock()

    @classmethod
    def connect(cls, url: str) -> "PgConnection":
        import psycopg

        return cls(psycopg.connect(url, autocommit=True, options="-c timezone=UTC"), url)

    def execute(self, sql: str, params=None) -> PgResult:
        if params:
            sql, params = placeholders(sql), tuple(params)
        else:
            params = None
        lazy = sql.lstrip().upper().startswith(("SELECT", "WITH"))
        return PgResult(self, sql, params, lazy)

    def register(self, name: str, frame: pd.DataFrame, like: str | None = None) -> None:
        """``frame`` as the temporary table ``name`` of this connection (COPY, in CSV). With
        ``like``, its columns take the types of that table's columns of the same name, so an
        all-empty column or a year held as a float lands as the stored type."""
        stored = dict(self.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema()", [like]).fetchall()) if like else {}
        frame = frame.copy()
        types = {}
        for c, t in frame.dtypes.items():
            types[c] = stored.get(c, "").upper() or _pg_type(t)
            if types[c] in ("INTEGER", "BIGINT", "SMALLINT") and pd.api.types.is_float_dtype(t):
                frame[c] = frame[c].astype("Int64")  # a float 2005.0 is no integer literal
        cols = ", ".join(f'"{c}" {t}' for c, t in types.items())
        self.raw.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.raw.execute(f'CREATE TEMP TABLE "{name}" ({cols})')
        if frame.empty:
            return
        buf = io.BytesIO()
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buf,
                        pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        with self.raw.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as cp:
            cp.write(buf.getvalue())

    def unregister(self, name: str) -> None:
        self.raw.execute(f'DROP TABLE IF EXISTS "{name}"')

    def cursor(self) -> "PgConnection":
        """A connection of its own for one thread or request, from this connection's pool (made
        on the first call, once however many threads ask at the same time). A request waits for
        a free connection up to ``POOL_WAIT_S`` rather than fail."""
        with self._pool_lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(self.url, min_size=1, max_size=pool_size(), open=True,
                                            timeout=POOL_WAIT_S,
                                            kwargs={"autocommit": True, "options": "-c timezone=UTC"})
                self._owns_pool = True
            pool = self._pool
        child = PgConnection(pool.getconn(), self.url, pool)
        return child

    def close(self) -> None:
        """A connection from a pool goes back to it; the one that made the pool closes it."""
        if self._pool is not None and not self._owns_pool:
            self._pool.putconn(self.raw)
            return
        if self._pool is not None:
            self._pool.close()
        self.raw.close()


POOL_WAIT_S = 120.0  # as long as the service lets a request run


def pool_size() -> int:
    """Connections per process (``$CLUSTERATLAS_PG_POOL``, default 20): workers × this must stay
    under the server's max_connections (PostgreSQL's default: 100)."""
    return int(os.environ.get("CLUSTERATLAS_PG_POOL", "20"))
