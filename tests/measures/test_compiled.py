"""Compiled kernels compile once per machine: a fresh cache says so on the first call, and a
process that finds the kernel cached says nothing and compiles nothing."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import logging, time
logging.basicConfig(level=logging.WARNING, format="%(message)s")
import numpy as np
from clusteratlas.measures.kdensity import _pair_histogram, _pair_histogram_chunks
x = np.random.default_rng(0).random(200)
t = time.perf_counter()
_pair_histogram(x, x, x, x, x, x, True, 0.01, 50, True)
print("compiled" if _pair_histogram_chunks.stats.cache_misses else "loaded", round(time.perf_counter() - t, 2))
"""


def test_the_first_call_on_a_machine_says_it_compiles_and_the_next_process_loads(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # a machine with nothing cached yet
    first = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("compiled") and "compiling the pair-distance kernel" in first.stderr
    second = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert second.stdout.startswith("loaded") and "compiling" not in second.stderr
