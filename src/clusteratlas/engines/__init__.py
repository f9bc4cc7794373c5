"""Execution engines: the same per-item computation run in this process or on a Dask cluster.

``run_tasks(fn, items, shared, engine=…)`` calls ``fn(shared, item)`` for every item and returns
the results in the order of ``items``; a measure exposes the choice as its ``engine=`` parameter,
never as a different function (DESIGN.md, "Execution engines").
"""

from clusteratlas.engines.dask import run_dask
from clusteratlas.engines.local import run_local

ENGINES = ("local", "dask")


def run_tasks(fn, items, shared, engine: str = "local", client=None, progress: bool = False,
              description: str = "working"):
    if engine == "local":
        return run_local(fn, items, shared, progress=progress, description=description)
    if engine == "dask":
        return run_dask(fn, items, shared, client=client, progress=progress)
    raise ValueError(f"engine must be one of {ENGINES}")


__all__ = ["ENGINES", "run_tasks"]
