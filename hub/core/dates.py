"""Dates and times given by people (CLI options, query strings): one reading everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_day_or_time(value: str) -> datetime:
    """Read `2026-01-31` or an ISO time as an aware datetime (UTC unless a zone is given).

    A plain date means midnight UTC of that day. Raises ValueError on anything else.
    """
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
