"""Users, roles, tokens and the audit log of the service.

Roles and what they may see:

| role | firm-level data | aggregates |
|---|---|---|
| admin | all | as computed |
| analyst | firms of their region | as computed |
| park_manager | firms of their park | disclosure-controlled |
| firm | their own firm | disclosure-controlled |
| public | none | disclosure-controlled |

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


def withheld_values(store, user: User, regions, year: int, month_to: int):
    """(region, industry, reason) of the regional values built from firm data that ``user``
    may not see (primary and complementary suppression); none for roles with firm rights."""
    import pandas as pd

    from clusteratlas.analyses.clusters import regional_disclosure

    if user.sees_raw_aggregates:
        return pd.DataFrame(columns=["region", "industry", "reason"])
    return regional_disclosure(store, list(regions), year, month_to)


def withhold(frame, withheld, columns, region: str | None = None):
    """``frame`` (with ``industry``, and ``region`` unless one ``region`` is given) with
    ``columns`` blanked where the value is withheld, and a ``suppressed`` column saying why.
    An LQ, RCA or share blanked with the value: each gives the value back with the totals."""
    import numpy as np

    out = frame.copy()
    keys = dict(zip(zip(withheld["region"], withheld["industry"]), withheld["reason"]))
    regions = out["region"] if region is None else [region] * len(out)
    why = [keys.get((r, i), "") for r, i in zip(regions, out["industry"])]
    out["suppressed"] = why
    hide = out["suppressed"] != ""
    out.loc[hide, [c for c in columns if c in out]] = np.nan
    return out


def withhold_lq_map(frame, withheld):
    """``withhold`` for an LQ map of one industry: every region's LQ divides by the industry's
    total over all the regions, so with one region's value withheld, any other region's LQ
    (its own value being published) would give that total, and the withheld value, back. All
    LQs of the industry are then withheld, the others as complementary."""
    import numpy as np

    out = withhold(frame, withheld, ["lq", "value"])
    if (out["suppressed"] != "").any():
        out.loc[out["suppressed"] == "", "suppressed"] = "complementary"
        out["lq"] = np.nan
    return out


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


def withhold_chain(store, user: User, region: str, year: int, table, graph, gaps):
    """The value chain map and gap list as ``user`` may see them: a sector's output and LQ are
    the region's firms' output summed by input-output sector, so sectors withheld under the
    region's published total are blanked, with their local purchases and leakage (which the
    regionalised table computes from those outputs); the clusters' purchases are the focal
    sector's output times coefficients, so a withheld focal sector blanks them all."""
    import numpy as np

    from clusteratlas.analyses.clusters import regional_disclosure
    from clusteratlas.analyses.disclosure import COMPLEMENTARY
    from clusteratlas.analyses.valuechain import division_to_sector

    if user.sees_raw_aggregates:
        return graph, gaps.assign(suppressed="")
    grouping = division_to_sector(table.sectors)
    w = regional_disclosure(store, [region], year, 12, grouping=grouping)
    hidden = dict(zip(w["industry"], w["reason"]))
    # divisions are published too (the overview): a sector's total would give a withheld
    # division back as the total minus its published siblings, so it goes with it
    for division in regional_disclosure(store, [region], year, 12)["industry"]:
        if division in grouping:
            hidden.setdefault(grouping[division], COMPLEMENTARY)
    graph = graph.copy()
    for node, data in graph.nodes(data=True):
        if node in hidden:
            data.update(output=np.nan, lq=np.nan, suppressed=hidden[node])
    gaps = gaps.assign(suppressed=gaps["sector"].map(hidden).fillna("")) if len(gaps) else gaps
    if len(gaps):
        gaps.loc[gaps["suppressed"] != "", ["local_purchases", "leakage", "local_share_pct", "lq"]] = np.nan
        if graph.graph["focal"] in hidden:
            gaps[["purchases", "local_purchases", "leakage", "local_share_pct"]] = np.nan
    return graph, gaps


def public_overview(s, ov):
    """The overview (``analyses.overview.Overview``) as published to roles without firm rights:
    its industry and park parts under primary and complementary suppression (the parts sum to
    the published total), no growth on a part that was withheld last year, and the output in
    parks withheld when the part outside the parks is (it is the total minus that output)."""
    import dataclasses

    import numpy as np

    from clusteratlas.analyses.disclosure import COMPLEMENTARY, breakdown_reasons, suppress_breakdown
    from clusteratlas.analyses.overview import OUTSIDE_PARKS
    from clusteratlas.classify import GBT4754

    ind, park, totals = ov.by_industry.copy(), ov.by_park.copy(), ov.totals.copy()
    for frame in (ind, park):
        # the parts sum to the published total: a second part is hidden with each one
        why = suppress_breakdown(frame["output"].fillna(0.0), frame["firms"],
                                 frame["top_firm_share"].fillna(0.0))
        frame["disclosure"] = np.where(why.to_numpy() == COMPLEMENTARY, COMPLEMENTARY,
                                       frame["disclosure"])
        hide = frame["disclosure"] != ""
        frame.loc[hide, ["output", "value_added", "tax_paid", "exports", "output_per_mu",
                         "share_pct", "growth_pct", "top_firm_share"]] = np.nan
    # growth on a part withheld last year would give last year's value back
    before = s.sql("SELECT f.industry_code, coalesce(f.park_id, ?) AS park_id, fy.output "
                   "FROM firm_years fy JOIN firms f USING (firm_id) WHERE f.region_id = ? "
                   "AND fy.year = ? AND fy.month_to = ? AND fy.above_scale AND fy.output "
                   "IS NOT NULL", [OUTSIDE_PARKS, ov.region_id, ov.year - 1, ov.month_to])
    if not before.empty:
        before["division"] = before["industry_code"].map(GBT4754.division_of)
        for frame, key in ((ind, "division"), (park, "park_id")):
            why = breakdown_reasons(before, key, "output")
            frame.loc[frame[key].isin(why.index[why != ""]), "growth_pct"] = np.nan
    outside = park[park["park_id"] == OUTSIDE_PARKS]
    if len(outside) and outside["output"].isna().any():
        parks_rows = totals["indicator"].isin(["output_in_parks", "park_share_of_output_pct"])
        totals.loc[parks_rows, ["value", "previous", "growth_pct"]] = np.nan
    return dataclasses.replace(ov, by_industry=ind, by_park=park, totals=totals)


def withhold_targets(progress, public_ov):
    """Target progress (``analyses.targets.target_progress``) as published: no firm-scope targets,
    and no actual figures (nor what is computed from them) of an industry or park whose part of
    the published total is withheld in ``public_ov`` (from ``public_overview``)."""
    import numpy as np

    t = progress[progress["scope"] != "firm"].copy()
    if public_ov is None:
        return t
    ind, park = public_ov.by_industry, public_ov.by_park
    hidden = {("industry", d) for d in ind.loc[ind["disclosure"] != "", "division"]}
    hidden |= {("park", p) for p in park.loc[park["disclosure"] != "", "park_id"]}
    rows = [(scope, str(i)) in hidden for scope, i in zip(t["scope"], t["scope_id"])]
    t.loc[rows, ["actual", "share_of_target_pct", "pace", "projection", "growth_so_far_pct",
                 "required_growth_pct"]] = np.nan
    return t
