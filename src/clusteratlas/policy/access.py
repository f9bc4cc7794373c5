"""Roles, their scopes, and what each may see.

| role | firm-level data | aggregates |
|---|---|---|
| admin | all | as computed |
| analyst | firms of their region | as computed |
| park_manager | firms of their park | disclosure-controlled |
| firm | their own firm | disclosure-controlled |
| public | none | disclosure-controlled |

"Disclosure-controlled" views are :mod:`clusteratlas.policy.published`. Every right is a role and
a scope (a region, a park, a firm); the functions here decide on frames and never read the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ROLES = ("admin", "analyst", "park_manager", "firm", "public")
SIGNED_IN = ("admin", "analyst", "park_manager", "firm")
UPLOADERS = ("admin", "analyst")
PIPELINE_READERS = ("admin", "analyst", "park_manager")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region_id: str | None = None
    park_id: str | None = None
    firm_id: str | None = None

    def sees_raw_aggregates_of(self, region_id: str | None) -> bool:
        """Whether this user may see aggregates of ``region_id``'s firm data as computed (not
        disclosure-controlled): admins, and the analysts of that region — an analyst of another
        region is, for this region, the public."""
        return self.role == "admin" or (self.role == "analyst" and region_id is not None
                                        and self.region_id == region_id)

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

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token(session_token: str) -> str:
    """The anti-forgery token of a dashboard session: derived from the session's (http-only)
    cookie, so a page of another site, which cannot read the cookie, cannot compute it, and the
    server keeps no state for it."""
    import hashlib

    return hashlib.sha256(b"clusteratlas-csrf:" + session_token.encode()).hexdigest()


def cookie_request_allowed(method: str, session_token: str, sent: str | None) -> bool:
    """A request authenticated by the dashboard's cookie may change state only with the
    session's anti-forgery token (header X-CSRF-Token or form field csrf); bearer-token
    requests carry no ambient credential and need none."""
    import hmac

    return method.upper() in SAFE_METHODS or (sent is not None and hmac.compare_digest(
        sent, csrf_token(session_token)))


def check_new_user(role: str, password: str, region_id=None, park_id=None, firm_id=None) -> None:
    """ValueError unless the role exists, the password is long enough and the role's scope is
    given (an analyst's region, a park manager's park, a firm user's firm)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    needs = {"analyst": region_id, "park_manager": park_id, "firm": firm_id}
    if role in needs and not needs[role]:
        raise ValueError(f"a {role} needs its {'region' if role == 'analyst' else role.split('_')[0]} id")


def user_from_row(row: dict | None) -> User | None:
    return None if row is None else User(**row)


def _visible_firms(firms: pd.DataFrame, user: User, ids) -> set[str]:
    f = firms.set_index("firm_id")
    return {i for i in ids if i in f.index and user.may_see_firm(
        {"firm_id": i, "region_id": f.at[i, "region_id"], "park_id": f.at[i, "park_id"]})}


def visible_needs(needs: pd.DataFrame, firms: pd.DataFrame, user: User) -> pd.DataFrame:
    """The purchase needs (a catalogue's ``needs``) of the firms ``user`` may see."""
    allowed = _visible_firms(firms, user, needs["buyer_id"].unique())
    return needs[needs["buyer_id"].isin(allowed)]


def visible_entities(entity_ids, firms: pd.DataFrame, projects: pd.DataFrame, parks: pd.DataFrame,
                     user: User) -> set[str]:
    """Which of ``entity_ids`` (firms, projects, parks of incentive runs) ``user`` may see the
    award lines of: firms as ``may_see_firm``; projects and parks by their region or park for
    analysts and park managers; anything else, admins only."""
    ids = {str(i) for i in entity_ids}
    if user.role == "admin":
        return ids
    out = _visible_firms(firms, user, ids)
    if user.role in ("analyst", "park_manager"):
        column, value = ("region_id", user.region_id) if user.role == "analyst" else ("park_id", user.park_id)
        out |= ids & set(projects.loc[projects[column] == value, "project_id"].astype(str))
        out |= ids & set(parks.loc[parks[column] == value, "park_id"].astype(str))
    return out


def may_claim(user: User, entity_id: str, firms: pd.DataFrame, projects: pd.DataFrame,
              parks: pd.DataFrame) -> bool:
    """申报: whether ``user`` may open a claim for ``entity_id``'s award — a firm for itself, a
    park manager for their park and its firms, an analyst in their region, an admin for any."""
    return str(entity_id) in visible_entities([entity_id], firms, projects, parks, user)


def may_decide_claims(user: User, region_id: str | None) -> bool:
    """审核 / 兑现: approving, rejecting, paying and reversing claims is the office's — admins
    and the region's own analysts; a firm never decides its own claim."""
    return user.role == "admin" or (user.role == "analyst" and region_id is not None and user.region_id == region_id)


def may_run_chain(user: User, region_id: str | None) -> bool:
    """The chain office's work (链长制): a chain's ledger (firm by firm, with their purchases),
    its tasks and its roles are the region's — admins and the region's own analysts read and
    change them; nobody else sees them."""
    return user.sees_raw_aggregates_of(region_id)


def visible_alerts(alerts: pd.DataFrame, user: User) -> pd.DataFrame:
    """The early warnings a user may see: every one for admins; a region's for its analysts; a
    park manager those of their park and of its firms. Firms and the public see none: a warning
    about a firm's output is the office's, not a publication."""
    if user.role == "admin":
        return alerts
    if user.role == "analyst" and user.region_id:
        return alerts[alerts["region_id"] == user.region_id]
    if user.role == "park_manager" and user.park_id:
        return alerts[alerts["scope"].isin(("park", "firm")) & (alerts["park_id"] == user.park_id)]
    return alerts.iloc[0:0]


def visible_requests(requests: pd.DataFrame, user: User) -> pd.DataFrame:
    """The services desk's requests a user may see: a firm its own; a park manager those of their
    park's firms; a region's analysts the region's; admins all; the public none."""
    if user.role == "admin":
        return requests
    if user.role == "analyst" and user.region_id:
        return requests[requests["region_id"] == user.region_id]
    if user.role == "park_manager" and user.park_id:
        return requests[requests["park_id"] == user.park_id]
    if user.role == "firm" and user.firm_id:
        return requests[requests["firm_id"] == user.firm_id]
    return requests.iloc[0:0]


def may_answer_request(user: User, request: dict) -> bool:
    """Answering a firm's request is the office's: admins, the region's analysts, the manager of
    the firm's park."""
    return (user.role == "admin" or (user.role == "analyst" and user.region_id == request.get("region_id"))
            or (user.role == "park_manager" and user.park_id is not None and user.park_id == request.get("park_id")))


def visible_projects(projects: pd.DataFrame, user: User) -> pd.DataFrame:
    """The investment projects a pipeline reader may see: a park manager's park, an analyst's
    region, all for admins."""
    if user.role == "park_manager":
        return projects[projects["park_id"] == user.park_id]
    if user.role == "analyst":
        return projects[projects["region_id"] == user.region_id]
    return projects if user.role == "admin" else projects.iloc[0:0]
