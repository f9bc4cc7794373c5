"""A real server: the app on uvicorn, on a free loopback port, over a copy of the sample store."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from clusteratlas.api.app import create_app
from clusteratlas.study import Settings
from clusteratlas.study.records import add_user
from tests.conftest import open_store

PASSWORD = "correct horse battery"
SETTINGS = Settings(n_sim=99)


def _service_store(folder, sample_template, store_copies):
    """A copy of the sample store with the test users and an input-output table: its location
    (a DuckDB path or a PostgreSQL URL) and kept-files folder."""
    db = store_copies.copy(sample_template, folder, "service")
    with open_store(db) as s:
        return db, add_service_users(s)


def add_service_users(s) -> str:
    """The test users (one of each role) and the sample's input-output table, into the sample
    store ``s``; returns the firm id of 四机厂 (the firm user's firm)."""
    firms = s.table("firms")
    sijichang = firms.loc[firms["name"] == "四机厂", "firm_id"].iloc[0]
    add_user(s, "admin", PASSWORD, "admin")
    add_user(s, "analyst", PASSWORD, "analyst", region_id="421003")
    add_user(s, "outsider", PASSWORD, "analyst", region_id="421002")
    add_user(s, "parkmgr", PASSWORD, "park_manager", park_id="P02")
    add_user(s, "sijichang", PASSWORD, "firm", firm_id=sijichang)
    # the value-chain endpoints read the newest input-output table of the store
    from clusteratlas.io.iotables import import_io_table
    from clusteratlas.sample import IO_TABLE, data_dir

    import_io_table(s, data_dir() / IO_TABLE, "sample national table (synthetic)", year=2017)
    return sijichang


@contextlib.contextmanager
def serving(db, **options):
    """The app on uvicorn on a free loopback port, over ``db`` (a location, or a (location,
    files) pair); yields its base address."""
    # one settings object for every page and endpoint of the test service (fewer simulations
    # than the default 999, to keep the suite fast)
    if isinstance(db, tuple):
        db, options["files_dir"] = db
    app = create_app(db, settings=SETTINGS, **options)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/api/regions", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory, sample_template, store_copies):
    db, sijichang = _service_store(tmp_path_factory.mktemp("server"), sample_template, store_copies)
    with serving(db) as base:
        yield {"base": base, "firm_id": sijichang, "db": db}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, sample_template, store_copies):
    """A server of its own, for tests that change the store (or try hard to)."""
    db, sijichang = _service_store(tmp_path_factory.mktemp("own"), sample_template, store_copies)
    with serving(db) as base:
        yield {"base": base, "firm_id": sijichang, "db": db}


def login(server, username: str) -> dict:
    r = httpx.post(server["base"] + "/api/auth/token", data={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
