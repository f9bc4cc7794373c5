"""The chain office over real HTTP: a services-desk request goes from a firm to an officer and
back with its deadline and audit trail, and no other firm, park or region learns of it; early
warnings are run, read and marked by the office only, each officer within their scope; a
chain's ledger, papers, tasks and roles are the region's own office's."""

from __future__ import annotations

import datetime as dt
import io

import httpx
import openpyxl
import pytest

from tests.api.conftest import PASSWORD, login


def post(server, path, headers, **form):
    return httpx.post(server["base"] + path, headers=headers, data=form, timeout=300)


def get(server, path, headers=None, **params):
    return httpx.get(server["base"] + path, headers=headers or {}, params=params, timeout=300)


@pytest.fixture(scope="module")
def people(own_server):
    """The service's users, and a second firm's account (of another firm of the region)."""
    admin = login(own_server, "admin")
    firms = get(own_server, "/api/firms", admin).json()
    other = next(f for f in firms if f["firm_id"] != own_server["firm_id"] and f["region_id"] == "421003")
    assert post(own_server, "/api/users", admin, username="otherfirm", password=PASSWORD, role="firm",
                firm_id=other["firm_id"]).status_code == 201
    park = next(f["park_id"] for f in firms if f["firm_id"] == own_server["firm_id"])
    assert post(own_server, "/api/users", admin, username="mypark", password=PASSWORD, role="park_manager",
                park_id=park).status_code == 201
    return {name: login(own_server, name) for name in
            ("admin", "analyst", "outsider", "parkmgr", "sijichang", "otherfirm", "mypark")} | {"park": park}


def test_a_desk_request_goes_from_the_firm_to_the_office_and_back(own_server, people):
    firm, officer = people["sijichang"], people["analyst"]
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    filed = post(own_server, "/api/desk/requests", firm, category="complaint", title="园区道路施工阻断货运",
                 body="东门道路封闭三天，重型设备无法出厂，请协调。", attachment_name="../../现场照片.jpg")
    assert filed.status_code == 201, filed.text
    req = filed.json()
    assert req["department"] == "园区投诉举报中心"
    deadline = dt.datetime.fromisoformat(req["deadline"])
    assert dt.timedelta(hours=23, minutes=59) < deadline - before < dt.timedelta(hours=24, minutes=1)
    rid = req["request_id"]
    # another firm, another park's manager, another region's analyst: nothing, not even its existence
    for who in ("otherfirm", "parkmgr", "outsider"):
        assert rid not in [r["request_id"] for r in get(own_server, "/api/desk/requests", people[who]).json()]
        assert get(own_server, f"/api/desk/requests/{rid}", people[who]).status_code == 404
    assert post(own_server, f"/api/desk/requests/{rid}/answer", people["otherfirm"], message="x").status_code == 404
    assert get(own_server, "/api/desk/requests").status_code in (401, 403)  # the public
    # the firm cannot answer its own request; the office answers, the firm closes, reopens
    assert post(own_server, f"/api/desk/requests/{rid}/answer", firm, message="我自己答复").status_code == 403
    assert post(own_server, f"/api/desk/requests/{rid}/answer", people["mypark"],
                message="已协调交通局，明日开放东门临时通道。").status_code == 200
    thread = get(own_server, f"/api/desk/requests/{rid}", firm).json()
    assert thread["request"]["state"] == "answered" and thread["request"]["attachment_name"] == "现场照片.jpg"
    assert thread["events"][0]["message"].startswith("已协调交通局") and thread["events"][0]["role"] == "park_manager"
    assert not thread["request"]["overdue"] and thread["request"]["response_hours"] < 1
    assert post(own_server, f"/api/desk/requests/{rid}/close", firm, message="问题已解决").status_code == 200
    assert post(own_server, f"/api/desk/requests/{rid}/answer", officer, message="x").status_code == 409
    assert post(own_server, f"/api/desk/requests/{rid}/reopen", officer, message="x").status_code == 403
    assert post(own_server, f"/api/desk/requests/{rid}/reopen", firm, message="通道又被封").status_code == 200
    assert post(own_server, f"/api/desk/requests/{rid}/close", officer, message="已恢复").status_code == 200
    steps = [e["action"] for e in get(own_server, f"/api/desk/requests/{rid}", officer).json()["events"]]
    assert steps == ["answer", "close", "reopen", "close"]
    report = {(r["department"], r["park_id"]): r for r in get(own_server, "/api/desk/report", officer).json()}
    row = report[("园区投诉举报中心", people["park"])]
    assert row["filed"] >= 1 and row["overdue"] == 0 and row["median_response_hours"] < 1
    assert get(own_server, "/api/desk/report", firm).status_code == 403
    trail = get(own_server, "/api/audit", people["admin"], limit=200).json()
    desk_lines = [e for e in trail if e["resource"] == "desk" and e["action"] == "write"]
    assert {e["username"] for e in desk_lines} >= {"sijichang", "mypark", "analyst"}
    assert all("from 127.0.0.1" in e["detail"] for e in desk_lines)


