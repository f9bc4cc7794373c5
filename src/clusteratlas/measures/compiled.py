"""Compiled kernels (numba, ``cache=True``): each compiles once per machine and is kept in
numba's cache beside the module, so no later process compiles it again. The first call on a
machine says that it is compiling, and for how long about, through the ``clusteratlas``
logger; Python prints a warning of it on stderr when nothing else handles it."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("clusteratlas")
_told: set[str] = set()


def cached(kernel) -> bool | None:
    """Whether ``kernel`` has a compiled version in numba's cache (None: cannot tell)."""
    cache = getattr(kernel, "_cache", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return None if index is None else Path(index).exists()


def tell_if_compiling(kernel, what: str, seconds: str) -> None:
    """Say once per process, before the first call, that ``kernel`` will compile now."""
    name = getattr(kernel, "__name__", str(kernel))
    if name in _told or getattr(kernel, "signatures", None) or cached(kernel) is not False:
        return
    _told.add(name)
    log.warning("compiling the %s for this machine, once (about %s); later runs load it from "
                "numba's cache", what, seconds)
