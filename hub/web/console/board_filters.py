"""The board pages' filters from a query string: dates (plain or ISO), network, page cursor.

Parsed defensively: a bad value becomes a message beside its field and the default is used,
so a hand-edited URL never raises anything but a readable page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from hub.core.dates import parse_day_or_time
from hub.core.ids import is_uuid
from referrals.analytics.dimensions import Dimension
from referrals.analytics.report import MAX_RANGE_DAYS, ReportQuery

DEFAULT_DAYS = 365
MAX_PARAM = 64


@dataclass(frozen=True, slots=True)
class BoardFilters:
    """A date range of sending [start, end) and an optional network; errors per field."""

    start: datetime
    end: datetime
    network_id: str | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def from_text(self) -> str:
        """The start as a plain date for the form."""
        return self.start.date().isoformat()

    @property
    def to_text(self) -> str:
        """The last day included, as a plain date for the form (the range ends the day after)."""
        return (self.end - timedelta(days=1)).date().isoformat()

    def query(self, *group_by: Dimension) -> ReportQuery:
        """The domain query for these filters."""
        return ReportQuery(
            start=self.start, end=self.end, group_by=group_by, network_id=self.network_id
        )

    def params(self, **extra: str) -> str:
        """The query string that reproduces these filters (for links and CSV downloads)."""
        values = {"from": self.from_text, "to": self.to_text}
        if self.network_id:
            values["network"] = self.network_id
        values.update({k: v for k, v in extra.items() if v})
        return urlencode(values)


def _day(text: str) -> datetime:
    parsed = parse_day_or_time(text)
    return parsed.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def read_filters(params: QueryParams, now: datetime, gettext: Callable[[str], str]) -> BoardFilters:
    """Filters from `from`, `to` (plain dates, `to` included) and `network`, with defaults."""
    errors: dict[str, str] = {}
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = today + timedelta(days=1)
    start = end - timedelta(days=DEFAULT_DAYS)
    given_to = (params.get("to") or "").strip()[:MAX_PARAM]
    given_from = (params.get("from") or "").strip()[:MAX_PARAM]
    if given_to:
        try:
            end = _day(given_to) + timedelta(days=1)
        except ValueError:
            errors["to"] = gettext("Give a date like 2026-01-31.")
    if given_from:
        try:
            start = _day(given_from)
        except ValueError:
            errors["from"] = gettext("Give a date like 2026-01-31.")
    elif given_to and "to" not in errors:
        start = end - timedelta(days=DEFAULT_DAYS)
    if "from" not in errors and "to" not in errors:
        if end <= start:
            errors["to"] = gettext("The last day must be on or after the first day.")
        elif (end - start).days > MAX_RANGE_DAYS:
            errors["to"] = gettext("Ask for at most ten years.")
    if errors:
        end = today + timedelta(days=1)
        start = end - timedelta(days=DEFAULT_DAYS)
    network = (params.get("network") or "").strip().lower()[:MAX_PARAM] or None
    if network is not None and not is_uuid(network):
        errors["network"] = gettext("Choose a network from the list.")
        network = None
    return BoardFilters(start=start, end=end, network_id=network, errors=errors)
