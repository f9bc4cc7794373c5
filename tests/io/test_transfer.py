"""Moving a whole store: `clusteratlas db copy` from a DuckDB file into PostgreSQL and back gives
every table identical (values and types), sequences continuing, kept files along; a PostgreSQL
store's backup (pg_dump) restores to the same tables. On a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import subprocess

import pandas as pd
import pytest

from clusteratlas.io import Store
from tests.api.conftest import PASSWORD, add_service_users
from tests.conftest import StoreCopies, import_sample, open_store
from tests.test_cli import EXE


def _tables(location, files=None) -> dict[str, pd.DataFrame]:
    """Every table of the store, rows in a fixed order."""
    with Store(location, read_only=True, files_dir=files) as s:
        out = {}
        for t in s.table_names():
            frame = s.sql(f"SELECT * FROM {t}")
            out[t] = frame.sort_values(list(frame.columns), ignore_index=True, na_position="first") \
                if len(frame) else frame
        return out


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for t in a:
        if t == "schema_migrations":  # when each was applied differs; which were applied does not
            assert a[t]["version"].tolist() == b[t]["version"].tolist()
            continue
        pd.testing.assert_frame_equal(a[t], b[t], check_dtype=True, obj=t)


def _cli(*args, env=None):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A DuckDB store with a row in every table: the sample and a revised file (history rows),
    users, a token, a failed login and audit lines, an input-output table, a stored ruleset, a
    recorded incentive run, a claim and a grade override."""
    from clusteratlas.analyses.incentives import Ruleset, run
    from importlib import resources
    from clusteratlas.io import accounts, import_files
    from clusteratlas.sample import INCENTIVE_INPUTS, data_dir
    from clusteratlas.study.claims import claim_award
    from clusteratlas.study.records import add_ruleset, record_override, record_run
    from tests.conftest import write_csv

    folder = tmp_path_factory.mktemp("region")
    db = folder / "region.duckdb"
    with Store(db) as s:
        import_sample(s)
        firm = add_service_users(s)
        revised = pd.read_csv(data_dir() / "targets.csv", dtype=str).head(2).assign(目标值="99")
        import_files(s, [write_csv(folder / "修订目标.csv", [list(revised.columns), *revised.fillna("").values.tolist()])])
        accounts.login(s, "analyst", PASSWORD)
        accounts.record_login_failure(s, ["user:analyst"], 1.5e9, 0.0)
        shipped = resources.files("clusteratlas.analyses.incentives").joinpath("rulesets")
        add_ruleset(s, shipped.joinpath("rd_super_deduction.yaml").read_text(encoding="utf-8")
                    .replace("id: rd_super_deduction", "id: city_rd_deduction"),
                    shipped.joinpath("rd_super_deduction.cases.yaml").read_text(encoding="utf-8"), author="政策处")
        record_override(s, "zhejiang_above_scale", firm, 2005, 12, "A", "复核后调整", "李处长")
        from clusteratlas.study.classes import override_class

        override_class(s, "421003", "35", False, "只为四机厂配套", "李处长")
        from clusteratlas.study.chains import add_chain_template, assign_role, open_task, update_task
        from tests.study.test_chains import OWN

        add_chain_template(s, OWN, "规划科")
        task = open_task(s, "petroleum_machinery", "421003", "引进管材企业", "招商局", "王科长", due_date="2006-09-30",
                         link_id="steel_tubulars", firm_id=firm)
        update_task(s, task, "王科长", status="in_progress", note="已接洽")
        assign_role(s, "petroleum_machinery", "421003", "leader_firm", firm, "区委办")
        import datetime as dt

        from clusteratlas.study import Settings, diagnose, open_study
        from clusteratlas.study.alerts import alerts, mark_alert, run_alerts

        run_alerts(s, diagnose(open_study(s), Settings(n_sim=0)), "系统", as_of=dt.date(2006, 6, 30))
        mark_alert(s, int(alerts(s)["alert_id"].iloc[0]), "handled", "王科长", "已核实")
        from clusteratlas.policy.access import User
        from clusteratlas.study.desk import answer_request, file_request

        filed = file_request(s, User("sijichang", "firm", firm_id=firm), "complaint", "道路封闭", "请协调")
        answer_request(s, User("analyst", "analyst", region_id="421003"), filed["request_id"], "已协调")
        rs = Ruleset.load("changsha_2005")
        result = run(rs, pd.read_csv(data_dir() / INCENTIVE_INPUTS), 2006)
        run_id = record_run(s, result, rs, label="sample")
        line = s.sql("SELECT * FROM award_lines WHERE status = 'award' AND amount > 0 LIMIT 1").iloc[0]
        claim_award(s, run_id, line["entity_id"], line["rule_id"], int(line["year"]), line["payer"], "王科长")
        empty = [t for t in s.table_names() if not s.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]]
    assert all(t.endswith("_history") for t in empty) and "targets_history" not in empty, empty
    return db


