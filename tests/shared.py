"""Where the shared public data and reference outputs are.

``CLUSTERATLAS_SHARED`` names the folder; without it, ``../shared`` beside the checkout. Tests
that read it skip, saying why, where it is absent — except where ``CLUSTERATLAS_REQUIRE_SHARED``
is set (``.ci/run`` sets it): there a reference test that cannot run is a failure, not a skip.
"""

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("CLUSTERATLAS_SHARED")
              or Path(__file__).resolve().parents[1].parent / "shared")
REQUIRED = os.environ.get("CLUSTERATLAS_REQUIRE_SHARED", "") not in ("", "0")


def shared_file(relative: str) -> Path:
    """The path of a file in the shared folder, or skip (fail, where it is required) saying why."""
    path = SHARED / relative
    if not path.exists():
        why = (f"{path} is absent: the shared data and reference outputs are not at "
               f"{SHARED} (set CLUSTERATLAS_SHARED to their folder)")
        if REQUIRED:
            pytest.fail(why + "; CLUSTERATLAS_REQUIRE_SHARED is set, so this is a failure", pytrace=False)
        pytest.skip(why)
    return path
