"""What wraps every request, as plain ASGI (no per-request task or stream as Starlette's
``BaseHTTPMiddleware`` makes): ``RequestFrame`` — the caller's address for the audit, the time
limit, the security headers — and ``PublicAnswers``, which answers a public read from the bytes
prepared for the store's current release."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qsl

import anyio

from clusteratlas.io import accounts, queries

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # the dashboard's pages still run inline scripts (the charts): the policy restricts framing,
    # plugins and base URLs
    (b"content-security-policy", b"frame-ancestors 'none'; object-src 'none'; base-uri 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
NO_STORE_PAGES = ("/", "/parks", "/pipeline")  # pages that show firm data to those who may see it


class RequestFrame:
    """Every HTTP request: the caller's address set for the audit lines written while answering
    it; security headers on every answer, and ``Cache-Control: no-store`` on the API and the
    firm pages (never kept in a shared cache); and a time limit — a request still computing after
    ``request_seconds`` is answered 503, its work going on in the background and kept for the
    next caller (a sync endpoint's thread cannot be stopped, so the answer does not wait for it)."""

    def __init__(self, app, request_seconds: float):
        self.app, self.request_seconds = app, request_seconds
        self._running: set[asyncio.Task] = set()  # abandoned requests still computing

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        accounts.CLIENT.set(client[0] if client else "?")
        path = scope["path"]
        no_store = path.startswith("/api/") or path in NO_STORE_PAGES
        state = {"started": False, "abandoned": False}

        async def framed(message):
            if state["abandoned"]:
                return  # the caller has had its 503
            if message["type"] == "http.response.start":
                state["started"] = True
                message = _with_headers(message, no_store)
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, framed))
        done, _ = await asyncio.wait({task}, timeout=self.request_seconds)
        if task in done or state["started"]:
            return await task
        state["abandoned"] = True
        self._running.add(task)
        task.add_done_callback(self._forget)
        body = json.dumps({"detail": f"the answer took longer than {self.request_seconds:g} s; it is "
                                     "still being computed: ask again shortly"}).encode()
        await send(_with_headers({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", b"30"),
            (b"content-length", str(len(body)).encode())]}, no_store))
        await send({"type": "http.response.body", "body": body})

    def _forget(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an abandoned request's error was logged where it rose


def _with_headers(start: dict, no_store: bool) -> dict:
    """A response's start with the security headers (and no-store) it does not set itself."""
    headers = list(start.get("headers", []))
    have = {k.lower() for k, _ in headers}
    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in have]
    if no_store and b"cache-control" not in have:
        headers.append((b"cache-control", b"no-store"))
    return {**start, "headers": headers}


# the public reads whose answer is a function of the store's release and the query alone
CACHEABLE = re.compile(
    r"^/api/(regions|parks|industries|targets|io-tables|rulesets(/[^/]+(/guide)?)?"
    r"|incentives/runs(/\d+/totals)?"
    r"|analyses/(overview|output-table|location-quotients|lq-map|k-density|agglomeration|opportunities"
    r"|targets|value-chain))$")
MAX_ANSWER_BYTES = 8 * 2**20
MAX_KEPT_BYTES = 128 * 2**20


def _public(scope) -> bool:
    """No bearer token and no dashboard session: the caller is the public, whose answers are the
    same for everyone (and never audited: they hold no firm-level rows)."""
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and b"ca_token=" in value):
            return False
    return True


class PublicAnswers:
    """A public read answered from the bytes kept for the store's current release: every
    public answer is a function of ``io.queries.release_version`` (imports, the input-output
    table, grade overrides, runs, claims, rulesets) and the request, so it is computed once per
    release and then served as it was prepared. Whether the release is still the same: on a
    DuckDB file, nothing committed since it was read (``Store.change_signature``, a stat of the
    file and its log: no query); on PostgreSQL, one small read. Only complete 200 answers are
    kept, up to ``MAX_KEPT_BYTES``."""

    def __init__(self, app, service):
        self.app, self.service = app, service
        self._version, self._signature, self._answers, self._bytes = None, None, {}, 0

    def _release(self) -> tuple[int, ...]:
        s = self.service.root.cursor()
        try:
            return queries.release_version(s)
        finally:
            s.close()

    async def _current_release(self) -> tuple[int, ...]:
        signature = self.service.root.change_signature()  # read before the version: a commit in
        if signature is None or signature != self._signature:  # between is seen next time
            version = await anyio.to_thread.run_sync(self._release)
            if version != self._version:
                self._version, self._answers, self._bytes = version, {}, 0
            self._signature = signature
        return self._version

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET" or not CACHEABLE.match(scope["path"])
                or not _public(scope)):
            return await self.app(scope, receive, send)
        version = await self._current_release()
        key = (scope["path"], tuple(sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                                     keep_blank_values=True))))
        kept = self._answers.get(key)
        if kept is not None:
            start, body = kept
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        messages = []

        async def keep(message):
            messages.append(message)
            await send(message)

        await self.app(scope, receive, keep)
        self._keep(version, key, messages)

    def _keep(self, version, key, messages) -> None:
        if version != self._version or len(messages) < 2 or messages[0]["type"] != "http.response.start" \
                or messages[0]["status"] != 200:
            return
        if any(m["type"] != "http.response.body" for m in messages[1:]) or messages[-1].get("more_body"):
            return
        body = b"".join(m.get("body", b"") for m in messages[1:])
        if len(body) > MAX_ANSWER_BYTES:
            return
        if self._bytes + len(body) > MAX_KEPT_BYTES:
            self._answers, self._bytes = {}, 0
        self._answers[key] = (messages[0], body)
        self._bytes += len(body)
