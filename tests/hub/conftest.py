"""Fixtures shared by the core tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub.core import sqlite_driver


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the jobs queued on any SQLite driver connection's thread, in order."""
    queued: list[str] = []
    original: Callable[..., Any] = sqlite_driver.Connection._execute

    def counting(
        self: sqlite_driver.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        queued.append(getattr(fn, "__name__", repr(fn)))
        return original(self, fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver.Connection, "_execute", counting)
    return queued
