"""Time source injected into domain functions so tests can fix the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is told to be (tests, demo generation)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.at = at

    def now(self) -> datetime:
        """Return the fixed time."""
        return self.at


def utcnow() -> datetime:
    """Return the current time in UTC (for model defaults)."""
    return datetime.now(UTC)
