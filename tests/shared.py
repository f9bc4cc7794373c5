"""Where the shared public data and reference outputs are (``../shared`` beside the checkout)."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_file(relative: str) -> Path:
    """The path of a file in ../shared, or skip the test saying why."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data and reference outputs are not beside "
                    "this checkout (CI has them)")
    return path
