"""Matching leading firms' purchase needs with local suppliers (配套对接), and the outcomes.

Each need is scored against each supplier on five criteria, each in [0, 1], combined with
weights (default category 0.30, text 0.30, distance 0.15, capacity 0.15, certifications 0.10):

- category: how close the supplier's GB/T 4754 codes are to the need's — same class (4 digits)
  1, group (3) 0.8, division (2) 0.6, section 0.3, else 0;
- text: cosine similarity of TF-IDF vectors of the need (product, process, specification) and
  the supplier (products, processes), words cut by jieba for Chinese and by spaces for other
  scripts (scikit-learn's TfidfVectorizer; jieba's dictionary ships with it, nothing is
  downloaded);
- distance: 1 − d / radius inside the need's delivery radius (great-circle km), 0 beyond; 0.5 when
  either site is unknown;
- capacity: the supplier's spare capacity over the need's annual value, capped at 1;
- certifications: the share of the required certifications the supplier holds (1 if none asked).

The breakdown is returned with every candidate so the reason is visible. Contracts recorded as
outcomes flow into ``supply_links``, so the local supporting rate and local-purchasing awards
follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754
from clusteratlas.faces import translator

WEIGHTS = {"category": 0.30, "text": 0.30, "distance": 0.15, "capacity": 0.15, "certifications": 0.10}
_SPLIT = re.compile(r"[;；,，、/]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def tokenize(text: str) -> list[str]:
    """Words of a Chinese or English text: jieba for runs of CJK, lower-cased words otherwise."""
    import jieba

    out = []
    for part in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9][A-Za-z0-9\-\.]*", str(text)):
        if _CJK.match(part):
            out.extend(w for w in jieba.lcut(part, HMM=False) if w.strip())
        else:
            out.append(part.lower())
    return out


def _items(v) -> list[str]:
    return [x.strip() for x in _SPLIT.split(str(v)) if x.strip()] if isinstance(v, str) else []


def category_fit(need_code, supplier_codes: list[str]) -> float:
    if not isinstance(need_code, str) or not need_code or not supplier_codes:
        return 0.0
    best = 0.0
    for code in supplier_codes:
        if code == need_code:
            return 1.0
        common = 0
        while common < min(len(code), len(need_code)) and code[common] == need_code[common]:
            common += 1
        if common >= 3:
            best = max(best, 0.8)
        elif common >= 2:
            best = max(best, 0.6)
        elif GBT4754.section_of(code) and GBT4754.section_of(code) == GBT4754.section_of(need_code):
            best = max(best, 0.3)
    return best


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km on a sphere of radius 6,371 km."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass(frozen=True)
class Catalogue:
    needs: pd.DataFrame  # need_id, buyer_id, product, …, lon, lat (of the buyer)
    suppliers: pd.DataFrame  # supplier_id, name, products, …, lon, lat, park_id, region_id


def catalogue(firms: pd.DataFrame, needs: pd.DataFrame, profiles: pd.DataFrame,
              region_id: str | None = None) -> Catalogue:
    """The needs with their buyers' names and sites, and the supplier profiles with theirs (the
    store's firms, purchase_needs and supplier_profiles); suppliers of ``region_id`` only when
    given."""
    firms = firms[["firm_id", "name", "lon", "lat", "park_id", "region_id"]]
    needs = needs.merge(firms.rename(columns={"firm_id": "buyer_id", "name": "buyer_name"}),
                        on="buyer_id", how="left")
    sup = profiles.merge(firms.rename(columns={"firm_id": "supplier_id"}), on="supplier_id", how="left")
    if region_id is not None:
        sup = sup[sup["region_id"] == region_id]
    return Catalogue(needs.reset_index(drop=True), sup.reset_index(drop=True))


def match(needs: pd.DataFrame, suppliers: pd.DataFrame, top_k: int = 5,
          weights: dict | None = None, exclude_own: bool = True, chunk: int = 200) -> pd.DataFrame:
    """The ``top_k`` suppliers for every need, with the score of every criterion and a reason."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    w = dict(WEIGHTS, **(weights or {}))
    total_w = sum(w.values())
    need_text = (needs["product"].fillna("") + " " + needs.get("process", pd.Series("", index=needs.index)).fillna("")
                 + " " + needs.get("specification", pd.Series("", index=needs.index)).fillna(""))
    sup_text = (suppliers["products"].fillna("") + " "
                + suppliers.get("processes", pd.Series("", index=suppliers.index)).fillna(""))
    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True)
    both = vec.fit_transform(pd.concat([need_text, sup_text]))  # each text is cut once
    N, S = both[:len(needs)], both[len(needs):]  # rows are L2-normalised
    # category fit depends only on the pair (need code, supplier's code list): compute it for the
    # distinct lists once and look it up
    sup_cat = suppliers.get("categories", pd.Series("", index=suppliers.index)).fillna("").astype(str)
    cat_ids, cat_lists = pd.factorize(sup_cat)
    cat_lists = [_items(c) for c in cat_lists]
    # certifications as a binary supplier × certificate matrix, so a need's share met is one product
    sup_cert_lists = [_items(c) for c in suppliers.get("certifications", pd.Series("", index=suppliers.index))]
    cert_vocab = {c: k for k, c in enumerate(sorted({c for cs in sup_cert_lists for c in cs}))}
    held = np.zeros((len(suppliers), max(len(cert_vocab), 1)), dtype=np.float32)
    for i, cs in enumerate(sup_cert_lists):
        for c in cs:
            held[i, cert_vocab[c]] = 1.0
    s_lon = suppliers["lon"].to_numpy(float) if "lon" in suppliers else np.full(len(suppliers), np.nan)
    s_lat = suppliers["lat"].to_numpy(float) if "lat" in suppliers else np.full(len(suppliers), np.nan)
    capacity = suppliers.get("capacity_value", pd.Series(np.nan, index=suppliers.index)).to_numpy(float)
    # category fit depends only on the pair of codes: compute it once per distinct need code
    code_cache: dict = {}
    rows = []
    for start in range(0, len(needs), chunk):
        block = needs.iloc[start:start + chunk]
        text = (N[start:start + chunk] @ S.T).toarray()
        n_lon = block["lon"].to_numpy(float)[:, None] if "lon" in block else np.full((len(block), 1), np.nan)
        n_lat = block["lat"].to_numpy(float)[:, None] if "lat" in block else np.full((len(block), 1), np.nan)
        d = haversine_km(n_lon, n_lat, s_lon[None, :], s_lat[None, :])
        radius = block.get("delivery_radius_km", pd.Series(np.nan, index=block.index)).to_numpy(float)[:, None]
        radius = np.where(np.isnan(radius), 100.0, radius)
        dist = np.where(np.isnan(d), 0.5, np.clip(1 - d / radius, 0, 1))
        value = block.get("annual_value", pd.Series(np.nan, index=block.index)).to_numpy(float)[:, None]
        cap = np.where(np.isnan(value) | np.isnan(capacity[None, :]), 0.5,
                       np.clip(capacity[None, :] / np.where(value > 0, value, 1), 0, 1))
        cat = np.zeros_like(text)
        cert = np.ones_like(text)
        for k, (_, need) in enumerate(block.iterrows()):
            code = need.get("category")
            if code not in code_cache:
                code_cache[code] = np.array([category_fit(code, c) for c in cat_lists])[cat_ids]
            cat[k] = code_cache[code]
            required = set(_items(need.get("certifications")))
            if required:
                want = np.zeros(held.shape[1], dtype=np.float32)
                for c in required:
                    if c in cert_vocab:
                        want[cert_vocab[c]] = 1.0
                cert[k] = (held @ want) / len(required)
        score = (w["category"] * cat + w["text"] * text + w["distance"] * dist
                 + w["capacity"] * cap + w["certifications"] * cert) / total_w
        if exclude_own and "supplier_id" in suppliers:
            own = block["buyer_id"].to_numpy()[:, None] == suppliers["supplier_id"].to_numpy()[None, :]
            score = np.where(own, -np.inf, score)
        k_eff = min(top_k, score.shape[1])
        best = np.argpartition(-score, k_eff - 1, axis=1)[:, :k_eff]
        for k in range(len(block)):
            order = best[k][np.argsort(-score[k, best[k]])]
            for rank, j in enumerate(order, start=1):
                if not np.isfinite(score[k, j]):
                    continue
                rows.append({"need_id": block.iloc[k]["need_id"], "rank": rank,
                             "supplier_id": suppliers.iloc[j]["supplier_id"],
                             "supplier_name": suppliers.iloc[j].get("name"),
                             "score": float(score[k, j]), "category": float(cat[k, j]),
                             "text": float(text[k, j]), "distance": float(dist[k, j]),
                             "distance_km": float(d[k, j]), "capacity": float(cap[k, j]),
                             "certifications": float(cert[k, j])})
    out = pd.DataFrame(rows)
    if not out.empty:
        for lang, col in (("en", "reason"), ("zh", "reason_zh")):
            out[col] = [_reason(r, lang) for r in out.itertuples()]
    return out


