"""The store: migrations create exactly the data model of schema.py, once."""

import duckdb

from clusteratlas.io.schema import TABLES
from clusteratlas.io.store import Store, migrations

DUCK = {"text": "VARCHAR", "geojson": "VARCHAR", "int": "INTEGER", "float": "DOUBLE",
        "bool": "BOOLEAN", "date": "DATE"}
# the same types as PostgreSQL's information_schema names them
PG = {"VARCHAR": "character varying", "DOUBLE": "double precision", "INTEGER": "integer",
      "BOOLEAN": "boolean", "DATE": "date"}


def test_migrations_create_the_documented_tables_and_columns(store):
    named = (lambda t: t) if store.backend == "duckdb" else PG.get
    for name, spec in TABLES.items():
        cols = store.sql("SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position",
                         [name])
        # compared by name: a column added by a later migration comes last in the stored table
        expected = dict([(c.name, named(DUCK[c.dtype])) for c in spec.columns]
                        + [("dataset_id", named("INTEGER"))])
        assert dict(cols.itertuples(index=False, name=None)) == expected, name
        hist = store.sql("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                         [f"{name}_history"])
        assert set(hist.column_name) == {*spec.names, "dataset_id", "superseded_by"}


def test_migrating_is_recorded_and_idempotent(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        assert s.schema_version() == max(v for v, _, _ in migrations())
    with Store(path) as s:
        assert s.migrate() == []
    con = duckdb.connect(str(path))
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(migrations())
    con.close()


def test_the_classification_ships_in_every_new_store(store):
    ind = store.table("industries")
    assert len(ind) == 117 and set(ind.classification) == {"GB/T 4754-2017"}
    assert (ind.dataset_id == 0).all()


def test_read_only_open_of_a_missing_store_says_so(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="no store"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_the_data_model_document_matches_the_schema():
    from pathlib import Path

    from clusteratlas.io.schema import markdown

    doc = (Path(__file__).parents[2] / "docs" / "data-model.md").read_text(encoding="utf-8")
    generated = doc.split("<!-- generated from schema.py: do not edit by hand -->\n")[1]
    assert generated.split("<!-- end generated -->")[0] == markdown()


def test_an_older_store_is_upgraded_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    version, name, sql = migrations()[0]
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL)")
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO firm_years (firm_id, year, month_to, output, dataset_id) "
                "VALUES ('F1', 2005, 12, 1e6, 1)")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == len(migrations())
        row = s.table("firm_years").iloc[0]
        assert row["output"] == 1e6 and row.isna()["electricity_kwh"]
        assert s.table("grade_overrides").empty


def test_cursors_taken_by_many_threads_at_once_each_read_and_go_back(store):
    """A service's request threads each take a cursor of the store at the same moment (on
    PostgreSQL the first ones make its connection pool: one pool, however many ask)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(16)

    def read(_):
        start.wait()
        view = store.cursor()
        try:
            return int(view.sql("SELECT count(*) AS n FROM industries")["n"].iloc[0])
        finally:
            view.close()

    for _ in range(3):  # the pool, once made, serves every later round
        with ThreadPoolExecutor(16) as pool:
            counts = list(pool.map(read, range(16)))
        assert len(set(counts)) == 1 and counts[0] > 0


def test_a_commit_changes_the_signature_and_a_read_does_not(store):
    """What the service's public answers rest on: on a DuckDB file, nothing committed since the
    signature was read means nothing changed (PostgreSQL has none: the database is asked)."""
    from clusteratlas.io import accounts

    before = store.change_signature()
    store.sql("SELECT count(*) AS n FROM industries")
    assert store.change_signature() == before
    accounts.audit(store, "chen", "analyst", "read", "firms")
    if store.backend == "duckdb":
        assert store.change_signature() != before
        middle = store.change_signature()
        store.con.execute("CHECKPOINT")  # the log folded into the file: the file changes
        assert store.change_signature() != middle
    else:
        assert before is None and store.change_signature() is None
