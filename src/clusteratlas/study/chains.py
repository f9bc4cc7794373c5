"""The chain office's work in the store (链长制): which chains there are (shipped templates and the
office's own), the tasks it follows up — open problems with an owner, a due date and a status,
every change kept — and who holds each chain's roles (链长, an official; 链主, leading firms).
Each write is checked here, appended (``io.chain_records``) and audited."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clusteratlas.analyses.chains import SHIPPED, ChainTemplate
from clusteratlas.faces.terms import chinese
from clusteratlas.io import accounts, chain_records

TASK_STATES = ("open", "in_progress", "done", "dropped")
TASK_STATE_ZH = chinese("task_state")
ROLES = ("chief", "leader_firm")
ROLE_ZH = chinese("chain_role")
MAX_TEXT = 2000


class ChainRefused(ValueError):
    """A chain office's change that the rules refuse, with the reason."""


def chain_template(name: str, store=None) -> ChainTemplate:
    """A shipped template by name, else the store's newest of that name; KeyError if none."""
    if name in SHIPPED:
        return ChainTemplate.load(name)
    text = chain_records.chain_template_text(store, name) if store is not None else None
    if text is None:
        raise KeyError(f"no chain {name!r}: shipped are {', '.join(SHIPPED)}")
    return ChainTemplate.parse(text)


def chain_templates(store=None) -> pd.DataFrame:
    """Every chain there is: the shipped ones and the store's (the newest of each name)."""
    shipped = [ChainTemplate.load(n) for n in SHIPPED]
    rows = [{"name": t.id, "name_zh": t.name_zh, "name_en": t.name_en, "links": len(t.links), "source": "shipped",
             "sha256": t.sha256} for t in shipped]
    if store is not None:
        stored = chain_records.stored_chain_templates(store).drop_duplicates("name")
        for r in stored.itertuples(index=False):
            t = ChainTemplate.parse(chain_records.chain_template_text(store, r.name))
            rows.append({"name": t.id, "name_zh": t.name_zh, "name_en": t.name_en, "links": len(t.links),
                         "source": f"store ({r.author or '—'}, {r.created_at:%Y-%m-%d})", "sha256": t.sha256})
    return pd.DataFrame(rows)


def add_chain_template(store, text: str, author: str) -> int:
    """Keep an office's own chain template (checked as every template is; a shipped name is
    refused — yours must have its own id); returns its template id."""
    t = ChainTemplate.parse(text)
    if t.id in SHIPPED:
        raise ChainRefused(f"{t.id!r} is a shipped chain; give yours another id")
    template_id = chain_records.insert_chain_template(store, name=t.id, name_zh=t.name_zh, sha256=t.sha256,
                                                      source_text=text, author=author)
    accounts.audit(store, author, "-", "write", "chain_templates", f"template {template_id}: {t.id}")
    return template_id


