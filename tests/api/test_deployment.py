"""A city's deployment: `clusteratlas serve --workers 2` on a PostgreSQL store, as its own
process, with clients uploading and reading at once and the command line writing beside it.
Runs on a throwaway PostgreSQL cluster (skips where PostgreSQL is not installed; CI has it)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from clusteratlas.policy.throttle import MAX_FAILURES
from tests.api.conftest import PASSWORD, add_service_users, login
from tests.conftest import StoreCopies, import_sample, open_store, write_csv
from tests.test_cli import EXE

UPLOADERS, READERS = 8, 50


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, pg_cluster):
    """The sample region in a new PostgreSQL database, served by two worker processes."""
    folder = tmp_path_factory.mktemp("deployment")
    location = StoreCopies("postgresql", pg_cluster).new(folder, "city")
    with open_store(location) as s:
        import_sample(s)
        firm = add_service_users(s)
        firms = sorted(s.table("firms").loc[lambda f: f["region_id"] == "421003", "firm_id"])[:3]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CLUSTERATLAS_FILES": str(location[1])}
    log = folder / "serve.log"
    proc = subprocess.Popen([EXE, "serve", "--db", location[0], "--workers", "2", "--port", str(port),
                             "--n-sim", "19"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/api/regions", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"serve --workers 2 did not start: {log.read_text()}")
        time.sleep(0.3)
    yield {"base": base, "db": location, "env": env, "firm_id": firm, "firms": firms, "proc": proc}
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert "Traceback" not in log.read_text(), log.read_text()[-5000:]


def _workers(deployment) -> set[int]:
    """The worker processes' ids: the children of serve that multiprocessing spawned to serve
    (not its resource tracker)."""
    pid = deployment["proc"].pid
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = [int(p) for p in f.read().split()]
    out = set()
    for child in children:
        with open(f"/proc/{child}/cmdline", "rb") as f:
            if b"spawn_main" in f.read():
                out.add(child)
    return out


def test_two_workers_serve_and_a_file_is_refused_more_than_one(deployment, tmp_path):
    assert len(_workers(deployment)) == 2
    r = subprocess.run([EXE, "serve", "--db", str(tmp_path / "one.duckdb"), "--workers", "2"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "PostgreSQL" in r.stderr and "Traceback" not in r.stderr


def test_eight_uploads_and_fifty_readers_at_once(deployment):
    """8 clients upload different files (6 good, 2 with one bad row among good ones) while 50
    read: no server error, every good file in with its own dataset id, nothing of a bad one."""
    base, firms = deployment["base"], deployment["firms"]
    analyst = login(deployment, "analyst")
    with open_store(deployment["db"]) as s:
        before = s.datasets()

    def upload(k: int) -> httpx.Response:
        lines = [f"{f},{1980 + k},{10 * k + i + 1}" for i, f in enumerate(firms)]
        if k >= 6:  # a row whose year is no year: the whole file is refused
            lines.insert(1, f"{firms[0]},明年,5")
        body = "企业代码,年份,研发费用(万元)\n" + "\n".join(lines) + "\n"
        return httpx.post(base + "/api/datasets", headers=analyst, timeout=300,
                          files={"files": (f"rd{k}.csv", io.BytesIO(body.encode()), "text/csv")})

    paths = ["/api/regions", "/api/parks", "/api/targets", "/api/industries?q=35", "/api/datasets",
             "/api/firms", "/api/firm-years?year=2005", "/api/auth/me"]

    def read(k: int) -> list[int]:
        return [httpx.get(base + paths[(k + i) % len(paths)], headers=analyst, timeout=300).status_code
                for i in range(len(paths))]

    with ThreadPoolExecutor(UPLOADERS + READERS) as pool:
        uploads = [pool.submit(upload, k) for k in range(UPLOADERS)]
        reads = [pool.submit(read, k) for k in range(READERS)]
        uploads = [u.result() for u in uploads]
        reads = [c for r in reads for c in r.result()]
    assert reads == [200] * len(reads), sorted(set(reads))
    assert [u.status_code for u in uploads] == [200] * 6 + [422] * 2, [u.text[:300] for u in uploads]
    ids = [u.json()["files"][0]["dataset_id"] for u in uploads[:6]]
    assert len(set(ids)) == 6
    with open_store(deployment["db"]) as s:
        after = s.datasets()
        fy = s.table("firm_years")
    new = after[~after["dataset_id"].isin(before["dataset_id"])]
    assert dict(zip(new["dataset_id"], new["source_name"])) == {d: f"rd{k}.csv" for k, d in enumerate(ids)}
    assert all(rc == {"firm_years": 3} for rc in new["row_counts"])
    for k in range(UPLOADERS):
        rows = fy[fy["year"] == 1980 + k]
        assert len(rows) == (3 if k < 6 else 0), k
        if k < 6:
            assert sorted(rows["rd_spend"]) == [1e4 * (10 * k + i + 1) for i in range(3)]  # 万元 → CNY


def test_the_command_line_writes_while_the_server_runs(deployment, tmp_path):
    """No lock on a server database: `users add` and `import` straight into the served store,
    and every worker answers with what they wrote."""
    env, db = deployment["env"], deployment["db"][0]
    r = subprocess.run([EXE, "users", "add", "clerk", "--role", "analyst", "--region", "421003", "--password",
                        PASSWORD, "--db", db], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    for _ in range(4):  # fresh connections: both workers
        assert httpx.post(deployment["base"] + "/api/auth/token",
                          data={"username": "clerk", "password": PASSWORD}).status_code == 200
    target = write_csv(tmp_path / "新目标.csv", [
        ["目标编号", "目标对象类型", "目标对象", "指标", "目标类型", "目标年份", "截止月份", "目标值", "单位"],
        ["T99", "region", "421003", "output", "level", "2012", "12", "300", "亿元"]])
    r = subprocess.run([EXE, "import", str(target), "--db", db], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for _ in range(4):
        targets = httpx.get(deployment["base"] + "/api/targets").json()
        assert "T99" in {t["target_id"] for t in targets}
    with open_store(deployment["db"]) as s:
        assert s.check() == []  # the kept file is where the deployment keeps files


def test_guesses_spread_over_the_workers_are_throttled_as_one(deployment):
    answers = [httpx.post(deployment["base"] + "/api/auth/token",
                          data={"username": "parkmgr", "password": f"guess {i}"}, timeout=60).status_code
               for i in range(MAX_FAILURES + 4)]
    assert answers == [401] * MAX_FAILURES + [429] * 4
