"""The services desk as the store keeps it: requests as filed, and the append-only events of
what happened to them. The checks are the caller's (``study.desk``)."""

from __future__ import annotations

import pandas as pd

REQUEST_FIELDS = ("firm_id", "park_id", "region_id", "category", "department", "title", "body", "attachment_name",
                  "filed_by", "filed_at", "deadline")


def insert_request(store, request: dict) -> int:
    values = [request.get(k) for k in REQUEST_FIELDS]
    return int(store.con.execute(
        f"INSERT INTO desk_requests ({', '.join(REQUEST_FIELDS)}) VALUES ({', '.join('?' * len(REQUEST_FIELDS))}) "
        "RETURNING request_id", values).fetchall()[0][0])


def insert_event(store, request_id: int, action: str, message: str | None, actor: str, role: str, at) -> int:
    return int(store.con.execute(
        "INSERT INTO desk_events (request_id, action, message, actor, role, changed_at) VALUES (?, ?, ?, ?, ?, ?) "
        "RETURNING event_id", [request_id, action, message, actor, role, at]).fetchall()[0][0])


def requests(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM desk_requests ORDER BY request_id")


def events(store, request_id: int | None = None) -> pd.DataFrame:
    if request_id is None:
        return store.sql("SELECT * FROM desk_events ORDER BY event_id")
    return store.sql("SELECT * FROM desk_events WHERE request_id = ? ORDER BY event_id", [request_id])