def test_a_bad_request_to_the_desk_is_refused_with_the_reason(own_server, people):
    firm = people["sijichang"]
    assert post(own_server, "/api/desk/requests", firm, category="gossip", title="t", body="b").status_code == 422
    assert post(own_server, "/api/desk/requests", firm, category="land", title=" ", body="b").status_code == 422
    assert post(own_server, "/api/desk/requests", people["analyst"], category="land", title="t",
                body="b").status_code == 403  # filed by a firm's own account
    assert post(own_server, "/api/desk/requests/1/dance", firm, message="x").status_code == 404


def test_warnings_are_the_offices_each_within_its_scope(own_server, people):
    run = post(own_server, "/api/alerts/run", people["analyst"])
    assert run.status_code == 200 and run.json()["alerts"] > 0
    assert post(own_server, "/api/alerts/run", people["parkmgr"]).status_code == 403
    everything = get(own_server, "/api/alerts", people["analyst"]).json()
    assert len(everything) == run.json()["alerts"]
    mine = get(own_server, "/api/alerts", people["parkmgr"]).json()
    assert mine and all(a["park_id"] == "P02" for a in mine) and len(mine) < len(everything)
    for who in ("sijichang", "outsider"):
        shown = get(own_server, "/api/alerts", people[who])
        assert shown.status_code == 403 or shown.json() == []
    theirs = next(a for a in everything if a["park_id"] != "P02")
    assert post(own_server, f"/api/alerts/{theirs['alert_id']}/seen", people["parkmgr"]).status_code == 404
    own = mine[0]["alert_id"]
    assert post(own_server, f"/api/alerts/{own}/handled", people["parkmgr"]).status_code == 422  # no note
    assert post(own_server, f"/api/alerts/{own}/handled", people["parkmgr"], note="已走访企业").status_code == 200
    assert get(own_server, "/api/alerts", people["parkmgr"], state="handled").json()[0]["note"] == "已走访企业"


def test_a_chains_work_is_the_regions_own_offices(own_server, people):
    analyst = people["analyst"]
    ledger = get(own_server, "/api/chains/petroleum_machinery/ledger", analyst)
    assert ledger.status_code == 200, ledger.text
    links = {lk["link_id"]: lk for lk in ledger.json()["links"]}
    assert links["steel_tubulars"]["status_zh"] == "补链" and links["rigs_workover"]["status_zh"] == "强链"
    for who in ("outsider", "parkmgr", "sijichang"):
        asked = get(own_server, "/api/chains/petroleum_machinery/ledger", people[who], region_id="421003")
        assert asked.status_code == 403, who
    assert get(own_server, "/api/chains/no_such/ledger", analyst).status_code == 404
    task = post(own_server, "/api/chains/petroleum_machinery/tasks", analyst, title="引进石油专用管材企业",
                owner="区招商局", due_date="2006-09-30", link_id="steel_tubulars")
    assert task.status_code == 201, task.text
    tid = task.json()["task_id"]
    assert post(own_server, "/api/chains/petroleum_machinery/tasks", analyst, title="t", owner="o",
                link_id="nope").status_code == 422
    moved = post(own_server, f"/api/chains/tasks/{tid}", analyst, status="in_progress", note="已接洽")
    assert [h["status"] for h in moved.json()["history"]] == ["open", "in_progress"]
    assert post(own_server, f"/api/chains/tasks/{tid}", people["outsider"], status="done").status_code == 404
    assert post(own_server, "/api/chains/petroleum_machinery/roles", analyst, role="chief", holder="张三",
                title="副区长").json()[0]["holder"] == "张三"
    book = get(own_server, "/api/chains/petroleum_machinery/papers", analyst, format="xlsx")
    assert book.status_code == 200 and book.headers["content-disposition"].endswith('.xlsx"')
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    assert [r[1] for r in wb["一清单 任务"].iter_rows(min_row=2, values_only=True)] == ["引进石油专用管材企业"]
    page = get(own_server, "/api/chains/petroleum_machinery/papers", analyst, format="html", lang="en")
    assert "The link table" in page.text and page.headers["content-type"].startswith("text/html")
    assert any(c["name"] == "lithium_battery" for c in get(own_server, "/api/chains").json())
