"""Reference data read in place from `../shared/reference` (files whose licence forbids a copy).

Most public corpora are copied into tests/data (see tests/data/README.md). The few read from the
`shared/` folder beside the repository skip their tests when it is absent on a developer's
machine, and fail them under CI=true, where a silent skip would hide a missing checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def require_reference(path: Path) -> None:
    """Skip the calling test module when `path` is missing; under CI=true, fail instead."""
    if path.exists():
        return
    message = f"reference data not found at {path} (a copy of shared/ beside the repository)"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)
