"""The local engine: items one after another in this process (each measure parallelises its own
inner loop — numba threads, BLAS — over the cores)."""

from __future__ import annotations


def run_local(fn, items, shared, progress: bool = False, description: str = "working") -> list:
    items = list(items)
    if progress:
        from rich.progress import track

        items = track(items, description=description)
    return [fn(shared, item) for item in items]
