"""Region (and park) boundaries imported from GeoJSON: a FeatureCollection reads as one sheet
whose rows are its features; errors name the feature; invalid polygons are rejected unless the
user asks for them to be repaired, and each repair is reported."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from clusteratlas.io import ImportRejected, import_files
from clusteratlas.io.headers import split_unit
from tests.shared import shared_file

SQUARE = {"type": "Polygon", "coordinates": [[[112.0, 30.3], [112.1, 30.3], [112.1, 30.4],
                                              [112.0, 30.4], [112.0, 30.3]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[112.2, 30.3], [112.3, 30.4], [112.3, 30.3],
                                              [112.2, 30.4], [112.2, 30.3]]]}


def feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def test_a_feature_collection_imports_as_region_rows(tmp_path, base_store):
    # DataV-style properties: adcode, name, level 'city'/'district', parent as an object
    path = write(tmp_path / "towns.geojson", [
        feature({"adcode": 421003001, "name": "城南街道", "level": "town",
                 "parent": {"adcode": 421003}, "center": [112.05, 30.35]}, SQUARE),
        feature({"adcode": "421003002", "name": "川店镇", "level": "town",
                 "parent": {"adcode": 421003}}, None)])
    report = import_files(base_store, [path])
    assert report.rows == {"regions": 2}
    assert any("center" in n and "not a field" in n for n in report.notes)
    r = base_store.sql("SELECT * FROM regions WHERE level = 'town' ORDER BY region_id")
    assert r["region_id"].tolist() == ["421003001", "421003002"]
    assert r["parent_id"].tolist() == ["421003", "421003"]
    assert shape(json.loads(r.at[0, "boundary"])).equals(shape(SQUARE))
    assert r["boundary"].isna().iloc[1]  # a feature without geometry has no boundary


def test_errors_name_the_feature_and_the_property(tmp_path, base_store):
    path = write(tmp_path / "bad.geojson", [
        feature({"adcode": "421003001", "name": "城南街道", "parent": {"adcode": "421003"}}, SQUARE),
        feature({"adcode": "421003002", "name": "", "parent": {"adcode": "999999"}}, SQUARE)])
    before = base_store.content_digest()
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [path])
    by_rule = {i.rule: i for i in e.value.issues}
    assert by_rule["missing_value"].row == 2 and by_rule["missing_value"].sheet == "features"
    assert "name" in by_rule["missing_value"].column
    assert by_rule["unknown_reference"].row == 2 and by_rule["unknown_reference"].value == "999999"
    assert base_store.content_digest() == before


@pytest.mark.parametrize("text, rule, row", [
    ('{"type": "FeatureCollection", "features": [\n  {"type": "Feature",, }]}', "unreadable_file", 2),
    ('{"type": "Polygon", "coordinates": []}', "unreadable_file", None),
    ('{"type": "FeatureCollection", "features": []}', "empty_file", None),
    # a projected CGCS2000 zone (metres), as Chinese GIS exports often are
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
     '"urn:ogc:def:crs:EPSG::4547"}}, "features": [{"type": "Feature", "properties": {}, '
     '"geometry": null}]}', "unreadable_file", None),
])
def test_unreadable_geojson_says_why(tmp_path, base_store, text, rule, row):
    path = tmp_path / "broken.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [path])
    assert [(i.rule, i.row) for i in e.value.issues] == [(rule, row)]
    if "4547" in text:
        assert "EPSG:4326" in e.value.issues[0].message  # and it says what to do


def test_a_file_in_cgcs2000_degrees_imports(tmp_path, base_store):
    path = tmp_path / "cgcs2000.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "EPSG:4490"}}, "features": [feature({"adcode": "421003001", "name": "城南街道",
                                                      "parent": {"adcode": "421003"}}, SQUARE)]}),
        encoding="utf-8")
    assert import_files(base_store, [path]).rows == {"regions": 1}


def test_an_invalid_polygon_is_rejected_unless_repair_is_asked_for(tmp_path, base_store):
    path = write(tmp_path / "bowtie.geojson", [
        feature({"adcode": "421003001", "name": "城南街道", "parent": {"adcode": "421003"}}, BOWTIE)])
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [path])
    issue = e.value.issues[0]
    assert issue.rule == "bad_geojson" and issue.row == 1
    assert "Self-intersection" in issue.message and "--repair-geometry" in issue.message

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    report = import_files(base_store, [path], repair_geometry=True)
    assert any("row 1: boundary repaired (Self-intersection" in n for n in report.notes)
    stored = shape(json.loads(base_store.sql(
        "SELECT boundary FROM regions WHERE region_id = '421003001'").iloc[0, 0]))
    assert stored.is_valid and stored.geom_type == "MultiPolygon"  # the bow tie's two triangles
    assert stored.area == pytest.approx(0.005)
    # the file kept with the dataset is the user's, byte for byte
    kept = next(base_store.files_dir.glob(f"{sha}*"))
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha


def test_a_long_cell_is_never_read_as_a_header_with_a_unit():
    # the unit pattern backtracked for seconds on long bracketed text such as a boundary
    text = json.dumps({"type": "Polygon", "coordinates": [[[112.0 + i / 1e4, 30.0] for i in range(2000)]]})
    assert split_unit(text) == (text, None)
    assert split_unit("工业总产值(万元)") == ("工业总产值", "万元")


def test_datav_boundaries_of_hubei_import_and_hold_their_centres(tmp_path, store):
    """The DataV GeoAtlas boundaries of Hubei's 17 prefecture-level units (real, GCJ-02-like
    coordinates): most rings self-intersect, so the import needs --repair-geometry; each unit's
    published centre lies inside its repaired boundary."""
    cities = json.loads(shared_file("data/china-admin-geojson/china_cities_merged.json").read_text("utf-8"))
    provinces = json.loads(shared_file("data/china-admin-geojson/china_provinces.json").read_text("utf-8"))
    hubei = [f for f in cities["features"] if (f["properties"].get("parent") or {}).get("adcode") == 420000]
    province = [f for f in provinces["features"] if f["properties"]["adcode"] == "420000"]
    assert len(hubei) == 17
    path = write(tmp_path / "hubei.json", province + hubei)
    country = tmp_path / "country.csv"
    country.write_text("行政区划代码,地区名称,级别\n100000,中华人民共和国,国家\n", encoding="utf-8")
    import_files(store, [country])

    with pytest.raises(ImportRejected) as e:
        import_files(store, [path])
    invalid = [f for f in province + hubei if not shape(f["geometry"]).is_valid]
    assert sorted(i.row for i in e.value.issues) == sorted(
        k for k, f in enumerate(province + hubei, start=1) if f in invalid)
    assert {i.rule for i in e.value.issues} == {"bad_geojson"}

    report = import_files(store, [path], repair_geometry=True)
    assert report.rows == {"regions": 18}
    assert sum("repaired" in n for n in report.notes) == len(invalid)
    r = store.sql("SELECT region_id, name, level, parent_id, boundary FROM regions "
                  "WHERE parent_id = '420000'")
    assert len(r) == 17 and set(r["level"]) == {"prefecture"}
    shapes = []
    for f in hubei:
        row = r[r.region_id == str(f["properties"]["adcode"])].iloc[0]
        geom = shape(json.loads(row["boundary"]))
        assert geom.is_valid
        assert geom.contains(Point(f["properties"]["centroid"])), row["name"]
        shapes.append(geom)
    # a repair keeps the land: the 17 units still tile the (separately repaired) province
    whole = shape(json.loads(store.sql("SELECT boundary FROM regions WHERE region_id = '420000'")
                             .iloc[0, 0]))
    assert sum(g.area for g in shapes) == pytest.approx(whole.area, rel=1e-3)
    assert shapely.union_all(shapes).symmetric_difference(whole).area < 0.01 * whole.area
