"""The README stays true: its configuration table lists exactly the settings the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from hub.core.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def _table_variables() -> set[str]:
    rows = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `HUB_")
    ]
    return {re.match(r"\| `(HUB_[A-Z0-9_]+)`", row).group(1) for row in rows}  # type: ignore[union-attr]


def test_configuration_table_matches_the_settings() -> None:
    expected = {f"HUB_{name.upper()}" for name in Settings.model_fields}
    documented = _table_variables()
    assert sorted(expected - documented) == [], "settings missing from the README table"
    assert sorted(documented - expected) == [], "README documents settings that do not exist"


def test_one_install_and_one_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install -e '.[test]'" in text
    assert "\npython -m pytest\n" in text
    assert "hub demo" in text
    assert "hub serve" in text
