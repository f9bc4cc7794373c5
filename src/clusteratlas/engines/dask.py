"""The Dask engine: items as tasks on a dask.distributed cluster; the shared data are sent to
every worker once (scatter with broadcast), not once per task."""

from __future__ import annotations


def run_dask(fn, items, shared, client=None, progress: bool = False) -> list:
    if client is None:
        raise ValueError("engine='dask' needs a dask.distributed client")
    data = client.scatter(shared, broadcast=True)
    futures = [client.submit(fn, data, item, pure=False) for item in items]
    if progress:
        from distributed import progress as show_progress

        show_progress(futures)
    return client.gather(futures)
