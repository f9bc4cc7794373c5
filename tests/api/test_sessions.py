"""Sessions and the audit: throttled guessing, logout by POST only, token revocation, security
headers, and refused requests and failed logins in the audit log with the caller's address."""

from __future__ import annotations

import time

import httpx
import pytest

from clusteratlas.policy.access import csrf_token
from clusteratlas.policy.throttle import MAX_FAILURES, LoginThrottle
from tests.api.conftest import PASSWORD, login


def test_the_throttle_counts_names_and_addresses_in_a_window(store):
    now = [1e9]
    t = LoginThrottle(max_failures=3, window_s=60, clock=lambda: now[0], max_address_failures=5)
    for _ in range(3):
        t.failed(store, "chen", "10.0.0.1")
    assert t.retry_after(store, "chen", "10.0.0.2") > 0  # the name is throttled from anywhere
    assert t.retry_after(store, "li", "10.0.0.1") == 0  # others at that address are not, yet
    t.failed(store, "wang", "10.0.0.1")
    t.failed(store, "zhao", "10.0.0.1")
    assert t.retry_after(store, "li", "10.0.0.1") > 0  # five failures from one address: all of it
    assert t.retry_after(store, "li", "10.0.0.9") == 0
    now[0] += 61
    assert t.retry_after(store, "chen", "10.0.0.1") == 0  # the window has passed


def test_every_worker_counts_the_same_failures_and_guesses_at_once_stay_within_the_limit(store):
    """Two services on one store (two workers, or a restarted server) share the count; twenty
    guesses sent at once from threads get at most MAX_FAILURES tries at the password."""
    from concurrent.futures import ThreadPoolExecutor

    from clusteratlas.io import accounts
    from clusteratlas.policy.throttle import LoginRefused, attempt_login

    accounts.insert_user(store, "chen", PASSWORD, "analyst", region_id="421003")
    first, second = LoginThrottle(), LoginThrottle()
    for _ in range(MAX_FAILURES - 1):
        first.failed(store, "chen", "10.0.0.1")
    assert second.retry_after(store, "chen", "10.0.0.7") == 0
    first.failed(store, "chen", "10.0.0.1")
    assert second.retry_after(store, "chen", "10.0.0.7") > 0
    accounts.clear_login_failures(store, "user:chen")

    def guess(i):
        view = store.cursor()
        try:
            attempt_login(second if i % 2 else first, view, "chen", f"guess {i}", f"10.0.1.{i}", "test")
        except LoginRefused as e:
            return e.status

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(20)))
    assert answers.count(401) == MAX_FAILURES and answers.count(429) == 20 - MAX_FAILURES
    # a right password then waits out the window too, and a success is not held against an address
    with pytest.raises(LoginRefused) as e:
        attempt_login(first, store, "chen", PASSWORD, "10.0.2.1", "test")
    assert e.value.status == 429
    accounts.clear_login_failures(store, "user:chen")
    assert attempt_login(first, store, "chen", PASSWORD, "10.0.2.1", "test")
    assert accounts.login_failures(store, ["addr:10.0.2.1"], 0) == {"addr:10.0.2.1": []}


def test_one_name_added_by_many_at_once_gives_one_user_and_plain_refusals(store):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from clusteratlas.io.accounts import UserExists
    from clusteratlas.study.records import add_user

    start = threading.Barrier(6)

    def add(i):
        view = store.cursor()
        start.wait()
        try:
            add_user(view, "wang", PASSWORD, "analyst", region_id="421003")
            return "added"
        except UserExists as e:
            return str(e)
        finally:
            view.close()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(add, range(6)))
    assert answers.count("added") == 1 and answers.count("a user 'wang' exists") == 5
    assert store.sql("SELECT count(*) AS n FROM users WHERE username = 'wang'")["n"].iloc[0] == 1