def _text(value, what: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ChainRefused(f"{what} is required")
        return None
    value = str(value).strip()
    if len(value) > MAX_TEXT:
        raise ChainRefused(f"{what}: at most {MAX_TEXT} characters")
    return value


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ChainRefused(f"due date {value!r}: write it as YYYY-MM-DD") from None


def open_task(store, chain_id: str, region_id: str, title: str, owner: str, actor: str, *,
              due_date=None, link_id: str | None = None, firm_id: str | None = None,
              note: str | None = None) -> int:
    """A new open problem of a chain (a link's, a firm's, or the chain's); returns its id."""
    chain = chain_template(chain_id, store)
    if link_id:
        try:
            chain.link(link_id)
        except KeyError as e:
            raise ChainRefused(e.args[0]) from None
    if firm_id and not store.sql("SELECT count(*) AS n FROM firms WHERE firm_id = ?", [firm_id])["n"].iloc[0]:
        raise ChainRefused(f"no firm {firm_id!r} in the store")
    event = {"chain_id": chain.id, "region_id": _text(region_id, "region", True), "link_id": link_id or None,
             "firm_id": firm_id or None, "title": _text(title, "title", True), "owner": _text(owner, "owner", True),
             "due_date": _date(due_date), "status": "open", "note": _text(note, "note"),
             "actor": _text(actor, "who", True)}
    with store.transaction():
        event["task_id"] = chain_records.next_task_id(store)
        chain_records.insert_task_event(store, event)
        accounts.audit(store, actor, "-", "write", "chain_tasks",
                       f"task {event['task_id']} opened: {chain.id} {link_id or ''} {event['title']}")
    return event["task_id"]


def update_task(store, task_id: int, actor: str, *, status: str | None = None, owner: str | None = None,
                due_date=None, note: str | None = None, title: str | None = None) -> int:
    """A change to a task — its status, owner, due date, title, or a note — kept as its new
    state beside the old ones; returns the event id."""
    history = chain_records.task_events(store, int(task_id))
    if history.empty:
        raise ChainRefused(f"no task {task_id}")
    if status is not None and status not in TASK_STATES:
        raise ChainRefused(f"status must be one of {', '.join(TASK_STATES)}")
    now = history.iloc[-1].to_dict()
    change = {"status": status, "owner": _text(owner, "owner"), "due_date": _date(due_date),
              "title": _text(title, "title")}
    change = {k: v for k, v in change.items() if v is not None}
    note = _text(note, "note")
    if not change and note is None:
        raise ChainRefused("nothing to change: give a status, owner, due date, title or note")
    event = {**{k: now[k] for k in chain_records.TASK_FIELDS if k in now}, **change, "note": note,
             "actor": _text(actor, "who", True)}
    if isinstance(event.get("due_date"), pd.Timestamp):
        event["due_date"] = event["due_date"].date()
    if pd.isna(event.get("due_date")):
        event["due_date"] = None
    for k in ("link_id", "firm_id"):
        if not isinstance(event.get(k), str):
            event[k] = None
    with store.transaction():
        event_id = chain_records.insert_task_event(store, event)
        said = ", ".join(f"{k} {v}" for k, v in change.items()) or "note"
        accounts.audit(store, actor, "-", "write", "chain_tasks", f"task {task_id}: {said}")
    return event_id


def tasks(store, chain_id: str | None = None, region_id: str | None = None, *, open_only: bool = False,
          today: dt.date | None = None) -> pd.DataFrame:
    """Each task as it stands (its newest state), with when it was opened, how many changes
    it has had and whether it is overdue (open or in progress past its due date)."""
    events = chain_records.task_events(store)
    if chain_id is not None:
        events = events[events["chain_id"] == chain_id]
    if region_id is not None:
        events = events[events["region_id"] == region_id]
    if events.empty:
        return events.assign(opened_at=pd.Series(dtype="datetime64[us]"), changes=pd.Series(dtype=int),
                             overdue=pd.Series(dtype=bool), status_zh=pd.Series(dtype=str))
    g = events.groupby("task_id")
    out = g.tail(1).set_index("task_id")
    out["opened_at"] = g["changed_at"].min()
    out["changes"] = g.size() - 1
    today = pd.Timestamp(today or dt.date.today())
    due = pd.to_datetime(out["due_date"])  # compared as timestamps: a column of no dates at all is one too
    out["overdue"] = out["status"].isin(("open", "in_progress")) & due.notna() & (due < today)
    out["status_zh"] = out["status"].map(TASK_STATE_ZH)
    if open_only:
        out = out[out["status"].isin(("open", "in_progress"))]
    return out.reset_index().sort_values(["overdue", "due_date", "task_id"], ascending=[False, True, True],
                                         ignore_index=True)


def task_history(store, task_id: int) -> pd.DataFrame:
    """Every state of a task, oldest first: who changed what, when."""
    h = chain_records.task_events(store, int(task_id))
    if h.empty:
        raise ChainRefused(f"no task {task_id}")
    return h


def assign_role(store, chain_id: str, region_id: str, role: str, holder: str, actor: str, *,
                title: str | None = None, end: bool = False) -> int:
    """Name (or, with ``end``, stand down) a chain's 链长 (``chief``: an official, with their
    post) or one of its 链主 (``leader_firm``: a firm of the store, by id)."""
    chain = chain_template(chain_id, store)
    if role not in ROLES:
        raise ChainRefused(f"role must be one of {', '.join(ROLES)} (链长, 链主)")
    holder = _text(holder, "holder", True)
    if role == "leader_firm" and not store.sql("SELECT count(*) AS n FROM firms WHERE firm_id = ?",
                                               [holder])["n"].iloc[0]:
        raise ChainRefused(f"a 链主 is a firm of the store: no firm {holder!r}")
    current = roles(store, chain.id, region_id)
    held = ((current["role"] == role) & (current["holder"] == holder)).any()
    if end and not held:
        raise ChainRefused(f"{holder} does not hold {ROLE_ZH[role]} of {chain.id}")
    event = {"chain_id": chain.id, "region_id": _text(region_id, "region", True), "role": role, "holder": holder,
             "title": _text(title, "title"), "action": "end" if end else "assign", "actor": _text(actor, "who", True)}
    with store.transaction():
        event_id = chain_records.insert_role_event(store, event)
        accounts.audit(store, actor, "-", "write", "chain_roles",
                       f"{chain.id} {region_id}: {ROLE_ZH[role]} {holder} {'ended' if end else 'assigned'}")
    return event_id


def roles(store, chain_id: str | None = None, region_id: str | None = None) -> pd.DataFrame:
    """Who holds each chain's roles now (the newest assignment of each holder not since ended),
    with since when."""
    ev = chain_records.role_events(store)
    if chain_id is not None:
        ev = ev[ev["chain_id"] == chain_id]
    if region_id is not None:
        ev = ev[ev["region_id"] == region_id]
    cols = ["chain_id", "region_id", "role", "role_zh", "holder", "title", "since", "actor"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    last = ev.groupby(["chain_id", "region_id", "role", "holder"]).tail(1)
    now = last[last["action"] == "assign"].rename(columns={"changed_at": "since"})
    now = now.assign(role_zh=now["role"].map(ROLE_ZH))
    return now[cols].sort_values(["chain_id", "role", "since"], ignore_index=True)