def test_copy_into_postgres_and_back_gives_identical_tables(region, pg_cluster, tmp_path):
    url = pg_cluster.create("copied")
    pg_files = tmp_path / "pg.files"
    r = _cli("db", "copy", region, url, env={"CLUSTERATLAS_FILES": str(pg_files)})
    assert r.returncode == 0, r.stderr
    assert "rows in" in r.stdout and "***" not in r.stdout
    _same(_tables(region), _tables(url, pg_files))
    back = tmp_path / "back.duckdb"
    r = _cli("db", "copy", url, back, env={"CLUSTERATLAS_FILES": str(pg_files)})
    assert r.returncode == 0, r.stderr
    _same(_tables(region), _tables(back))
    for where, files in ((url, pg_files), (back, None)):
        with Store(where, files_dir=files) as s:
            assert s.check() == []  # the kept files came along and hash as recorded
            from clusteratlas.study.records import add_user

            before = s.sql("SELECT max(user_id) AS m FROM users")["m"].iloc[0]
            add_user(s, "newcomer", PASSWORD, "analyst", region_id="421003")
            assert s.sql("SELECT user_id FROM users WHERE username = 'newcomer'")["user_id"].iloc[0] == before + 1
    # a store that holds data is never copied over
    again = _cli("db", "copy", region, url, env={"CLUSTERATLAS_FILES": str(pg_files)})
    assert again.returncode == 2 and "already holds data" in again.stderr


def test_postgres_backup_restores_to_identical_tables(pg_cluster, tmp_path):
    copies = StoreCopies("postgresql", pg_cluster)
    url, files = copies.new(tmp_path, "city")
    with open_store((url, files)) as s:
        import_sample(s)
    env = {"CLUSTERATLAS_FILES": str(files)}
    dump = tmp_path / "city.dump"
    r = _cli("db", "backup", "--db", url, "--out", dump, env=env)
    assert r.returncode == 0, r.stderr
    assert dump.read_bytes()[:5] == b"PGDMP" and (tmp_path / "city.dump.files").is_dir()
    again = _cli("db", "backup", "--db", url, "--out", dump, env=env)
    assert again.returncode == 2 and "exists" in again.stderr
    target, target_files = copies.new(tmp_path, "restored")
    r = _cli("db", "restore", dump, "--db", target, env={"CLUSTERATLAS_FILES": str(target_files)})
    assert r.returncode == 0, r.stderr
    _same(_tables(url, files), _tables(target, target_files))
    with Store(target, files_dir=target_files) as s:
        assert s.check() == []
    # a store is replaced only on purpose; a DuckDB backup does not go into PostgreSQL
    held = _cli("db", "restore", dump, "--db", target, env={"CLUSTERATLAS_FILES": str(target_files)})
    assert held.returncode == 2 and "--force" in held.stderr
    forced = _cli("db", "restore", dump, "--db", target, "--force", env={"CLUSTERATLAS_FILES": str(target_files)})
    assert forced.returncode == 0, forced.stderr
    _same(_tables(url, files), _tables(target, target_files))
    duck = tmp_path / "one.duckdb"
    Store(duck).close()
    wrong = _cli("db", "restore", duck, "--db", target, "--force")
    assert wrong.returncode == 2 and "db copy" in wrong.stderr


def test_an_unreachable_postgres_store_is_said_plainly(pg_cluster):
    bad = pg_cluster.url("no_such_database").replace("ca@", "ca:secret@")
    for command in (["datasets", "--db", bad], ["serve", "--db", bad, "--workers", "2", "--port", "1"]):
        r = _cli(*command)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "no_such_database" in r.stderr and "secret" not in r.stderr and "createdb" in r.stderr
