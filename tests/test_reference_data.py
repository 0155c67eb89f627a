"""Reference data read from ../shared: skipped on a developer's machine, a failure in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference_data import require_reference


def test_missing_reference_data_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="reference data not found"):
        require_reference(tmp_path / "absent.csv")


def test_missing_reference_data_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared/ beside the repository"):
        require_reference(tmp_path / "absent.csv")


def test_present_reference_data_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    present = tmp_path / "sample.csv"
    present.write_text("a,b\n", encoding="utf-8")
    require_reference(present)  # neither fails nor skips
