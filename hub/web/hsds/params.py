"""Strict parsing of the facade's query parameters: every mistake is a typed 400, never a guess."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TypeVar

from dateutil import parser as date_parser
from starlette.datastructures import QueryParams

from hub.core.errors import ErrorCode, FieldError, ValidationFailed
from importers import hsds_read as read

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
# A free-text filter longer than any real name or phrase is a mistake (or an attack on LIKE).
MAX_TEXT_LENGTH = 200
# Ids, postcodes and codes are short; a longer value cannot match anything we store.
MAX_ID_LENGTH = 100
FORMATS = ("json", "ndjson")
_TRUE, _FALSE = "true", "false"
Number = TypeVar("Number", int, float)


class Params:
    """The query string of one request, read strictly; errors collect until `check()`."""

    def __init__(self, params: QueryParams) -> None:
        self._params = params
        self.errors: list[FieldError] = [
            FieldError(name, ErrorCode.DUPLICATE, "is given more than once.")
            for name, count in Counter(k for k, _ in params.multi_items()).items()
            if count > 1
        ]

    def _raw(self, name: str) -> str | None:
        value = self._params.get(name)
        return None if value is None or value == "" else value

    def _typed(self, name: str) -> str | None:
        """The value of a typed parameter; `name=` with nothing is a mistake, not an absence."""
        value = self._params.get(name)
        if value == "":
            self._fail(name, ErrorCode.INVALID, "is empty.")
            return None
        return value

    def _fail(self, name: str, code: ErrorCode, message: str) -> None:
        self.errors.append(FieldError(name, code, message))

    def text(self, name: str, limit: int = MAX_ID_LENGTH) -> str | None:
        """A string parameter of at most `limit` characters."""
        value = self._raw(name)
        if value is not None and len(value) > limit:
            self._fail(name, ErrorCode.TOO_LONG, f"must be at most {limit} characters.")
            return None
        return value

    def flag(self, name: str) -> bool:
        """A boolean: exactly `true` or `false` (as OpenAPI serializes them)."""
        value = self._typed(name)
        if value is None or value == _FALSE:
            return False
        if value == _TRUE:
            return True
        self._fail(name, ErrorCode.INVALID, "must be true or false.")
        return False

    def number(self, name: str, kind: type[Number], low: float, high: float) -> Number | None:
        """An int or float within [low, high]."""
        raw = self._typed(name)
        if raw is None:
            return None
        try:
            value = kind(raw)
        except ValueError:
            self._fail(name, ErrorCode.INVALID, "is not a number.")
            return None
        if not low <= value <= high:  # NaN fails this too
            self._fail(name, ErrorCode.OUT_OF_RANGE, f"must be between {low:g} and {high:g}.")
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        """One of a fixed set of values."""
        value = self._typed(name)
        if value is not None and value not in allowed:
            self._fail(name, ErrorCode.INVALID_CHOICE, f"must be one of {', '.join(allowed)}.")
            return None
        return value

    def timestamp(self, name: str) -> datetime | None:
        """An ISO 8601 date or date-time; without a zone it is UTC."""
        raw = self._typed(name)
        if raw is None:
            return None
        try:
            parsed = date_parser.isoparse(raw)
        except (ValueError, OverflowError):
            self._fail(name, ErrorCode.INVALID, "is not an ISO 8601 date-time.")
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def check(self) -> None:
        """Raise every problem found so far as one ValidationFailed."""
        if self.errors:
            raise ValidationFailed(self.errors)


def list_query(params: Params) -> read.Query:
    """The shared filters of the list endpoints (raises after reading every parameter)."""
    query = read.Query(
        search=params.text("search", MAX_TEXT_LENGTH),
        taxonomy_term_id=params.text("taxonomy_term_id"),
        taxonomy_id=params.text("taxonomy_id"),
        organization_id=params.text("organization_id"),
        modified_after=params.timestamp("modified_after"),
        parent_id=params.text("parent_id"),
        top_only=params.flag("top_only"),
        page=params.number("page", int, 1, 1_000_000) or 1,
        per_page=params.number("per_page", int, 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
        latitude=params.number("lat", float, -90, 90),
        longitude=params.number("lng", float, -180, 180),
        radius_km=params.number("radius_km", float, 0.001, 1000),
        postcode=params.text("postcode", 20),
    )
    params.choice("format", FORMATS)
    if (query.latitude is None) != (query.longitude is None):
        params.errors.append(FieldError("lat", ErrorCode.REQUIRED, "lat and lng go together."))
    return query
