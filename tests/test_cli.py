"""The command line: the installed console script in a subprocess where what is tested is the
program as a user starts it (the demo, an import, exit codes), and in this process through
typer's runner for the commands on a store (the same code, without a second start of Python)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from clusteratlas.io import Store
from tests.conftest import FIRMS, PARKS, REGIONS, write_csv

EXE = shutil.which("clusteratlas", path=str(Path(sys.executable).parent)) or "clusteratlas"


def run(*args, cwd=None):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}, timeout=300)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(*args, env: dict | None = None) -> Ran:
    """A command run in this process (typer's runner), answering like ``run``; ``env``: more
    environment (e.g. CLUSTERATLAS_FILES for a PostgreSQL store)."""
    from typer.testing import CliRunner

    from clusteratlas.cli import app

    r = CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return Ran(r.exit_code, r.stdout, r.stderr)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``clusteratlas demo`` run once for the session, as a user runs it; tests read its store."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    res = run("demo", "--out", out)
    assert res.returncode == 0, res.stderr
    return res, out


@pytest.fixture
def demo_db(demo_run, tmp_path):
    """A copy of the demo's store for a test that may write to it."""
    _, out = demo_run
    db = tmp_path / "demo" / "sample.duckdb"
    shutil.copytree(out, db.parent)
    return db


def test_import_then_a_rejected_file_exit_codes_and_messages(tmp_path):
    db = tmp_path / "s.duckdb"
    files = [write_csv(tmp_path / "regions.csv", REGIONS), write_csv(tmp_path / "parks.csv", PARKS),
             write_csv(tmp_path / "firms.csv", FIRMS)]
    ok = run("import", *files, "--db", db)
    assert ok.returncode == 0, ok.stderr
    assert "firms 3" in ok.stdout
    bad = write_csv(tmp_path / "fy.csv", [["企业代码", "年份", "工业总产值(万元)"], ["F1", "2005", "-3"],
                                          ["F2", "2005", "abc"]])
    errors = tmp_path / "errors.csv"
    res = run("import", bad, "--db", db, "--errors-out", errors)  # piped: one line a problem
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines[0] == "导入被拒绝：共 2 个问题，库中数据未作任何改动。"
    assert lines[1] == "fy.csv 第 2 行，工业总产值(万元) [C] 列 值“-3”：不能为负数（negative_value）"
    assert lines[2].startswith("fy.csv 第 3 行，工业总产值(万元) [C] 列 值“abc”：") and "not_a_number" in lines[2]
    assert errors.read_text(encoding="utf-8-sig").count("\n") == 3
    en = run("import", bad, "--db", db, "--lang", "en")
    assert "nothing was changed" in en.stderr and "fy.csv row 2, column 工业总产值(万元) [C]" in en.stderr
    with Store(db, read_only=True) as s:
        assert s.row_counts()["firm_years"] == 0


def test_demo_writes_the_report_and_says_where(demo_run, tmp_path):
    res, out = demo_run
    assert "report:" in res.stdout and (out / "report.html").exists()
    assert "规上工业总产值 23.40亿元（同比 +31.0%）" in res.stdout
    rep = cli("report", "--db", out / "sample.duckdb", "--out", tmp_path / "r", "--period", "2005",
              "--n-sim", "99")
    assert rep.returncode == 0, rep.stderr
    assert "2005年" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


def test_industries_and_bad_options():
    res = run("industries", "35")
    assert res.returncode == 0 and "专用设备制造业" in res.stdout
    bad = cli("report", "--period", "soon")
    assert bad.returncode == 2 and "not a period" in bad.stderr
    missing = cli("report", "--db", "nowhere.duckdb")
    assert missing.returncode == 2 and "no store at nowhere.duckdb" in missing.stderr


def test_measure_on_a_file_and_on_the_store(demo_run, tmp_path):
    data = write_csv(tmp_path / "emp.csv", [["region", "industry", "jobs"], ["a", "x", "30"],
                                            ["a", "y", "70"], ["b", "x", "10"], ["b", "y", "90"]])
    out = tmp_path / "lq.csv"
    res = cli("measure", "location_quotient", "--input", data, "--value", "jobs", "--out", out)
    assert res.returncode == 0, res.stderr
    import pandas as pd

    lq = pd.read_csv(out).set_index(["region", "industry"])
    assert lq.loc[("a", "x"), "lq"] == pytest.approx(1.5)
    bad = cli("measure", "location_quotient", "--input", data, "--value", "emp")
    assert bad.returncode == 2 and "column 'emp' (the value)" in bad.stderr
    demo = demo_run[1]
    eg = tmp_path / "eg.xlsx"
    res = cli("measure", "ellison_glaeser", "--db", demo / "sample.duckdb", "--n-sim", "99",
              "--seed", "1", "--out", eg)
    assert res.returncode == 0, res.stderr
    assert {"gamma", "gamma_p", "z"} <= set(pd.read_excel(eg).columns)


def test_recommend_from_the_store(demo_run, tmp_path):
    demo = demo_run[1]
    out = tmp_path / "opp.csv"
    res = cli("recommend", "421003", "--db", demo / "sample.duckdb", "--strategy", "long_jumps",
              "--out", out)
    assert res.returncode == 0, res.stderr
    import pandas as pd

    t = pd.read_csv(out)
    assert list(t["rank"][:3]) == [1, 2, 3] and t["reason"].str.len().min() > 20
    bad = cli("recommend", "999999", "--db", demo / "sample.duckdb")
    assert bad.returncode == 2 and "999999" in bad.stderr


def test_chain_commands_on_the_sample(demo_run, tmp_path):
    db = demo_run[1] / "sample.duckdb"
    rates = cli("chain", "rates", "--db", db)
    assert rates.returncode == 0 and "四机厂" in rates.stdout
    gaps = cli("chain", "gaps", "--db", db, "--focal", "35", "--out", tmp_path / "gaps.csv")
    assert gaps.returncode == 0, gaps.stderr
    impact = cli("chain", "impact", "--db", db, "--focal", "3512", "--output", "1e8", "--jobs", "80")
    assert impact.returncode == 0 and "induced" in impact.stdout
    assert cli("chain", "impact", "--db", db, "--focal", "98", "--output", "1e8").returncode == 2


def test_kdensity_on_a_firm_file_and_on_the_store(demo_run, tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (400, 2))
    xy[:40] = rng.normal(25, 1.0, (40, 2))  # industry "c" in one clump
    firms = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "industry": ["c"] * 40 + ["o"] * 360})
    firms.to_csv(tmp_path / "firms.csv", index=False)
    out = tmp_path / "kd.csv"
    res = cli("kdensity", "--input", tmp_path / "firms.csv", "--x", "x", "--y", "y", "--of", "c",
              "--n-sim", "39", "--out", out)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    assert list(table["industry"]) == ["c"] and bool(table.loc[0, "localised"])
    bad = cli("kdensity", "--input", tmp_path / "firms.csv", "--x", "lon_typo", "--y", "y")
    assert bad.returncode == 2 and "lon_typo" in bad.stderr
    res = cli("kdensity", "--db", demo_run[1] / "sample.duckdb", "--n-sim", "39", "--out", tmp_path / "d.csv")
    assert res.returncode == 0, res.stderr
    assert len(pd.read_csv(tmp_path / "d.csv")) == 5


