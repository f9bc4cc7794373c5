"""Public reads are answered from the bytes prepared for the store's release (``api.middleware.
PublicAnswers``): the same answer until the release changes, a new release seen at once, a
signed-in caller never given the public's answer, and every answer with its headers."""

from __future__ import annotations

import io

import httpx

from tests.api.conftest import login
from tests.conftest import open_store


def test_a_public_read_is_prepared_once_per_release_and_the_next_release_is_seen_at_once(own_server):
    base = own_server["base"]
    first = httpx.get(base + "/api/regions", timeout=60)
    assert first.status_code == 200
    # a change no release records (never done by ClusterAtlas itself): the public still gets the
    # answer prepared for this release, which shows that it is not computed again
    with open_store(own_server["db"]) as s:
        s.con.execute("UPDATE regions SET name = name || '（改）' WHERE region_id = '421003'")
    again = httpx.get(base + "/api/regions", timeout=60)
    assert again.content == first.content
    analyst = login(own_server, "analyst")
    assert "（改）" in httpx.get(base + "/api/regions", headers=analyst, timeout=60).text  # answered afresh
    # an import is a new release: the next public read is prepared from it
    body = "目标编号,目标对象类型,目标对象,指标,目标类型,目标年份,截止月份,目标值,单位\nT98,region,421003,output,level,2012,12,300,亿元\n"
    r = httpx.post(base + "/api/datasets", headers=analyst, timeout=120,
                   files={"files": ("目标.csv", io.BytesIO(body.encode()), "text/csv")})
    assert r.status_code == 200, r.text
    after = httpx.get(base + "/api/regions", timeout=60)
    assert "（改）" in after.text
    assert "T98" in {t["target_id"] for t in httpx.get(base + "/api/targets", timeout=60).json()}
    for answer in (first, again, after):
        assert answer.headers["cache-control"] == "no-store" and answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-type"].startswith("application/json")


def test_the_public_and_a_signed_in_caller_each_get_their_own_answer(own_server):
    """The output table is suppressed for the public and whole for the region's analyst: asked
    in turn, neither ever gets the other's (the kept answer is the public's only)."""
    base, analyst = own_server["base"], login(own_server, "analyst")
    cookie = {"ca_token": analyst["Authorization"][7:]}
    answers = {"public": set(), "analyst": set(), "cookie": set()}
    for _ in range(3):
        answers["public"].add(httpx.get(base + "/api/analyses/output-table", timeout=300).content)
        answers["analyst"].add(httpx.get(base + "/api/analyses/output-table", headers=analyst, timeout=300).content)
        answers["cookie"].add(httpx.get(base + "/api/analyses/output-table", cookies=cookie, timeout=300).content)
    assert all(len(a) == 1 for a in answers.values())
    assert answers["public"] != answers["analyst"] and answers["analyst"] == answers["cookie"]
    assert b"suppressed" in next(iter(answers["public"])) or b"null" in next(iter(answers["public"]))


def test_the_query_is_part_of_the_key_in_any_order_and_refusals_are_not_kept(own_server):
    base = own_server["base"]
    a = httpx.get(base + "/api/analyses/location-quotients?format=csv&period=2006H1", timeout=300)
    b = httpx.get(base + "/api/analyses/location-quotients?period=2006H1&format=csv", timeout=300)
    c = httpx.get(base + "/api/analyses/location-quotients?period=2006H1", timeout=300)
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.content == b.content and a.headers["content-type"].startswith("text/csv")
    assert c.headers["content-type"].startswith("application/json")
    for _ in range(2):
        missing = httpx.get(base + "/api/analyses/overview", params={"region_id": "999999"}, timeout=60)
        assert missing.status_code == 404 and "999999" in missing.text
