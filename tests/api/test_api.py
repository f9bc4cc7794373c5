"""The API over real HTTP: every role's allowed and forbidden reads, the audit log, uploads with
row-level errors, disclosure control that cannot be undone from the totals, the calculator."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest

from clusteratlas.analyses.disclosure import recoverable
from tests.api.conftest import login


def get(server, path, headers=None, **params):
    return httpx.get(server["base"] + path, headers=headers or {}, params=params, timeout=60)


def test_public_reads_public_resources_only(server):
    assert get(server, "/api/regions").status_code == 200
    assert get(server, "/api/targets").status_code == 200
    for path in ("/api/firms", "/api/firm-years", "/api/supply-links", "/api/projects",
                 "/api/datasets", "/api/audit", "/api/analyses/pipeline"):
        assert get(server, path).status_code == 403, path


def test_wrong_password_and_unknown_token_are_refused(server):
    r = httpx.post(server["base"] + "/api/auth/token", data={"username": "admin", "password": "nope"})
    assert r.status_code == 401
    assert get(server, "/api/firms", {"Authorization": "Bearer made-up"}).status_code == 401


def test_each_role_sees_its_own_firms(server):
    admin = get(server, "/api/firms", login(server, "admin")).json()
    analyst = get(server, "/api/firms", login(server, "analyst")).json()
    outsider = get(server, "/api/firms", login(server, "outsider")).json()
    park = get(server, "/api/firms", login(server, "parkmgr")).json()
    firm = get(server, "/api/firms", login(server, "sijichang")).json()
    assert len(admin) == len(analyst) == 132  # every firm of the sample is in 421003
    assert outsider == []
    assert park and {f["park_id"] for f in park} == {"P02"}
    assert [f["firm_id"] for f in firm] == [server["firm_id"]]
    own = get(server, "/api/firm-years", login(server, "sijichang"), year=2005).json()
    assert {r["firm_id"] for r in own} == {server["firm_id"]}


def test_firm_reads_and_writes_are_audited(server):
    h = login(server, "parkmgr")
    get(server, "/api/firm-years", h)
    log = get(server, "/api/audit", login(server, "admin"), limit=50).json()
    mine = [e for e in log if e["username"] == "parkmgr" and e["resource"] == "firm_years"]
    assert mine and mine[0]["action"] == "read" and mine[0]["logged_at"]
    assert get(server, "/api/audit", h).status_code == 403


def test_upload_returns_row_level_errors_and_changes_nothing(server):
    h = login(server, "analyst")
    before = get(server, "/api/datasets", h).json()
    bad = "企业代码,年份,工业总产值(万元)\nNOPE,2005,12\n"
    files = {"files": ("bad.csv", io.BytesIO(bad.encode()), "text/csv")}
    r = httpx.post(server["base"] + "/api/datasets", headers=h, files=files, timeout=60)
    assert r.status_code == 422
    issue = r.json()["issues"][0]
    assert (issue["file"], issue["row"], issue["rule"]) == ("bad.csv", 2, "unknown_reference")
    assert "企业" in issue["message_zh"]  # a clerk's words, beside the English
    r = httpx.post(server["base"] + "/api/datasets", headers=h, files=files, data={"region": "429999"})
    assert r.status_code == 422 and "division code" in r.json()["detail"]
    assert get(server, "/api/datasets", h).json() == before
    park = login(server, "parkmgr")
    assert httpx.post(server["base"] + "/api/datasets", headers=park, files=files).status_code == 403


def test_suppressed_cells_cannot_be_recovered_from_the_totals(server):
    public = get(server, "/api/analyses/output-table").json()
    raw = get(server, "/api/analyses/output-table", login(server, "admin")).json()
    assert all(c["suppressed"] is None for c in raw["cells"])
    hidden = [c for c in public["cells"] if c["suppressed"]]
    assert any(c["suppressed"] == "primary" for c in hidden)
    assert any(c["suppressed"] == "complementary" for c in hidden)
    rows = sorted({c["division"] for c in public["cells"]})
    cols = sorted({c["park"] for c in public["cells"]})
    mask = np.zeros((len(rows), len(cols)), dtype=bool)
    for c in hidden:
        mask[rows.index(c["division"]), cols.index(c["park"])] = True
    rows_ok = [public["row_totals"][r] is not None for r in rows]
    cols_ok = [public["column_totals"][c] is not None for c in cols]
    assert not recoverable(mask, rows_ok, cols_ok).any()
    # the totals that are published agree with the raw table, and are aggregates that pass the
    # primary rule themselves
    for r in rows:
        if public["row_totals"][r] is not None:
            assert public["row_totals"][r] == pytest.approx(raw["row_totals"][r])
            assert sum(c["firms"] for c in raw["cells"] if c["division"] == r) >= 3
    assert any(public["row_totals"][r] is None for r in rows)


def test_overview_hides_disclosive_industries_for_the_public(server):
    pub = get(server, "/api/analyses/overview").json()
    adm = get(server, "/api/analyses/overview", login(server, "admin")).json()
    hidden = [r for r in pub["by_industry"] if r["disclosure"]]
    assert hidden and all(r["output"] is None for r in hidden)
    assert all(r["output"] is not None for r in adm["by_industry"])
    assert "规模以上工业总产值23.4亿元" in pub["summary_zh"]


def test_formats_and_the_policy_calculator(server):
    csv = get(server, "/api/parks", format="csv")
    assert csv.status_code == 200 and csv.text.startswith("park_id,")
    assert get(server, "/api/parks", format="pdf").status_code == 422
    r = httpx.post(server["base"] + "/api/incentives/calculate", params={"year": 2006},
                   json={"entity": "firm", "registered_in_changsha": True, "three_industries": True,
                         "supporting_firm": True, "project_fits_policy": True, "county_level": True,
                         "new_project_investment": 2e7, "equipment_investment": 1.2e7})
    body = r.json()
    assert r.status_code == 200 and body["total"] == pytest.approx(600_000)
    eq = next(x for x in body["rules"] if x["rule_id"] == "c12_equipment_subsidy")
    assert eq["status"] == "award" and "第12条" in eq["zh"]


def test_value_chain_endpoint(server):
    r = get(server, "/api/analyses/value-chain", division="35").json()
    assert r["focal"].startswith("35") and r["edges"] and r["gaps"]
    focal = next(n for n in r["nodes"] if n["role"] == "focal")
    assert focal["lq"] > 1 and focal["firms"] >= 10  # the district's oil-machinery cluster
    # a gap is a linked sector the region is weak in (LQ < 1 or no firms), not every sector
    assert all(g["gap"] == ((g["lq"] is not None and g["lq"] < 1) or g["firms"] == 0)
               for g in r["gaps"] if g["lq"] is not None)


def test_value_chain_withholds_sectors_of_few_firms_for_the_public(server, sample_store):
    from clusteratlas.analyses.disclosure import breakdown_reasons
    from clusteratlas.analyses.valuechain import division_to_sector
    from clusteratlas.classify import GBT4754

    pub = get(server, "/api/analyses/value-chain", division="35").json()
    adm = get(server, "/api/analyses/value-chain", login(server, "admin"), division="35").json()
    # the expected withheld sectors, from the firm rows by hand (the server runs on the sample's table)
    from clusteratlas.io.iotables import read_nbs_table
    from clusteratlas.sample import IO_TABLE, data_dir

    sectors = read_nbs_table(data_dir() / IO_TABLE).sectors
    rows = sample_store.sql(  # the server's store is a copy of the sample
        "SELECT f.industry_code, fy.output FROM firm_years fy JOIN firms f USING (firm_id) "
        "WHERE fy.year = ? AND fy.month_to = 12 AND fy.above_scale AND fy.output IS NOT NULL",
        [adm["year"]])
    rows["sector"] = rows["industry_code"].map(GBT4754.division_of).map(division_to_sector(sectors))
    why = breakdown_reasons(rows.dropna(subset=["sector"]), "sector", "output")
    hidden = set(why.index[why != ""])
    # and every sector holding a division that is withheld on its own
    rows["division"] = rows["industry_code"].map(GBT4754.division_of)
    by_division = breakdown_reasons(rows, "division", "output")
    hidden |= {division_to_sector(sectors)[d] for d in by_division.index[by_division != ""]
               if d in division_to_sector(sectors)}
    assert hidden  # the sample has sectors of one or two firms
    for n in pub["nodes"]:
        assert (n["output"] is None) == (n["sector"] in hidden), n
    for g in pub["gaps"]:
        assert (g["leakage"] is None) == (g["sector"] in hidden), g
    assert all(n["output"] is not None for n in adm["nodes"])


def test_matching_endpoints_by_role(server):
    assert get(server, "/api/suppliers").status_code == 403
    firm = login(server, "sijichang")
    cat = get(server, "/api/suppliers", firm).json()
    assert len(cat) > 100
    mine = get(server, "/api/needs", firm).json()
    assert mine and {n["buyer_id"] for n in mine} == {server["firm_id"]}
    park_needs = get(server, "/api/needs", login(server, "parkmgr")).json()
    assert server["firm_id"] not in {n["buyer_id"] for n in park_needs}  # 四机厂 is not in P02
    ranked = get(server, "/api/matches", firm, need_id=mine[0]["need_id"], top_k=3).json()
    assert [r["rank"] for r in ranked] == [1, 2, 3] and ranked[0]["reason"]
    assert get(server, "/api/matches", login(server, "parkmgr"), need_id=mine[0]["need_id"]).status_code == 404


def test_recording_a_contract_updates_supply_links(server):
    admin = login(server, "admin")
    need = get(server, "/api/needs", admin).json()[0]
    supplier = next(f["firm_id"] for f in get(server, "/api/firms", admin).json() if f["firm_id"] != need["buyer_id"])
    before = len(get(server, "/api/supply-links", admin).json())
    r = httpx.post(server["base"] + "/api/outcomes", headers=admin, data={
        "outcome_id": "API1", "need_id": need["need_id"], "supplier_id": supplier, "stage": "contract",
        "date": "2006-06-15", "contract_value": "12000000"}, timeout=60)
    assert r.status_code == 200, r.text
    assert len(get(server, "/api/supply-links", admin).json()) >= before + 1
    bad = httpx.post(server["base"] + "/api/outcomes", headers=admin, data={
        "outcome_id": "API2", "need_id": "NOPE", "supplier_id": supplier, "stage": "contract",
        "date": "2006-06-15"}, timeout=60)
    assert bad.status_code == 422 and bad.json()["issues"][0]["rule"] == "unknown_reference"


def test_k_density_curves_are_public_and_footprints_are_not(server):
    r = get(server, "/api/analyses/k-density", n_sim=19).json()
    assert [i["industry"] for i in r["industries"]] == ["17", "22", "35", "13", "30"]
    curve = r["curves"]["22"]
    assert len(curve) >= 512 and {"r", "observed", "global_lo", "global_hi"} <= set(curve[0])  # dbmss grid
    assert "clusters" not in r
    for who in (None, login(server, "outsider"), login(server, "parkmgr")):
        assert get(server, "/api/analyses/k-density", who, n_sim=19, footprints=True).status_code == 403
    analyst = login(server, "analyst")
    full = get(server, "/api/analyses/k-density", analyst, n_sim=19, footprints=True).json()
    assert full["clusters"] and all(c["footprint"].startswith('{"type"') for c in full["clusters"])
    assert len(full["outside_parks"]) == sum(c["firms_outside_parks"] for c in full["clusters"])
    log = get(server, "/api/audit", login(server, "admin")).json()
    assert any(e["resource"] == "firm_clusters" and e["username"] == "analyst" for e in log)
    assert get(server, "/api/analyses/k-density", n_sim=5).status_code == 422  # too few to test


def test_the_openapi_spec_carries_examples(server):
    spec = httpx.get(server["base"] + "/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/analyses/overview"]["get"]["parameters"]}
    assert params["region_id"]["examples"]["district"]["value"] == "421003"
    assert params["period"]["examples"]["half"]["value"] == "2006H1"
    body = spec["paths"]["/api/incentives/calculate"]["post"]["requestBody"]["content"]["application/json"]
    example = body["examples"]["supporting project"]["value"]
    r = httpx.post(server["base"] + "/api/incentives/calculate", params={"year": 2006}, json=example)
    assert r.status_code == 200 and r.json()["total"] > 0  # the documented example works


def _hidden_parts_are_safe(parts, key="output"):
    """With the total published, hidden parts must be none or at least two."""
    return sum(p[key] is None for p in parts) != 1


def test_overview_breakdowns_cannot_be_recovered_from_the_total(server):
    pub = get(server, "/api/analyses/overview").json()
    assert _hidden_parts_are_safe(pub["by_industry"]) and _hidden_parts_are_safe(pub["by_park"])


def test_lq_of_a_withheld_industry_is_withheld_for_the_public_only(server):
    pub = {r["industry"]: r for r in get(server, "/api/analyses/location-quotients").json()}
    adm = {r["industry"]: r for r in get(server, "/api/analyses/location-quotients",
                                          login(server, "admin")).json()}
    overview = get(server, "/api/analyses/overview").json()
    withheld = {r["division"] for r in overview["by_industry"] if r["disclosure"]}
    assert withheld and withheld <= set(pub)
    for d in pub:
        if d in withheld:  # an LQ with the published totals gives the value back
            assert pub[d]["lq"] is None and pub[d]["suppressed"]
        else:
            assert pub[d]["lq"] == pytest.approx(adm[d]["lq"])
    assert all(r["lq"] is not None for r in adm.values())
    opp = get(server, "/api/analyses/opportunities").json()
    assert all(o["output"] is None and o["rca"] is None for o in opp if o["industry"] in withheld)


def test_lq_map_is_geojson_with_the_study_region_and_the_boundary_source(server):
    r = get(server, "/api/analyses/lq-map", industry="35")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["industry"] == "35"
    props = {f["properties"]["region_id"]: f["properties"] for f in fc["features"]}
    assert len(props) == 8 and [k for k, p in props.items() if p["focus"]] == ["421003"]
    assert all("schematic" in p["boundary_source"] for p in props.values())
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])
    lqs = {r["industry"]: r["lq"] for r in get(server, "/api/analyses/location-quotients").json()}
    assert props["421003"]["lq"] == pytest.approx(lqs["35"])
    # the default is the region's largest industry; an industry with no output anywhere is 404
    assert get(server, "/api/analyses/lq-map").json()["industry"] == "35"
    assert get(server, "/api/analyses/lq-map", industry="07").status_code == 404


def test_lq_map_withholds_firm_built_values_for_the_public(server):
    overview = get(server, "/api/analyses/overview").json()
    d = next(r["division"] for r in overview["by_industry"] if r["disclosure"])
    pub = get(server, "/api/analyses/lq-map", industry=d).json()
    adm = get(server, "/api/analyses/lq-map", login(server, "admin"), industry=d).json()
    mine = next(f["properties"] for f in pub["features"] if f["properties"]["focus"])
    assert mine["lq"] is None and mine["suppressed"]
    theirs = next(f["properties"] for f in adm["features"] if f["properties"]["focus"])
    assert theirs["lq"] is not None and theirs["suppressed"] is None
    # the other regions' LQs divide by the industry's total, the withheld value in it: with
    # their own (published) values they would give it back, so they are withheld too
    others = [f["properties"] for f in pub["features"] if not f["properties"]["focus"]]
    assert all(p["lq"] is None and p["suppressed"] == "complementary" for p in others)
    assert all(f["properties"]["lq"] is not None for f in adm["features"])
    # an industry of many firms is public everywhere
    assert all(f["properties"]["lq"] is not None
               for f in get(server, "/api/analyses/lq-map", industry="35").json()["features"])


def _record_sample_run(server) -> int:
    from clusteratlas.sample import INCENTIVE_INPUTS, data_dir

    h = login(server, "analyst")
    files = {"file": ("inputs.csv", (data_dir() / INCENTIVE_INPUTS).read_bytes(), "text/csv")}
    r = httpx.post(server["base"] + "/api/incentives/runs", headers=h, files=files,
                   data={"year": "2006", "label": "test"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["run_id"]


def test_an_incentive_run_is_recorded_and_its_totals_follow_the_disclosure_rules(server):
    run_id = _record_sample_run(server)
    runs = get(server, "/api/incentives/runs").json()
    assert runs[0]["run_id"] == run_id and runs[0]["label"] == "test" and runs[0]["awards"] > 0
    adm = get(server, f"/api/incentives/runs/{run_id}/totals", login(server, "admin")).json()
    pub = get(server, f"/api/incentives/runs/{run_id}/totals").json()
    assert pub["total"] == pytest.approx(adm["total"])
    assert sum(r["amount"] for r in adm["by_rule"]) == pytest.approx(adm["total"])
    hidden = [r for r in pub["by_rule"] if r["amount"] is None]
    assert len(hidden) >= 2 and all(r["suppressed"] for r in hidden)
    # a hidden rule's count is hidden too: count × a flat amount (the ruleset is public) is its total
    assert all(r["entities"] is None for r in hidden)
    counts = {r["rule_id"]: r["entities"] for r in adm["by_rule"]}
    assert all(r["amount"] is None for r in pub["by_rule"] if counts[r["rule_id"]] < 3)
    outsider = get(server, f"/api/incentives/runs/{run_id}/totals", login(server, "outsider")).json()
    assert outsider["by_rule"] == pub["by_rule"]  # another region's analyst: as the public
    assert all(p["amount"] is None for p in pub["by_payer"])  # rules hidden: no payer split
    shown = {r["rule_id"]: r["amount"] for r in pub["by_rule"] if r["amount"] is not None}
    full = {r["rule_id"]: r["amount"] for r in adm["by_rule"]}
    assert shown and all(v == pytest.approx(full[k]) for k, v in shown.items())
    log = get(server, "/api/audit", login(server, "admin"), limit=50).json()
    assert any(e["resource"] == "incentive_runs" and e["action"] == "write" for e in log)


def test_award_lines_are_scoped_to_what_each_role_may_see(server):
    run_id = _record_sample_run(server)
    assert get(server, f"/api/incentives/runs/{run_id}/lines").status_code == 403
    admin = get(server, f"/api/incentives/runs/{run_id}/lines", login(server, "admin")).json()
    firm = get(server, f"/api/incentives/runs/{run_id}/lines", login(server, "sijichang")).json()
    outsider = get(server, f"/api/incentives/runs/{run_id}/lines", login(server, "outsider")).json()
    assert {r["entity_id"] for r in firm} <= {server["firm_id"]}
    assert outsider == [] and len(admin) > len(firm)
    assert get(server, "/api/incentives/runs/99999/totals").status_code == 404


def test_a_run_refuses_paths_and_unreadable_files(server):
    h = login(server, "analyst")
    files = {"file": ("inputs.csv", b"entity_id,entity\nx,firm\n", "text/csv")}
    r = httpx.post(server["base"] + "/api/incentives/runs", headers=h, files=files,
                   data={"year": "2006", "ruleset": "../../etc/passwd"}, timeout=60)
    assert r.status_code == 422
    files = {"file": ("inputs.xlsx", b"not a workbook", "application/octet-stream")}
    r = httpx.post(server["base"] + "/api/incentives/runs", headers=h, files=files,
                   data={"year": "2006"}, timeout=60)
    assert r.status_code == 422 and "inputs.xlsx" in r.json()["detail"]
    assert httpx.post(server["base"] + "/api/incentives/runs", files=files,
                      data={"year": "2006"}, timeout=60).status_code in (401, 403)


def test_input_output_tables_are_listed_and_uploaded_by_analysts(server):
    from clusteratlas.sample import IO_TABLE, data_dir

    before = get(server, "/api/io-tables").json()
    assert before and before[0]["sectors"] == 20  # the value chain reads the store's newest
    files = {"file": ("national.csv", (data_dir() / IO_TABLE).read_bytes(), "text/csv")}
    assert httpx.post(server["base"] + "/api/io-tables", files=files, timeout=60).status_code in (401, 403)
    r = httpx.post(server["base"] + "/api/io-tables", headers=login(server, "analyst"), files=files,
                   data={"name": "same table again", "year": "2017"}, timeout=60)
    assert r.status_code == 200, r.text
    after = get(server, "/api/io-tables").json()
    assert after[0]["table_id"] == r.json()["table_id"] and after[0]["name"] == "same table again"
    assert len(after) == len(before) + 1
    assert get(server, "/api/analyses/value-chain", division="35").status_code == 200
    bad = {"file": ("broken.csv", "不是投入产出表\n1,2\n".encode("utf-8"), "text/csv")}
    r = httpx.post(server["base"] + "/api/io-tables", headers=login(server, "analyst"), files=bad, timeout=60)
    assert r.status_code == 422 and "broken.csv" in r.json()["detail"]
    log = get(server, "/api/audit", login(server, "admin"), limit=50).json()
    assert any(e["resource"] == "io_tables" and e["action"] == "write" for e in log)


def test_an_admin_adds_a_ruleset_and_the_calculator_uses_it(server):
    from tests.analyses.test_incentives import _cases, _policy

    body = {"supporting_firm": True, "project_fits_policy": True, "county_level": False,
            "registered_in_changsha": True, "three_industries": True, "entity": "firm",
            "new_project_investment": 2e7, "equipment_investment": 1.2e7}
    files = {"file": ("policy.yaml", _policy("api_test_2006").encode("utf-8"), "application/yaml"),
             "cases": ("cases.yaml", _cases().encode("utf-8"), "application/yaml")}
    assert httpx.post(server["base"] + "/api/rulesets", headers=login(server, "analyst"), files=files,
                      timeout=60).status_code == 403
    r = httpx.post(server["base"] + "/api/rulesets", headers=login(server, "admin"), files=files, timeout=60)
    assert r.status_code == 200, r.text
    listed = {x["name"]: x for x in get(server, "/api/rulesets").json()}
    assert listed["api_test_2006"]["source"] == "store" and listed["changsha_2005"]["source"] == "shipped"
    assert get(server, "/api/rulesets/api_test_2006").json()["rules"]
    ours = httpx.post(server["base"] + "/api/incentives/calculate", params={"year": 2006, "ruleset": "api_test_2006"},
                      json=body, timeout=60).json()
    theirs = httpx.post(server["base"] + "/api/incentives/calculate", params={"year": 2006}, json=body,
                        timeout=60).json()
    assert ours["total"] == theirs["total"] and ours["ruleset_sha256"] != theirs["ruleset_sha256"]
    # a policy whose own cases fail is refused with the failing checks
    bad = {"file": ("policy.yaml", _policy("api_bad", "0.06").encode("utf-8"), "application/yaml"),
           "cases": ("cases.yaml", _cases().encode("utf-8"), "application/yaml")}
    r = httpx.post(server["base"] + "/api/rulesets", headers=login(server, "admin"), files=bad, timeout=60)
    assert r.status_code == 422 and r.json()["failures"]
    assert get(server, "/api/rulesets/api_bad").status_code == 404
    assert httpx.post(server["base"] + "/api/incentives/calculate", params={"year": 2006, "ruleset": "nope"},
                      json=body, timeout=60).status_code == 404


def test_a_target_on_a_withheld_industry_shows_no_actual_figure_to_the_public(server):
    overview = get(server, "/api/analyses/overview").json()
    d = next(r["division"] for r in overview["by_industry"] if r["disclosure"])
    csv = ("目标编号,目标对象类型,目标对象,指标,目标类型,目标年份,截止月份,目标值,单位,参照对象,文件依据\n"
           f"TX{d},industry,{d},output,level,2006,12,1,亿元,,a test target on a small industry\n"
           "TG351,industry,351,output,level,2006,12,1,亿元,,a target on a group: a sum the release never checked\n")
    r = httpx.post(server["base"] + "/api/datasets", headers=login(server, "analyst"),
                   files={"files": ("targets_extra.csv", csv.encode("utf-8"), "text/csv")}, timeout=60)
    assert r.status_code == 200, r.text
    pub = {t["target_id"]: t for t in get(server, "/api/analyses/targets").json()}
    adm = {t["target_id"]: t for t in get(server, "/api/analyses/targets", login(server, "admin")).json()}
    assert adm[f"TX{d}"]["actual"] is not None
    assert pub[f"TX{d}"]["actual"] is None and pub[f"TX{d}"]["projection"] is None
    assert pub["T01"]["actual"] == pytest.approx(adm["T01"]["actual"])  # 35: many firms, published
    assert adm["TG351"]["actual"] is not None and pub["TG351"]["actual"] is None


def test_boundaries_upload_as_geojson_and_repair_only_on_request(server):
    import json

    bowtie = {"type": "Polygon", "coordinates": [[[112.2, 30.3], [112.3, 30.4], [112.3, 30.3],
                                                  [112.2, 30.4], [112.2, 30.3]]]}
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": bowtie, "properties": {
        "adcode": "421003100", "name": "测试街道", "level": "town", "parent": {"adcode": "421003"}}}]}
    files = {"files": ("towns.geojson", json.dumps(fc, ensure_ascii=False).encode("utf-8"), "application/geo+json")}
    h = login(server, "analyst")
    r = httpx.post(server["base"] + "/api/datasets", headers=h, files=files, timeout=60)
    assert r.status_code == 422
    issue = r.json()["issues"][0]
    assert (issue["rule"], issue["row"], issue["sheet"]) == ("bad_geojson", 1, "features")
    r = httpx.post(server["base"] + "/api/datasets", headers=h, files=files,
                   data={"repair_geometry": "true"}, timeout=60)
    assert r.status_code == 200 and any("repaired" in n for n in r.json()["notes"])
    town = next(x for x in get(server, "/api/regions").json() if x["region_id"] == "421003100")
    assert json.loads(town["boundary"])["type"] == "MultiPolygon"


def test_the_public_cannot_loosen_the_disclosure_rules(server):
    # min_firms=1 and dominance=1 would publish every cell of two firms
    r = get(server, "/api/analyses/output-table", min_firms=1, dominance=1.0)
    assert r.status_code == 403
    assert get(server, "/api/analyses/output-table", min_firms=5).status_code == 403
    # roles with firm rights may preview what other settings would publish
    h = login(server, "analyst")
    raw = get(server, "/api/analyses/output-table", h).json()
    assert not any(c["suppressed"] for c in raw["cells"])
    strict = get(server, "/api/analyses/output-table", h, preview=True, min_firms=5).json()
    default = get(server, "/api/analyses/output-table").json()
    # stricter rules make at least as many cells confidential (complementary choices may differ)
    n = lambda t: sum(c["suppressed"] == "primary" for c in t["cells"])  # noqa: E731
    assert n(strict) >= n(default) > 0


def test_table_shaped_analyses_come_as_csv_and_xlsx_with_the_same_withholding(server):
    import openpyxl
    import pandas as pd

    pub = get(server, "/api/analyses/location-quotients").json()
    csv = get(server, "/api/analyses/location-quotients", format="csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text), dtype={"industry": str})
    assert len(table) == len(pub)
    withheld = {r["industry"] for r in pub if r["suppressed"]}
    assert withheld and table.loc[table["industry"].isin(withheld), "lq"].isna().all()
    for path in ("/api/analyses/opportunities", "/api/analyses/targets", "/api/analyses/output-table"):
        x = get(server, path, format="xlsx")
        assert x.status_code == 200, path
        sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
        assert sheet.max_row > 1, path


def test_the_eligibility_scan_is_scoped_to_what_each_role_may_see(server):
    pub = get(server, "/api/incentives/eligibility", year=2005)
    assert pub.status_code == 401 or pub.status_code == 403
    r = get(server, "/api/incentives/eligibility", login(server, "admin"), year=2005)
    assert r.status_code == 200, r.text
    admin = r.json()
    firm = get(server, "/api/incentives/eligibility", login(server, "sijichang"), year=2005).json()
    outsider = get(server, "/api/incentives/eligibility", login(server, "outsider"), year=2005).json()
    assert {r["outcome"] for r in admin} >= {"eligible", "not eligible", "undecidable"}
    assert firm and {r["entity_id"] for r in firm} == {server["firm_id"]}  # its own list, every rule
    assert outsider == []
    csv = get(server, "/api/incentives/eligibility", login(server, "sijichang"), year=2005, format="csv")
    assert csv.status_code == 200 and server["firm_id"] in csv.text


def test_the_guides_are_served_and_shown_on_the_policy_page(server):
    zh = get(server, "/api/rulesets/changsha_2005/guide", lang="zh", rule="c14_famous_brand").json()
    assert zh[0]["title"] == "中国驰名商标、中国名牌产品奖励"
    assert any(s["heading"] == "一次性奖励" for s in zh[0]["sections"])
    en = get(server, "/api/rulesets/rd_super_deduction/guide", lang="en", year=2023).json()
    assert {g["rule_id"] for g in en} == {"rd_expensed_super_deduction", "rd_intangible_super_amortisation"}
    assert get(server, "/api/rulesets/changsha_2005/guide", rule="c99").status_code == 404
    assert get(server, "/api/rulesets/nope/guide").status_code == 404
    page = httpx.get(server["base"] + "/incentives", timeout=60, cookies={"ca_lang": "zh"}).text
    assert 'id="guide-c13_local_purchasing"' in page and "申兑指南" in page


def test_a_firm_claims_its_award_and_only_the_office_decides(own_server):
    """申报 by the firm itself, 审核 and 兑现 by the region's analyst; another region's analyst and
    the firm cannot decide; a refused step is a 409 saying why."""
    run_id = _record_sample_run(own_server)
    firm = login(own_server, "sijichang")
    lines = get(own_server, f"/api/incentives/runs/{run_id}/lines", firm).json()
    mine = next(r for r in lines if r["status"] == "award")
    form = {"run_id": run_id, "entity_id": mine["entity_id"], "rule_id": mine["rule_id"],
            "year": mine["year"], "payer": mine["payer"]}
    base = own_server["base"] + "/api/incentives/claims"
    other = next(r for r in get(own_server, f"/api/incentives/runs/{run_id}/lines", login(own_server, "admin")).json()
                 if r["entity_id"] != own_server["firm_id"] and r["status"] == "award")
    assert httpx.post(base, headers=firm, data={**form, "entity_id": other["entity_id"], "rule_id": other["rule_id"],
                                                "year": other["year"], "payer": other["payer"]}).status_code == 403
    r = httpx.post(base, headers=firm, data=form)
    assert r.status_code == 201, r.text
    cid = r.json()["claim_id"]
    assert httpx.post(base, headers=firm, data=form).status_code == 409  # already claimed
    step = base + f"/{cid}/events"
    assert httpx.post(step, headers=firm, data={"event": "approved"}).status_code == 403
    assert httpx.post(step, headers=login(own_server, "outsider"), data={"event": "approved"}).status_code == 403
    analyst = login(own_server, "analyst")
    assert httpx.post(step, headers=analyst, data={"event": "paid"}).status_code == 409  # not approved yet
    assert httpx.post(step, headers=analyst, data={"event": "approved"}).status_code == 201
    assert httpx.post(step, headers=analyst, data={"event": "paid", "voucher": "记-001"}).status_code == 201
    seen = get(own_server, "/api/incentives/claims", firm).json()
    assert [c["state"] for c in seen] == ["paid"] and seen[0]["voucher"] == "记-001"
    assert get(own_server, "/api/incentives/claims", login(own_server, "outsider")).json() == []


def test_the_eligibility_scan_follows_the_stored_rulesets_and_the_ledger(own_server):
    """The scan is kept per data version and per ledger and ruleset state: a ruleset added
    without any import is scanned on the next call."""
    from tests.analyses.test_incentives import _cases, _policy

    admin = login(own_server, "admin")
    before = {r["ruleset"] for r in get(own_server, "/api/incentives/eligibility", admin, year=2005).json()}
    files = {"file": ("policy.yaml", _policy("scan_test_2006").encode("utf-8"), "application/yaml"),
             "cases": ("cases.yaml", _cases().encode("utf-8"), "application/yaml")}
    assert httpx.post(own_server["base"] + "/api/rulesets", headers=admin, files=files, timeout=60).status_code == 200
    after = {r["ruleset"] for r in get(own_server, "/api/incentives/eligibility", admin, year=2005).json()}
    assert "scan_test_2006" not in before and after == before | {"scan_test_2006"}


def test_the_portfolio_against_peers_for_the_region_and_said_plainly_to_others(server):
    """GET /api/analyses/portfolio: the analyst gets the peers, the portfolio and the quadrants;
    the public gets why not (sums of firms, cell by cell); a peer that is no comparison region,
    or more than 10, is refused."""
    analyst = login(server, "analyst")
    base = server["base"] + "/api/analyses/portfolio"
    r = httpx.get(base, headers=analyst, timeout=300)
    assert r.status_code == 200, r.text
    got = r.json()
    assert sum(p["peer"] for p in got["peers"]) == 3 and got["start"] == 2005 and got["end"] == 2006
    assert {q["quadrant"] for q in got["quadrants"]} <= {"strength", "weakness", "opportunity", "threat"}
    assert 0 <= got["cluster_strength_pct"] <= 100
    chosen = httpx.get(base, params={"peers": ["421002", "421022"]}, headers=analyst, timeout=300).json()
    assert set(chosen["comparison"]) == {"421003", "421002", "421022"}
    public = httpx.get(base, timeout=300)
    assert public.status_code == 404 and "firm rights" in public.json()["detail"]
    assert httpx.get(base, params={"peers": ["999999"]}, headers=analyst, timeout=300).status_code == 422
    assert httpx.get(base, params={"k": 11}, headers=analyst, timeout=300).status_code == 422
    assert httpx.get(base, params={"start": 2006}, headers=analyst, timeout=300).status_code == 422  # no range left


def test_a_park_against_its_peer_parks_for_the_office_only(server):
    """GET /api/analyses/park-peers: the largest park (九阳, P01) by default against its 3 nearest
    parks, or the ones picked; a park manager, a firm and the public are told why not (other
    parks' sums); an unknown park or peer is refused."""
    analyst, url = login(server, "analyst"), server["base"] + "/api/analyses/park-peers"
    got = httpx.get(url, headers=analyst, timeout=300).json()
    assert got["park"] == "P01" and sum(p["peer"] for p in got["peers"]) == 3
    bench = {b["indicator"]: b for b in got["benchmark"]}
    assert bench["output"]["rank"] == 1 and bench["output"]["ranked"] == 4
    picked = httpx.get(url, params={"park_id": "P02", "peers": ["Z01", "Z02"]}, headers=analyst, timeout=300).json()
    assert picked["park"] == "P02" and {f["park_id"] for f in picked["figures"]} == {"P02", "Z01", "Z02"}
    # the ticks of the park chosen before may include the park now chosen: it is not its own peer
    itself = httpx.get(url, params={"park_id": "P02", "peers": ["P02", "Z01"]}, headers=analyst, timeout=300).json()
    assert {f["park_id"] for f in itself["figures"]} == {"P02", "Z01"}
    for who in ("parkmgr", "sijichang"):
        r = httpx.get(url, headers=login(server, who), timeout=300)
        assert r.status_code == 404 and "firm rights" in r.json()["detail"], who
    assert httpx.get(url, timeout=300).status_code == 404
    assert httpx.get(url, params={"park_id": "P99"}, headers=analyst, timeout=300).status_code == 422
    assert httpx.get(url, params={"peers": ["P99"]}, headers=analyst, timeout=300).status_code == 422


def test_the_region_office_records_its_traded_local_classification_and_others_cannot(server):
    """POST /api/analyses/industry-classes saves the classification computed now; POST
    …/industry-classes/35 overrides an industry with a reason. The portfolio then reads the class
    in force and says where it comes from; the override can be withdrawn. Another region's
    analyst, a park manager, a firm and the public cannot record it; a bad industry or an empty
    reason is refused; each write is audited."""
    analyst, base = login(server, "analyst"), server["base"]
    url = base + "/api/analyses/industry-classes"
    for who in ("outsider", "parkmgr", "sijichang"):
        assert httpx.post(url, headers=login(server, who), timeout=300).status_code == 403, who
    assert httpx.post(url, timeout=300).status_code in (401, 403)  # the public
    r = httpx.post(url, headers=analyst, timeout=300)
    assert r.status_code == 200 and r.json()["saved"] > 0
    assert httpx.post(url + "/35", data={"to": "local", "reason": ""}, headers=analyst, timeout=300).status_code == 422
    assert httpx.post(url + "/99", data={"to": "local", "reason": "x"}, headers=analyst, timeout=300).status_code == 422
    assert httpx.post(url + "/35", data={"to": "exported", "reason": "x"}, headers=analyst, timeout=300).status_code == 422
    r = httpx.post(url + "/35", data={"to": "local", "reason": "只为四机厂配套"}, headers=analyst, timeout=300)
    assert r.status_code == 200, r.text
    classes = {c["industry"]: c for c in httpx.get(base + "/api/analyses/portfolio", headers=analyst,
                                                   timeout=300).json()["classes"]}
    assert classes["35"]["traded"] is False and classes["35"]["computed_traded"] is True
    assert classes["35"]["source"] == "override" and classes["35"]["reason"] == "只为四机厂配套"
    assert {c["source"] for i, c in classes.items() if i != "35"} == {"saved"}
    assert httpx.post(url + "/35", data={"to": "computed", "reason": "撤回"}, headers=analyst, timeout=300).status_code == 200
    classes = {c["industry"]: c for c in httpx.get(base + "/api/analyses/portfolio", headers=analyst,
                                                   timeout=300).json()["classes"]}
    assert classes["35"]["traded"] is True and classes["35"]["source"] == "saved"
    log = httpx.get(base + "/api/audit", headers=login(server, "admin"), timeout=300)
    assert log.status_code == 200 and log.text.count("industry_classes") >= 3


def test_spin_offs_for_the_region_and_said_plainly_to_others(server):
    analyst = login(server, "analyst")
    r = httpx.get(server["base"] + "/api/analyses/spinoffs", headers=analyst, timeout=300)
    assert r.status_code == 200
    links = {(x["parent"], x["child"]) for x in r.json()["links"]}
    assert ("四机厂", "湖北四钻") in links
    public = httpx.get(server["base"] + "/api/analyses/spinoffs", timeout=300)
    assert public.status_code == 404 and "firm rights" in public.json()["detail"]


def test_every_comparison_view_takes_a_peer_group(server):
    """?peers= makes the comparison set the region and its peers: the LQ is against their sum."""
    analyst = login(server, "analyst")
    base = server["base"] + "/api/analyses/location-quotients"
    allof = {r["industry"]: r["lq"] for r in httpx.get(base, headers=analyst, timeout=300).json()}
    two = httpx.get(base, params={"peers": ["421002", "421022"]}, headers=analyst, timeout=300)
    assert two.status_code == 200
    lq = {r["industry"]: r["lq"] for r in two.json()}
    assert lq["35"] != pytest.approx(allof["35"])
    from tests.conftest import open_store
    from clusteratlas.study import Settings, diagnose, open_study

    with open_store(server["db"]) as s:
        d = diagnose(open_study(s, peers=("421002", "421022")), Settings(n_sim=19))
        assert d.study.comparison == ("421002", "421003", "421022")
        mine = d.location_quotients().set_index("industry").lq
    assert lq["35"] == pytest.approx(mine["35"])
    assert httpx.get(base, params={"peers": ["999999"]}, headers=analyst, timeout=300).status_code == 404
    assert httpx.get(base, params={"peers": [f"4210{k:02d}" for k in range(11)]},
                     headers=analyst, timeout=300).status_code == 422
