"""Shared fixtures: a fresh store, and writers for the small files the import tests use."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest

from clusteratlas.io import Store, import_files

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
def sample_store(tmp_path_factory) -> Store:
    """The bundled sample region, imported once for the whole test session (read it only)."""
    from clusteratlas.io.mapping import Mapping
    from clusteratlas.sample import MAPPING, data_dir, sample_files

    s = Store(tmp_path_factory.mktemp("sample") / "sample.duckdb")
    import_files(s, sample_files(), mapping=Mapping.load(data_dir() / MAPPING))
    yield s
    s.close()


def _copy_store(template: Path, target: Path) -> Store:
    """A store copied from a template file (and its kept files): migrating a new store costs a
    few hundred ms, copying one a few."""
    import shutil

    shutil.copy(template, target)
    files = template.with_name(template.name + ".files")
    if files.exists():
        shutil.copytree(files, target.with_name(target.name + ".files"))
    return Store(target)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    with Store(folder / "empty.duckdb") as s:
        s.con.execute("CHECKPOINT")
    with Store(folder / "base.duckdb") as s:
        files = [write_csv(folder / "regions.csv", REGIONS), write_csv(folder / "parks.csv", PARKS),
                 write_csv(folder / "firms.csv", FIRMS)]
        import_files(s, files)
        s.con.execute("CHECKPOINT")
    return {"empty": folder / "empty.duckdb", "base": folder / "base.duckdb"}


@pytest.fixture
def store(tmp_path, _templates) -> Store:
    """A new, empty store (migrated)."""
    s = _copy_store(_templates["empty"], tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture
def base_store(tmp_path, _templates) -> Store:
    """A store holding one region, one park and three firms (imported from regions.csv,
    parks.csv and firms.csv)."""
    s = _copy_store(_templates["base"], tmp_path / "test.duckdb")
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
