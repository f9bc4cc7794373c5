"""Users, roles, tokens and the audit log of the service.

Roles and what they may see:

| role | firm-level data | aggregates |
|---|---|---|
| admin | all | as computed |
| analyst | firms of their region | as computed |
| park_manager | firms of their park | disclosure-controlled |
| firm | their own firm | disclosure-controlled |
| public | none | disclosure-controlled |

"Disclosure-controlled" views are built in ``api.published``.

Passwords are argon2id hashes (argon2-cffi); a login returns a random bearer token stored only
as its SHA-256, valid for ``TOKEN_HOURS``. Every write and every firm-level read goes to the
audit log with who, what and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

ROLES = ("admin", "analyst", "park_manager", "firm", "public")
TOKEN_HOURS = 8
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region_id: str | None = None
    park_id: str | None = None
    firm_id: str | None = None

    @property
    def sees_raw_aggregates(self) -> bool:
        return self.role in ("admin", "analyst")

    def sees_firm_sites_in(self, region_id: str) -> bool:
        """Whether this user may see where all the firms of a region sit (maps, cluster
        footprints): admins, and the region's own analysts."""
        return self.role == "admin" or (self.role == "analyst" and self.region_id == region_id)

    def may_see_firm(self, firm: dict) -> bool:
        """Whether this user may read the firm-level data of ``firm`` (a firms row)."""
        if self.role == "admin":
            return True
        if self.role == "analyst":
            return firm.get("region_id") == self.region_id
        if self.role == "park_manager":
            return self.park_id is not None and firm.get("park_id") == self.park_id
        if self.role == "firm":
            return firm.get("firm_id") == self.firm_id
        return False

    def firm_filter(self) -> tuple[str, list]:
        """A SQL condition on the firms table (alias f) selecting what this user may read."""
        if self.role == "admin":
            return "TRUE", []
        if self.role == "analyst":
            return "f.region_id = ?", [self.region_id]
        if self.role == "park_manager":
            return "f.park_id = ?", [self.park_id]
        if self.role == "firm":
            return "f.firm_id = ?", [self.firm_id]
        return "FALSE", []


PUBLIC = User("public", "public")


def add_user(store, username: str, password: str, role: str, region_id=None, park_id=None,
             firm_id=None) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    needs = {"analyst": region_id, "park_manager": park_id, "firm": firm_id}
    if role in needs and not needs[role]:
        raise ValueError(f"a {role} needs its {'region' if role == 'analyst' else role.split('_')[0]} id")
    store.con.execute("INSERT INTO users (username, password_hash, role, region_id, park_id, firm_id) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      [username, _hasher.hash(password), role, region_id, park_id, firm_id])
    audit(store, User("system", "admin"), "write", "users", f"added {username} as {role}")


def login(store, username: str, password: str) -> tuple[str, dt.datetime] | None:
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
    store.con.execute("INSERT INTO tokens VALUES (?, ?, ?)",
                      [hashlib.sha256(token.encode()).hexdigest(), user_id, expires])
    return token, expires


def user_for_token(store, token: str | None) -> User | None:
    if not token:
        return None
    rows = store.con.execute(
        "SELECT u.username, u.role, u.region_id, u.park_id, u.firm_id FROM tokens t JOIN users u "
        "USING (user_id) WHERE t.token_sha256 = ? AND t.expires_at > now()",
        [hashlib.sha256(token.encode()).hexdigest()]).fetchall()
    return User(*rows[0]) if rows else None


def expire_token(store, token: str) -> None:
    store.con.execute("UPDATE tokens SET expires_at = now() WHERE token_sha256 = ?",
                      [hashlib.sha256(token.encode()).hexdigest()])


def audit(store, user: User, action: str, resource: str, detail: str = "") -> None:
    store.con.execute("INSERT INTO audit_log (username, role, action, resource, detail) VALUES (?, ?, ?, ?, ?)",
                      [user.username, user.role, action, resource, detail])


def visible_needs(store, user: User):
    """The purchase needs of the firms ``user`` may see, with the buyers' names and sites; the
    read is audited."""
    from clusteratlas.analyses.matching import catalogue_from_store

    needs = catalogue_from_store(store).needs
    firms = store.table("firms").set_index("firm_id")
    allowed = [b for b in needs["buyer_id"] if b in firms.index and user.may_see_firm(
        {"firm_id": b, "region_id": firms.at[b, "region_id"], "park_id": firms.at[b, "park_id"]})]
    audit(store, user, "read", "purchase_needs", f"{len(allowed)} rows")
    return needs[needs["buyer_id"].isin(allowed)]


def visible_entities(store, user: User, entity_ids) -> set[str]:
    """Which of ``entity_ids`` (firms, projects, parks of incentive runs) ``user`` may see the
    award lines of: firms as ``may_see_firm``; projects and parks by their region or park for
    analysts and park managers; anything else, admins only."""
    ids = {str(i) for i in entity_ids}
    if user.role == "admin":
        return ids
    firms = store.table("firms").set_index("firm_id")
    out = {i for i in ids if i in firms.index and user.may_see_firm(
        {"firm_id": i, "region_id": firms.at[i, "region_id"], "park_id": firms.at[i, "park_id"]})}
    if user.role in ("analyst", "park_manager"):
        column, value = ("region_id", user.region_id) if user.role == "analyst" else ("park_id", user.park_id)
        projects = store.table("projects")
        out |= ids & set(projects.loc[projects[column] == value, "project_id"].astype(str))
        parks = store.table("parks")
        out |= ids & set(parks.loc[parks[column] == value, "park_id"].astype(str))
    return out
