"""Both engines run the same tasks and return the results in the order given."""

import pytest

from clusteratlas.engines import run_tasks


def _scaled(shared, item):
    return shared["factor"] * item


def test_local_engine_keeps_the_order():
    assert run_tasks(_scaled, [3, 1, 2], {"factor": 10}) == [30, 10, 20]


def test_dask_engine_gives_what_the_local_one_gives():
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got = run_tasks(_scaled, list(range(20)), {"factor": 3}, engine="dask", client=client)
    assert got == run_tasks(_scaled, list(range(20)), {"factor": 3})


def test_unknown_engine_and_missing_client_are_refused():
    with pytest.raises(ValueError, match="engine must be one of"):
        run_tasks(_scaled, [1], {"factor": 1}, engine="spark")
    with pytest.raises(ValueError, match="client"):
        run_tasks(_scaled, [1], {"factor": 1}, engine="dask")
