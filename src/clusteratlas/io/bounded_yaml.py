"""YAML that a user or an office gives (a ruleset, a chain template), parsed safely and within
bounds: a limit on its size and on the values it expands to — 467 bytes of nested aliases
("billion laughs") expand to gigabytes when walked."""

from __future__ import annotations

import yaml


def bounded_yaml(text: str, what: str, max_bytes: int, max_nodes: int):
    """``text`` parsed by ``yaml.safe_load``; ValueError naming ``what`` when it is larger than
    ``max_bytes``, expands to more than ``max_nodes`` values, nests too deeply or is not YAML."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(f"{what} of {size:,} bytes; at most {max_bytes:,}")
    try:
        doc = yaml.safe_load(text)
    except RecursionError as e:
        raise ValueError("the YAML nests too deeply") from e
    except yaml.YAMLError as e:  # a syntax error: where, in the YAML's own words
        raise ValueError(f"not valid YAML: {e}") from e
    count, stack = 0, [doc]
    while stack:  # iterative: shared (aliased) values count each time they are reached
        v = stack.pop()
        count += 1
        if count > max_nodes:
            raise ValueError(f"the YAML expands to more than {max_nodes:,} values (nested "
                             "aliases?); write the values out")
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return doc


def identified_items(items: list, kind: str, id_pattern, shape: str):
    """(where, item, id) for each item of a YAML list whose items are mappings with an ``id``
    each, new and matching ``id_pattern``; ``where`` ("link 3 (pipes)") names the item in
    messages. ValueError saying which item is not such a mapping (``shape`` lists its keys)."""
    seen = set()
    for i, raw in enumerate(items, start=1):
        where = f"{kind} {i}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: a mapping with {shape}")
        item_id = str(raw.get("id", ""))
        where = f"{kind} {i} ({item_id})" if item_id else where
        if not id_pattern.match(item_id) or item_id in seen:
            raise ValueError(f"{where}: a new id of lower-case letters, digits and _")
        seen.add(item_id)
        yield where, raw, item_id