def match_needs_for_supplier(needs: pd.DataFrame, suppliers: pd.DataFrame, supplier_id: str,
                             top_k: int = 10, weights: dict | None = None) -> pd.DataFrame:
    """The reverse direction: which needs suit one supplier best."""
    res = match(needs, suppliers, top_k=len(suppliers), weights=weights)
    mine = res[res["supplier_id"] == supplier_id].sort_values("score", ascending=False).head(top_k)
    return mine.drop(columns="rank").reset_index(drop=True)


def contracts_to_supply_links(outcomes: pd.DataFrame, needs: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Supply-link rows for the outcomes that reached a contract: buyer, supplier, year, amount
    (the contract's annual value), product — ready to import into ``supply_links``."""
    c = outcomes[(outcomes["stage"] == "contract") & outcomes["contract_value"].notna()]
    c = c.merge(needs[["need_id", "buyer_id", "product"]], on="need_id", how="left")
    names = firms.set_index("firm_id")["name"]
    regions = firms.set_index("firm_id")["region_id"]
    year = pd.to_datetime(c["date"]).dt.year
    links = pd.DataFrame({"采购企业代码": c["buyer_id"], "供应商代码": c["supplier_id"],
                          "供应商名称": c["supplier_id"].map(names),
                          "供应商地区代码": c["supplier_id"].map(regions),
                          "年份": year.astype("Int64"), "采购金额(元)": c["contract_value"],
                          "采购产品": c["product"]})
    # several contracts for one product with one supplier in a year are one supply link
    keys = ["采购企业代码", "供应商代码", "供应商名称", "供应商地区代码", "年份", "采购产品"]
    return links.groupby(keys, as_index=False, dropna=False)["采购金额(元)"].sum()


def _reason(r, lang: str) -> str:
    """A candidate's scores in words, in ``lang``."""
    _ = translator(lang)
    where = (_("{km} km away", km=format(r.distance_km, ".0f")) if np.isfinite(r.distance_km) else _("distance unknown"))
    return _("category {category}, text {text}, {where}, capacity {capacity}, certifications {certifications}",
             category=format(r.category, ".1f"), text=format(r.text, ".2f"), where=where, capacity=format(r.capacity, ".2f"),
             certifications=format(r.certifications, ".2f"))