def test_guessing_a_password_is_throttled_and_audited(own_server):
    base = own_server["base"]
    for _ in range(MAX_FAILURES):
        r = httpx.post(base + "/api/auth/token", data={"username": "parkmgr", "password": "guess"})
        assert r.status_code == 401
    r = httpx.post(base + "/api/auth/token", data={"username": "parkmgr", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # even the right one, now
    log = httpx.get(base + "/api/audit", headers=login(own_server, "admin"), params={"limit": 100}).json()
    failed = [e for e in log if e["username"] == "parkmgr" and e["action"] == "login failed"]
    assert len(failed) == MAX_FAILURES and "from 127.0.0.1" in failed[0]["detail"]
    assert any(e["action"] == "login refused" for e in log if e["username"] == "parkmgr")


def test_refused_requests_are_audited(own_server):
    base = own_server["base"]
    h = login(own_server, "sijichang")
    assert httpx.get(base + "/api/audit", headers=h).status_code == 403
    log = httpx.get(base + "/api/audit", headers=login(own_server, "admin"), params={"limit": 50}).json()
    refused = [e for e in log if e["action"] == "refused" and e["username"] == "sijichang"]
    assert refused and refused[0]["resource"] == "/api/audit" and "from 127.0.0.1" in refused[0]["detail"]


def test_a_revoked_token_is_refused(own_server):
    base = own_server["base"]
    h = login(own_server, "analyst")
    assert httpx.get(base + "/api/auth/me", headers=h).json()["username"] == "analyst"
    assert httpx.post(base + "/api/auth/revoke", headers=h).json() == {"revoked": True}
    assert httpx.get(base + "/api/auth/me", headers=h).status_code == 401


def _dashboard_login(c: httpx.Client, username: str) -> httpx.Response:
    """Log in as a browser does: the form's page first (its anti-forgery cookie and field)."""
    import re

    form = c.get("/login")
    field = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    return c.post("/login", data={"username": username, "password": PASSWORD, "csrf": field})


def test_a_login_form_posted_from_another_site_logs_nobody_in(own_server):
    base = own_server["base"]
    # another site's form: no cookie of ours (SameSite=Strict), no field
    forged = httpx.post(base + "/login", data={"username": "admin", "password": PASSWORD})
    assert forged.status_code == 403 and "ca_token" not in forged.cookies
    with httpx.Client(base_url=base) as c:
        c.get("/login")  # our cookie, but a field the other site made up
        assert c.post("/login", data={"username": "admin", "password": PASSWORD,
                                      "csrf": "0" * 64}).status_code == 403
        assert _dashboard_login(c, "admin").status_code == 303
    log = httpx.get(base + "/api/audit", headers=login(own_server, "admin"), timeout=60,
                    params={"action": "login refused"}).json()
    assert any("anti-forgery" in e["detail"] for e in log)


def test_behind_a_tls_proxy_cookies_are_secure_and_the_audit_names_the_client(own_server):
    """nginx (docs/deploy) terminates TLS and forwards from loopback: the session cookie is then
    sent over HTTPS only, and audit lines and the throttle see the client, not the proxy."""
    import re

    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    form = httpx.get(own_server["base"] + "/login", headers=proxied)
    pre = form.cookies["ca_login"]
    assert "secure" in form.headers["set-cookie"].lower()
    field = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    r = httpx.post(own_server["base"] + "/login", headers={**proxied, "Cookie": f"ca_login={pre}"},
                   data={"username": "analyst", "password": PASSWORD, "csrf": field})
    token = next(c for c in r.headers.get_list("set-cookie") if c.startswith("ca_token="))
    assert r.status_code == 303 and "secure" in token.lower() and "httponly" in token.lower()
    log = httpx.get(own_server["base"] + "/api/audit", headers=login(own_server, "admin"), timeout=60,
                    params={"username": "analyst", "action": "login"}).json()
    assert "from 203.0.113.9" in log[0]["detail"]
    plain = _dashboard_login(httpx.Client(base_url=own_server["base"]), "analyst")
    assert "secure" not in plain.headers["set-cookie"].lower()  # plain HTTP on loopback: a developer's


def test_logout_is_a_post_and_a_get_only_shows_the_button(own_server):
    base = own_server["base"]
    with httpx.Client(base_url=base) as c:
        r = _dashboard_login(c, "admin")
        assert r.status_code == 303 and "samesite=strict" in r.headers["set-cookie"].lower()
        c.cookies.set("ca_token", r.cookies["ca_token"])
        page = c.get("/logout")
        assert page.status_code == 200 and 'method="post" action="/logout"' in page.text
        assert c.get("/api/auth/me").json()["username"] == "admin"  # a GET logged nobody out
        token = r.cookies["ca_token"]
        assert c.post("/logout").status_code == 403  # a forged form: no anti-forgery token
        assert c.get("/api/auth/me").json()["username"] == "admin"
        c.post("/logout", data={"csrf": csrf_token(token)})
        assert httpx.get(base + "/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_every_answer_carries_the_security_headers(own_server):
    for path in ("/", "/api/analyses/overview", "/login"):
        r = httpx.get(own_server["base"] + path, timeout=60)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["X-Frame-Options"] == "DENY"
    assert httpx.get(own_server["base"] + "/api/firms", headers=login(own_server, "admin"),
                     timeout=60).headers["Cache-Control"] == "no-store"


def test_the_dashboard_cookie_changes_nothing_without_the_anti_forgery_token(own_server):
    base = own_server["base"]
    with httpx.Client(base_url=base) as c:
        token = _dashboard_login(c, "analyst").cookies["ca_token"]
        c.cookies.set("ca_token", token)
        body = {"files": ("x.csv", b"a,b\n1,2\n", "text/csv")}
        forged = c.post("/api/datasets", files=body)  # what a page of another site could send
        assert forged.status_code == 403 and "X-CSRF-Token" in forged.text
        ours = c.post("/api/datasets", files=body, headers={"X-CSRF-Token": csrf_token(token)})
        assert ours.status_code == 422  # past the check: the file's own problem
        assert c.get("/api/auth/me").status_code == 200  # reading needs no token
        page = c.get("/upload")
        assert f'name="csrf-token" content="{csrf_token(token)}"' in page.text


def test_a_request_past_its_time_limit_is_a_503_and_the_server_keeps_answering(tmp_path, sample_template,
                                                                                store_copies):
    from tests.api.conftest import _service_store, serving

    db, _ = _service_store(tmp_path, sample_template, store_copies)
    with serving(db, request_seconds=1.5) as base:
        # a K-density of 999 simulations per industry: 3.6–8 s here; the login page 40 ms warm and
        # under 0.25 s cold, while the cut-off computation still runs on in its thread (2 cores)
        r = httpx.get(base + "/api/analyses/k-density", params={"n_sim": 999}, timeout=60)
        assert r.status_code == 503 and "Retry-After" in r.headers
        assert httpx.get(base + "/login", timeout=10).status_code == 200


def test_firm_level_reads_are_audited_with_address_and_scope_and_the_log_filters(own_server):
    base = own_server["base"]
    pm = login(own_server, "analyst")
    httpx.get(base + "/api/firms", headers=pm, timeout=60)
    admin = login(own_server, "admin")
    log = httpx.get(base + "/api/audit", headers=admin, timeout=60,
                    params={"username": "analyst", "action": "read"}).json()
    assert log and all(e["username"] == "analyst" and e["action"] == "read" for e in log)
    assert "from 127.0.0.1" in log[0]["detail"] and "scope 421003" in log[0]["detail"]
    by_address = httpx.get(base + "/api/audit", headers=admin, timeout=60,
                           params={"address": "127.0.0.1", "limit": 5}).json()
    assert len(by_address) == 5
    assert httpx.get(base + "/api/audit", headers=admin, params={"address": "10.9.9.9"}).json() == []


def test_stopping_the_server_never_waits_on_a_runaway_computation():
    """After `clusteratlas serve` has stopped (its 10 s grace for requests in flight spent),
    a computation still running on a worker thread — non-daemon, as the web framework's are,
    so Python would wait for it at exit — does not keep the process alive."""
    import subprocess
    import sys

    script = ("import threading, time\n"
              "from clusteratlas import cli\n"
              "threading.Thread(target=time.sleep, args=(120,), name='AnyIO worker thread').start()\n"
              "cli._abandon_running_computations()\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - started < 30 and done.returncode == 0, done.stderr
    assert "1 computation(s) still running are abandoned" in done.stderr


def test_a_store_another_process_holds_is_said_plainly_never_a_lock_traceback(tmp_path):
    """DuckDB lets one process open a store file at a time: a second one is told who holds it
    and what to do (through the server, or after it stops), by the library and by the command."""
    import subprocess

    from clusteratlas.io.store import Store, StoreBusy
    from tests.conftest import held
    from tests.test_cli import EXE

    db = tmp_path / "held.duckdb"
    Store(db).close()
    with held(db) as holder:
        with pytest.raises(StoreBusy) as e:
            Store(db, read_only=True)
        assert e.value.pid == holder.pid and "in use by another process" in str(e.value)
        r = subprocess.run([EXE, "users", "add", "x", "--role", "admin", "--password", "correct horse battery",
                            "--db", str(db)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert f"PID {holder.pid}" in r.stderr and "opened by one process at a time" in r.stderr


def test_users_and_imports_go_through_the_running_server(own_server, tmp_path):
    import subprocess

    from clusteratlas.sample import data_dir
    from tests.api.conftest import PASSWORD
    from tests.test_cli import EXE

    env = {"CLUSTERATLAS_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    r = subprocess.run([EXE, "users", "add", "clerk2", "--role", "analyst", "--region", "421003", "--password",
                        PASSWORD, "--server", own_server["base"], "--admin", "admin"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert httpx.post(own_server["base"] + "/api/auth/token",
                      data={"username": "clerk2", "password": PASSWORD}).status_code == 200
    again = subprocess.run([EXE, "users", "add", "clerk2", "--role", "analyst", "--region", "421003", "--password",
                            PASSWORD, "--server", own_server["base"], "--admin", "admin"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 2 and "exists" in again.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("统一社会信用代码,企业名称\nbad,x\n", encoding="utf-8")
    rejected = subprocess.run([EXE, "import", str(bad), "--server", own_server["base"], "--admin", "admin"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert rejected.returncode == 1 and "库中未做任何改动" in rejected.stderr and "bad.csv" in rejected.stderr
    ok = subprocess.run([EXE, "import", str(data_dir() / "targets.csv"), "--server", own_server["base"],
                         "--admin", "admin", "--lang", "en"], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "targets.csv" in ok.stdout
    # only an admin adds users
    analyst = httpx.post(own_server["base"] + "/api/users", headers=login(own_server, "analyst"),
                         data={"username": "z", "password": PASSWORD, "role": "admin"})
    assert analyst.status_code == 403
