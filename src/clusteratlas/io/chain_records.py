"""The chain office's records as the store keeps them: the chain templates it added, and the
append-only event logs of its tasks (open problems) and of who holds each chain's roles. Every
change is a new row; the checks are the caller's (``study.chains``)."""

from __future__ import annotations

import pandas as pd

TASK_FIELDS = ("task_id", "chain_id", "region_id", "link_id", "firm_id", "title", "owner", "due_date",
               "status", "note", "actor")
ROLE_FIELDS = ("chain_id", "region_id", "role", "holder", "title", "action", "actor")


def insert_chain_template(store, *, name: str, name_zh: str, sha256: str, source_text: str,
                          author: str | None) -> int:
    return int(store.con.execute(
        "INSERT INTO chain_templates (name, name_zh, sha256, source_text, author) VALUES (?, ?, ?, ?, ?) "
        "RETURNING template_id", [name, name_zh, sha256, source_text, author]).fetchall()[0][0])


def stored_chain_templates(store) -> pd.DataFrame:
    """The templates added to the store, newest first (without their texts)."""
    return store.sql("SELECT name, name_zh, sha256, template_id, author, created_at FROM chain_templates "
                     "ORDER BY template_id DESC")


def chain_template_text(store, name: str) -> str | None:
    hit = store.sql("SELECT source_text FROM chain_templates WHERE name = ? ORDER BY template_id DESC LIMIT 1",
                    [name])
    return str(hit.iloc[0, 0]) if len(hit) else None


def next_task_id(store) -> int:
    return int(store.con.execute("SELECT nextval('chain_task_ids')").fetchall()[0][0])


def insert_task_event(store, event: dict) -> int:
    """Append one state of a task; returns the event id."""
    values = [event.get(k) for k in TASK_FIELDS]
    return int(store.con.execute(
        f"INSERT INTO chain_task_events ({', '.join(TASK_FIELDS)}) VALUES ({', '.join('?' * len(TASK_FIELDS))}) "
        "RETURNING event_id", values).fetchall()[0][0])


def task_events(store, task_id: int | None = None) -> pd.DataFrame:
    """Every state of every task (or of one), oldest first."""
    if task_id is None:
        return store.sql("SELECT * FROM chain_task_events ORDER BY event_id")
    return store.sql("SELECT * FROM chain_task_events WHERE task_id = ? ORDER BY event_id", [task_id])


def insert_role_event(store, event: dict) -> int:
    values = [event.get(k) for k in ROLE_FIELDS]
    return int(store.con.execute(
        f"INSERT INTO chain_role_events ({', '.join(ROLE_FIELDS)}) VALUES ({', '.join('?' * len(ROLE_FIELDS))}) "
        "RETURNING event_id", values).fetchall()[0][0])


def role_events(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM chain_role_events ORDER BY event_id")
