"""Shared fixtures: a fresh store, and writers for the small files the import tests use.

``--backend postgresql`` (or ``CLUSTERATLAS_TEST_BACKEND=postgresql``) gives every store fixture
on a throwaway PostgreSQL cluster instead of a DuckDB file: the store, import and API tests run
on both backends (CI runs them twice)."""

from __future__ import annotations

import contextlib
import csv
import itertools
import os
import shutil
from pathlib import Path

import pytest

from clusteratlas.io import Store, import_files


def pytest_addoption(parser):
    parser.addoption("--backend", choices=["duckdb", "postgresql"],
                     default=os.environ.get("CLUSTERATLAS_TEST_BACKEND", "duckdb"),
                     help="the store backend of the store fixtures")


def pytest_collection_modifyitems(config, items):
    """On ``--backend postgresql``, only the tests that use a store fixture run: the rest do not
    touch a store, or test the DuckDB file itself, and ran in the DuckDB pass."""
    if config.getoption("--backend") != "postgresql":
        return
    keep = [i for i in items if "store_copies" in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the session (skips with the reason where PostgreSQL
    is not installed; fails instead when CLUSTERATLAS_REQUIRE_POSTGRES is set, as in CI)."""
    from tests.pg import Cluster, binaries

    if binaries() is None:
        reason = "PostgreSQL is not installed (Debian: apt-get install postgresql; `make postgres`)"
        if os.environ.get("CLUSTERATLAS_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster()
    yield cluster
    cluster.stop()


_NAMES = itertools.count()


class StoreCopies:
    """Stores of one backend copied from templates: a DuckDB file copied, or a PostgreSQL
    database created from a template database; the kept files copied with either."""

    def __init__(self, backend: str, cluster=None):
        self.backend, self.cluster = backend, cluster

    def new(self, folder: Path, name: str) -> tuple[str, Path]:
        """(location, files_dir) of a new, empty store named ``name`` in ``folder``."""
        if self.backend == "duckdb":
            db = folder / f"{name}.duckdb"
            return str(db), db.with_name(db.name + ".files")
        return self.cluster.create(f"{name}_{next(_NAMES)}"), folder / f"{name}.files"

    def copy(self, source: tuple[str, Path], folder: Path, name: str) -> tuple[str, Path]:
        """A copy of the closed store ``source`` (its location and kept files)."""
        location, files = self.new(folder, name)
        if self.backend == "duckdb":
            shutil.copy(source[0], location)
        else:
            self.cluster.create(location.rsplit("/", 1)[1], template=source[0].rsplit("/", 1)[1])
        if source[1].exists():
            shutil.copytree(source[1], files)
        return location, files


@pytest.fixture(scope="session")
def store_copies(request, backend) -> StoreCopies:
    return StoreCopies(backend, request.getfixturevalue("pg_cluster") if backend == "postgresql" else None)


def open_store(location: tuple[str, Path], **options) -> Store:
    return Store(location[0], files_dir=location[1], **options)


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory, store_copies) -> tuple[str, Path]:
    """The bundled sample region imported once into a closed store that tests copy."""
    location = store_copies.new(tmp_path_factory.mktemp("sample"), "sample")
    with open_store(location) as s:
        import_sample(s)
        if s.backend == "duckdb":
            s.con.execute("CHECKPOINT")
    return location


def import_sample(store) -> None:
    """The bundled sample region's files into ``store``."""
    from clusteratlas.io.mapping import Mapping
    from clusteratlas.sample import MAPPING, data_dir, sample_files

    import_files(store, sample_files(), mapping=Mapping.load(data_dir() / MAPPING))

REGIONS = [["行政区划代码", "地区名称", "级别", "最小经度", "最小纬度", "最大经度", "最大纬度"],
           ["421003", "荆州区", "district", "111.95", "30.22", "112.40", "30.66"]]
PARK_BOUNDARY = ('{"type":"Polygon","coordinates":[[[112.15,30.37],[112.17,30.37],[112.17,30.38],'
                 '[112.15,30.38],[112.15,30.37]]]}')
PARKS = [["园区代码", "园区名称", "所在地区", "建成面积(亩)", "边界"],
         ["P01", "九阳机械电子工业园", "421003", "6000", PARK_BOUNDARY]]
FIRMS = [["企业代码", "企业名称", "行业代码", "所在地区", "所在园区", "经度", "纬度", "是否龙头企业"],
         ["F1", "四机厂", "3512", "421003", "P01", "112.16", "30.375", "是"],
         ["F2", "湖北四钻", "3512", "421003", "P01", "112.155", "30.372", "否"],
         ["F3", "拍马集团", "2221", "421003", "", "112.15", "30.42", "是"]]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, sample_template, store_copies) -> Store:
    """The bundled sample region, imported once for the whole test session (read it only)."""
    s = open_store(store_copies.copy(sample_template, tmp_path_factory.mktemp("sample-read"), "sample"))
    yield s
    s.close()


@pytest.fixture
def sample_copy(tmp_path, sample_template, store_copies) -> tuple[str, Path]:
    """A copy of the sample store of one's own to change: its (location, kept files)."""
    return store_copies.copy(sample_template, tmp_path, "sample")


@pytest.fixture(scope="session")
def _templates(tmp_path_factory, store_copies) -> dict[str, tuple[str, Path]]:
    """Closed template stores (migrating a new store costs a few hundred ms, copying one a few)."""
    folder = tmp_path_factory.mktemp("templates")
    empty, base = store_copies.new(folder, "empty"), store_copies.new(folder, "base")
    with open_store(empty) as s:
        if s.backend == "duckdb":
            s.con.execute("CHECKPOINT")
    with open_store(base) as s:
        files = [write_csv(folder / "regions.csv", REGIONS), write_csv(folder / "parks.csv", PARKS),
                 write_csv(folder / "firms.csv", FIRMS)]
        import_files(s, files)
        if s.backend == "duckdb":
            s.con.execute("CHECKPOINT")
    return {"empty": empty, "base": base}


@pytest.fixture
def store(tmp_path, _templates, store_copies) -> Store:
    """A new, empty store (migrated)."""
    s = open_store(store_copies.copy(_templates["empty"], tmp_path, "test"))
    yield s
    s.close()


@pytest.fixture
def base_store(tmp_path, _templates, store_copies) -> Store:
    """A store holding one region, one park and three firms (imported from regions.csv,
    parks.csv and firms.csv)."""
    s = open_store(store_copies.copy(_templates["base"], tmp_path, "test"))
    yield s
    s.close()


@pytest.fixture(scope="session")
def sample_study(sample_store):
    """The sample district's study (its tables as frames): what the analyses are given."""
    from clusteratlas.study import open_study

    return open_study(sample_store, "421003", (2006, 6))


@contextlib.contextmanager
def held(db):
    """Another process holding the store file ``db`` open for writing, as a running server
    does; yields that process."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
