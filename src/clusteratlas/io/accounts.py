"""Users, bearer tokens and the audit log, as the store keeps them.

Passwords are argon2id hashes (argon2-cffi); a login returns a random bearer token stored only
as its SHA-256, valid for ``TOKEN_HOURS``. The roles and what each may see are policy
(:mod:`clusteratlas.policy.access`); this module only reads and writes the rows, and answers
with plain values (the user's row as a dict).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from contextvars import ContextVar

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

TOKEN_HOURS = 8
USER_COLUMNS = ("username", "role", "region_id", "park_id", "firm_id")
_hasher = PasswordHasher()


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserExists(ValueError):
    """There is a user of that name already."""


def insert_user(store, username: str, password: str, role: str, region_id=None, park_id=None,
                firm_id=None) -> None:
    """Add a user with an argon2-hashed password (the role is checked by the caller's policy);
    ``UserExists`` when the name is taken. The name is checked and taken in one step: two admins
    adding one name at once get one user and one plain refusal."""
    hashed = _hasher.hash(password)
    with store.transaction(lock="users"):
        if user_exists(store, username):
            raise UserExists(f"a user {username!r} exists")
        store.con.execute("INSERT INTO users (username, password_hash, role, region_id, park_id, firm_id) "
                          "VALUES (?, ?, ?, ?, ?, ?)", [username, hashed, role, region_id, park_id, firm_id])
        audit(store, "system", "admin", "write", "users", f"added {username} as {role}")


def user_exists(store, username: str) -> bool:
    return bool(store.con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0])


def login(store, username: str, password: str) -> tuple[str, dt.datetime] | None:
    """A new bearer token and its expiry, or None for a wrong name or password."""
    rows = store.con.execute("SELECT user_id, password_hash FROM users WHERE username = ?",
                             [username]).fetchall()
    if not rows:
        _hasher.hash(password)  # spend the same time as for a real user
        return None
    user_id, stored = rows[0]
    try:
        _hasher.verify(stored, password)
    except VerifyMismatchError:
        return None
    token = secrets.token_urlsafe(32)
    expires = dt.datetime.now() + dt.timedelta(hours=TOKEN_HOURS)
    store.con.execute("INSERT INTO tokens VALUES (?, ?, ?)", [_sha(token), user_id, expires])
    return token, expires


def token_user(store, token: str | None) -> dict | None:
    """The row (``USER_COLUMNS``) of the user a valid token belongs to, else None."""
    if not token:
        return None
    rows = store.con.execute(
        "SELECT u.username, u.role, u.region_id, u.park_id, u.firm_id FROM tokens t JOIN users u "
        "USING (user_id) WHERE t.token_sha256 = ? AND t.expires_at > now()", [_sha(token)]).fetchall()
    return dict(zip(USER_COLUMNS, rows[0])) if rows else None


def expire_token(store, token: str) -> None:
    store.con.execute("UPDATE tokens SET expires_at = now() WHERE token_sha256 = ?", [_sha(token)])


def record_login_failure(store, keys: list[str], at: float, forget_before: float) -> None:
    """A failed login counted under each of ``keys`` at ``at`` (seconds since 1970); failures
    older than ``forget_before`` are dropped on the way."""
    with store.transaction():
        store.con.execute("DELETE FROM login_failures WHERE failed_at < ?", [forget_before])
        for key in keys:
            store.con.execute("INSERT INTO login_failures VALUES (?, ?)", [key, at])


def login_failures(store, keys: list[str], since: float) -> dict[str, list[float]]:
    """The times of the failures counted under each of ``keys`` since ``since``, oldest first."""
    out: dict[str, list[float]] = {k: [] for k in keys}
    rows = store.con.execute(
        f"SELECT throttle_key, failed_at FROM login_failures WHERE throttle_key IN ({', '.join('?' * len(keys))}) "
        "AND failed_at >= ? ORDER BY failed_at", [*keys, since]).fetchall()
    for key, at in rows:
        out[key].append(float(at))
    return out


def clear_login_failures(store, key: str, at: float | None = None) -> None:
    """Forget the failures counted under ``key`` (only the one at ``at``, when given)."""
    if at is None:
        store.con.execute("DELETE FROM login_failures WHERE throttle_key = ?", [key])
    else:
        store.con.execute("DELETE FROM login_failures WHERE throttle_key = ? AND failed_at = ?", [key, at])


# the address of the request being answered (the service's middleware sets it): every audit
# line written while answering it names where the request came from
CLIENT: ContextVar[str | None] = ContextVar("client", default=None)


def audit(store, username: str, role: str, action: str, resource: str, detail: str = "") -> None:
    """One line of the audit log: who (name, role), did what (read/write/login), to what, and
    from which address when a request is being answered."""
    address = CLIENT.get()
    if address is not None and "from " not in detail:
        detail = f"{detail} [from {address}]".strip()
    store.con.execute("INSERT INTO audit_log (username, role, action, resource, detail) VALUES (?, ?, ?, ?, ?)",
                      [username, role, action, resource, detail])
