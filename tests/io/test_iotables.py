"""Reading input-output tables: the NBS layout (the sample's table and a hand-made one) and WIOD."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.io.iotables import read_nbs_table, read_wiod
from clusteratlas.sample import IO_TABLE, data_dir
from tests.shared import shared_file


def test_a_hand_made_nbs_table(tmp_path):
    p = tmp_path / "io.csv"
    p.write_text(
        "2017年投入产出表（竞争型）\n单位：亿元\n"
        "代码,01 农业,35 专用设备,中间使用合计,农村居民消费,城镇居民消费,出口,进口,最终使用合计,总产出\n"
        "01 农业,10,5,15,20,30,5,-10,45,60\n"
        "35 专用设备,4,8,12,0,0,20,-2,18,30\n"
        "中间投入合计,14,13\n劳动者报酬,30,10\n生产税净额,6,2\n营业盈余,10,5\n增加值合计,46,17\n总投入,60,30\n",
        encoding="utf-8")
    t = read_nbs_table(p)
    assert list(t.sectors) == ["01 农业", "35 专用设备"]
    assert t.Z.loc["01 农业", "35 专用设备"] == 5e8  # 亿元 → CNY
    assert list(t.Y.columns) == ["农村居民消费", "城镇居民消费", "出口", "进口"]  # subtotals left out
    assert t.Y.loc["35 专用设备", "进口"] == -2e8
    assert list(t.V.index) == ["劳动者报酬", "生产税净额", "营业盈余"]
    np.testing.assert_allclose(t.x, [60e8, 30e8])
    np.testing.assert_allclose(t.Z.sum(axis=1) + t.Y.sum(axis=1), t.x)


def test_the_sample_table_balances():
    t = read_nbs_table(data_dir() / IO_TABLE)
    assert t.Z.shape == (20, 20)
    np.testing.assert_allclose(t.Z.sum(axis=1) + t.Y.sum(axis=1), t.x, rtol=1e-6)
    np.testing.assert_allclose(t.Z.sum(axis=0) + t.V.sum(axis=0), t.x, rtol=1e-6)


def test_wiod_china_domestic_block_matches_the_extract():
    inter = shared_file("data/wiod-2013-release/wiot2011_inter_1435x1435.csv.gz")
    final = shared_file("data/wiod-2013-release/wiot2011_final_1435x205.csv.gz")
    output = shared_file("data/wiod-2013-release/wiot2011_output.csv")
    t = read_wiod(inter, final, output, country="CHN")
    ref = pd.read_csv(shared_file("data/wiod-2013-release/china2011_domestic_inter_35x35.csv"), index_col=0)
    np.testing.assert_array_equal(t.Z.loc[ref.index, ref.columns].to_numpy(), ref.to_numpy())
    fo = pd.read_csv(shared_file("data/wiod-2013-release/china2011_final_and_output_35.csv"), index_col=0)
    np.testing.assert_array_equal(t.x.loc[fo.index].to_numpy(), fo["total_output"].to_numpy())
    assert t.x.loc["CHN_c1"] == 1_261_050  # PROVENANCE's sanity check


def test_a_file_without_a_sector_block_is_refused(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no header row"):
        read_nbs_table(p)


def _assert_same(a, b):
    for block in ("Z", "Y", "V"):
        pd.testing.assert_frame_equal(getattr(a, block).astype(float), getattr(b, block),
                                      check_names=False)
    pd.testing.assert_series_equal(a.x.astype(float), b.x, check_names=False)


def test_a_table_kept_in_the_store_comes_back_exactly(store):
    from clusteratlas.io.iotables import list_io_tables, load_io_table, save_io_table

    assert load_io_table(store) is None  # an empty store has none
    table = read_nbs_table(data_dir() / IO_TABLE)
    first = save_io_table(store, table, "national", year=2017)
    _assert_same(table, load_io_table(store))  # sector order and every block, to the bit
    # a second table is a new one: the first is still there, by id or by name
    doubled = type(table)(table.Z * 2, table.Y * 2, table.V * 2, table.x * 2)
    second = save_io_table(store, doubled, "national x2")
    assert second == first + 1 and list_io_tables(store)["table_id"].tolist() == [second, first]
    _assert_same(doubled, load_io_table(store))  # the newest by default
    _assert_same(table, load_io_table(store, first))
    _assert_same(table, load_io_table(store, "national"))
    with pytest.raises(KeyError):
        load_io_table(store, "regional")


def test_wiod_china_round_trips_through_the_store(store):
    from clusteratlas.io.iotables import load_io_table, save_io_table

    base = "data/wiod-2013-release/"
    china = read_wiod(shared_file(base + "wiot2011_inter_1435x1435.csv.gz"),
                      shared_file(base + "wiot2011_final_1435x205.csv.gz"),
                      shared_file(base + "wiot2011_output.csv"), country="CHN")
    save_io_table(store, china, "WIOD 2011 China", year=2011, region_id="CHN", layout="wiod")
    back = load_io_table(store)
    _assert_same(china, back)
    assert list(back.sectors) == list(china.sectors)


def test_importing_a_file_keeps_it_under_its_hash(store):
    import hashlib

    from clusteratlas.io.iotables import import_io_table, list_io_tables

    path = data_dir() / IO_TABLE
    table_id = import_io_table(store, path, year=2017)
    row = list_io_tables(store).iloc[0]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (row["table_id"], row["sha256"], row["source_name"], row["sectors"]) == (table_id, sha, path.name, 20)
    assert (store.files_dir / f"{sha}.csv").read_bytes() == path.read_bytes()