def test_lq_map_io_tables_and_rulesets_on_the_demo_store(demo_db, tmp_path):
    import json

    from tests.analyses.test_incentives import _cases, _policy

    db = demo_db
    # the LQ map as GeoJSON for GIS software: the eight counties, the study region marked
    res = cli("lq-map", "--db", db, "--industry", "22", "--out", tmp_path / "lq.geojson")
    assert res.returncode == 0, res.stderr
    fc = json.loads((tmp_path / "lq.geojson").read_text(encoding="utf-8"))
    props = {f["properties"]["region_id"]: f["properties"] for f in fc["features"]}
    assert len(props) == 8 and props["421003"]["focus"] and props["421003"]["lq"] > 1
    assert "schematic" in props["421022"]["boundary_source"]
    bad = cli("lq-map", "--db", db, "--industry", "07", "--out", tmp_path / "x.csv")
    assert bad.returncode == 2 and "no output" in bad.stderr
    # the demo keeps the sample's input-output table in the store
    tables = cli("io-table", "list", "--db", db)
    assert tables.returncode == 0 and "sample national table" in tables.stdout
    # a policy office's ruleset: refused while its cases fail, added when they pass
    (tmp_path / "p.yaml").write_text(_policy("jingzhou_2006", "0.06"), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(_cases(), encoding="utf-8")
    refused = cli("incentives", "add", tmp_path / "p.yaml", "--cases", tmp_path / "c.yaml", "--db", db)
    assert refused.returncode == 2 and "c12_equipment_subsidy" in refused.stderr
    (tmp_path / "p.yaml").write_text(_policy("jingzhou_2006"), encoding="utf-8")
    added = cli("incentives", "add", tmp_path / "p.yaml", "--cases", tmp_path / "c.yaml", "--db", db)
    assert added.returncode == 0, added.stderr
    assert "jingzhou_2006" in cli("incentives", "list", "--db", db).stdout


def test_explain_rule_prints_the_guide_in_either_language():
    zh = cli("incentives", "explain", "--rule", "c13_supporting_output")
    assert zh.returncode == 0 and "一次性奖励：是：达到更高档次时补足差额" in zh.stdout
    en = cli("incentives", "explain", "--rule", "all", "--lang", "en", "--ruleset", "rd_super_deduction", "--year", "2023")
    assert en.returncode == 0 and en.stdout.count("Who qualifies") == 2
    bad = cli("incentives", "explain", "--rule", "c99")
    assert bad.returncode == 2 and "no rule 'c99'" in bad.stderr


def test_incentives_run_applies_the_rulesets_budget(tmp_path):
    """第16条's fund is CNY 10 million a year: three guarantors asking 6 + 3 + 3 million are paid
    10 million between them, pro rata, by the command as by every face."""
    f = tmp_path / "guarantors.csv"
    f.write_text("entity_id,entity,sme_guarantee_amount,years_since_registration,business_tax_due\n"
                 "G0,guarantor,600000000,9,0\nG1,guarantor,300000000,9,0\nG2,guarantor,300000000,9,0\n",
                 encoding="utf-8")
    out = tmp_path / "lines.csv"
    r = cli("incentives", "run", "--year", "2006", "--entities", f, "--out", out)
    assert r.returncode == 0, r.stderr
    import pandas as pd

    lines = pd.read_csv(out)
    assert lines["amount"].sum() == pytest.approx(1e7) and lines["entitled"].sum() == pytest.approx(1.2e7)
    assert "10,000,000" in r.stdout


def test_the_chain_office_works_from_the_command_line(demo_db, tmp_path):
    """链长制 from the terminal: the ledger, a task opened and moved on with its history, the 链长
    named, a refused change said plainly, and the papers written."""
    ledger = cli("chain", "ledger", "petroleum_machinery", "--db", demo_db)
    assert ledger.returncode == 0, ledger.stderr
    assert "石油专用管材" in ledger.stdout and "补链" in ledger.stdout and "招商首选 石油专用管材：宝鸡石油钢管有限责任公司" in ledger.stdout
    opened = cli("chain", "tasks", "add", "petroleum_machinery", "--title", "引进石油专用管材企业", "--owner", "区招商局",
                 "--by", "王科长", "--region", "421003", "--due", "2006-09-30", "--link", "steel_tubulars", "--db", demo_db)
    assert opened.returncode == 0 and "task 1 opened" in opened.stdout, opened.stderr
    moved = cli("chain", "tasks", "update", "1", "--by", "王科长", "--status", "in_progress", "--note", "已接洽",
                "--db", demo_db)
    assert moved.returncode == 0, moved.stderr
    bad = cli("chain", "tasks", "add", "petroleum_machinery", "--title", "x", "--owner", "y", "--by", "z",
              "--region", "421003", "--link", "nope", "--db", demo_db)
    assert bad.returncode == 2 and "has no link 'nope'" in bad.stderr and "Traceback" not in bad.stderr
    listed = cli("chain", "tasks", "list", "--db", demo_db)
    assert "办理中" in listed.stdout and "超期" in listed.stdout  # due in 2006: overdue today
    history = cli("chain", "tasks", "history", "1", "--db", demo_db)
    assert history.stdout.count("王科长") == 2 and "已接洽" in history.stdout
    chief = cli("chain", "roles", "assign", "petroleum_machinery", "chief", "张三", "--title", "副区长", "--by", "区委办",
                "--region", "421003", "--db", demo_db)
    assert chief.returncode == 0, chief.stderr
    assert "链长: 张三（副区长）" in cli("chain", "roles", "list", "--db", demo_db).stdout
    papers = cli("chain", "export", "petroleum_machinery", "--out", tmp_path / "papers", "--db", demo_db)
    assert papers.returncode == 0, papers.stderr
    assert sorted(p.suffix for p in (tmp_path / "papers").iterdir()) == [".html", ".xlsx"]
    assert "petroleum_machinery" in cli("chain", "templates").stdout
    # the input-output views keep their names and options
    assert cli("chain", "rates", "--db", demo_db).returncode == 0


def test_early_warnings_from_the_command_line(demo_db):
    run_ = cli("alerts", "run", "--by", "系统", "--as-of", "2006-06-30", "--db", demo_db)
    assert run_.returncode == 0 and re.search(r"run 1: \d+ warnings, \d+ new", run_.stdout), run_.stderr
    again = cli("alerts", "run", "--by", "系统", "--as-of", "2006-06-30", "--db", demo_db)
    assert re.search(r"run 2: (\d+) warnings, 0 new", again.stdout)
    bad = cli("alerts", "run", "--by", "系统", "--param", "nope=1", "--db", demo_db)
    assert bad.returncode == 2 and "has no parameter 'nope'" in bad.stderr
    refused = cli("alerts", "mark", "1", "handled", "--by", "王科长", "--db", demo_db)
    assert refused.returncode == 2 and "a note is required" in refused.stderr
    assert cli("alerts", "mark", "1", "handled", "--by", "王科长", "--note", "已核实", "--db", demo_db).returncode == 0
    listed = cli("alerts", "list", "--state", "handled", "--db", demo_db)
    assert "已处置" in listed.stdout and listed.stdout.count("│ 1 │") == 1


def test_traded_and_local_recorded_from_the_command_line(demo_db):
    """classes save records the classification computed now; classes set overrides one
    industry with a reason (and computed withdraws it); classes list shows both, and where the
    class in force comes from."""
    listed = cli("classes", "list", "--db", demo_db)
    assert listed.returncode == 0 and "本次计算" in listed.stdout and "8 个地区" in listed.stdout, listed.stderr
    assert cli("classes", "save", "--by", "王科长", "--db", demo_db).stdout.strip() == "421003: 18 industries saved"
    no_reason = cli("classes", "set", "35", "local", "--by", "李处长", "--reason", " ", "--db", demo_db)
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    unknown = cli("classes", "set", "99", "local", "--by", "李处长", "--reason", "x", "--db", demo_db)
    assert unknown.returncode == 2 and "not one of the region's industries" in unknown.stderr
    assert cli("classes", "set", "35", "local", "--by", "李处长", "--reason", "只配套四机厂", "--db", demo_db).returncode == 0
    row = next(line for line in cli("classes", "list", "--db", demo_db).stdout.splitlines() if "35 专用设备" in line)
    assert row.count("外向型") == 1 and "本地型" in row and "李处长调整：只配套四机厂" in row
    assert cli("classes", "set", "35", "computed", "--by", "李处长", "--reason", "撤回", "--db", demo_db).returncode == 0
    row = next(line for line in cli("classes", "list", "--db", demo_db).stdout.splitlines() if "35 专用设备" in line)
    assert row.count("外向型") == 2 and "王科长于" in row


def test_the_desk_from_the_command_line(demo_db):
    """The office's list of the firms' requests (filed through the service), and its report."""
    from clusteratlas.io import Store
    from clusteratlas.policy.access import User
    from clusteratlas.study.desk import file_request

    with Store(demo_db) as s:
        firm = s.table("firms").iloc[0]["firm_id"]
        file_request(s, User("f", "firm", firm_id=firm), "land", "扩建用地", "申请扩建用地50亩",
                     now=__import__("datetime").datetime(2006, 1, 1))
    listed = cli("desk", "list", "--db", demo_db)
    assert listed.returncode == 0 and "扩建用地" in listed.stdout and "超期" in listed.stdout
    report = cli("desk", "list", "--report", "--db", demo_db)
    assert "自然资源和规划局" in report.stdout


def test_the_report_against_a_peer_group(demo_run, tmp_path):
    sample_db = demo_run[1] / "sample.duckdb"
    res = cli("report", "--db", sample_db, "--out", tmp_path / "p", "--n-sim", "19", "--peers", "421002,421022")
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "p" / "report.html").read_text(encoding="utf-8")
    assert "沙市区、荆州区、公安县" in html  # the comparison set: the region and its two peers
    bad = cli("report", "--db", sample_db, "--out", tmp_path / "q", "--peers", "999999")
    assert bad.returncode == 2 and "999999" in bad.stderr
