"""Keyset pagination: stable, opaque cursors over an ordered SELECT (no OFFSET scans)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from hub.core.errors import ErrorCode, FieldError, ValidationFailed

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
# Ours hold a few sort-key values; a longer cursor is not ours and is not decoded at all.
MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What page the caller wants: at most `first` items after the `after` cursor."""

    first: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    max_size: int = 100

    def validate(self) -> None:
        """Reject a page size outside 1..max_size; cursors are checked when decoded."""
        if not 1 <= self.first <= self.max_size:
            raise ValidationFailed(
                [
                    FieldError(
                        "first",
                        ErrorCode.OUT_OF_RANGE,
                        f"Ask for 1 to {self.max_size} items per page.",
                    )
                ]
            )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items, each with its cursor, and whether more follow."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        """Cursor of the first item."""
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        """Cursor of the last item (pass it as `after` for the next page)."""
        return self.cursors[-1] if self.cursors else None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:  # ours are always UTC-aware; naive ones would fail in SQL
            raise ValueError("naive time")
        return moment
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """Turn sort-key values into an opaque cursor."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, arity: int, *, field: str = "after") -> list[Any]:
    """Read a cursor back; anything malformed is a ValidationFailed on `field`."""
    values = None
    if len(cursor) <= MAX_CURSOR_LENGTH:
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        except (ValueError, RecursionError, binascii.Error, UnicodeError):
            values = None
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationFailed.single(field, ErrorCode.INVALID, "The cursor is not valid here.")
    try:
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.single(
            field, ErrorCode.INVALID, "The cursor is not valid here."
        ) from exc


def _fits(key: Any, value: Any) -> bool:
    """Tell whether a decoded cursor value has the Python type of its sort key's column."""
    column_type = key.type
    column_type = getattr(column_type, "impl_instance", column_type)  # TypeDecorators
    expected: type | tuple[type, ...] = object
    if isinstance(column_type, sa.String):
        expected = str
    elif isinstance(column_type, sa.DateTime):
        expected = datetime
    elif isinstance(column_type, sa.Boolean):
        expected = bool
    elif isinstance(column_type, sa.Integer):
        expected = int
    elif isinstance(column_type, sa.Float | sa.Numeric):
        expected = (int, float)
    if value is None or (isinstance(value, bool) and expected is not bool):
        return False
    return isinstance(value, expected)


async def keyset_page(
    session: AsyncSession,
    statement: SelectOfScalar[T],
    *,
    keys: Sequence[Any],
    request: PageRequest,
) -> Page[T]:
    """Run `statement` ordered by `keys` (non-null, ascending, last one unique) for one page."""
    request.validate()
    key_names: list[str] = [name for k in keys if (name := getattr(k, "key", None))]
    if len(key_names) != len(keys):
        raise ValueError("keyset keys must be named columns")
    stmt = statement
    if request.after is not None:
        values = decode_cursor(request.after, len(keys))
        if not all(_fits(key, value) for key, value in zip(keys, values, strict=True)):
            # A forged cursor of the right shape: refused here, not by the database's types.
            raise ValidationFailed.single(
                "after", ErrorCode.INVALID, "The cursor is not valid here."
            )
        stmt = stmt.where(
            sa.tuple_(*keys)
            > sa.tuple_(*[sa.literal(v, k.type) for k, v in zip(keys, values, strict=True)])
        )
    stmt = stmt.order_by(*keys).limit(request.first + 1)
    rows = list((await session.exec(stmt)).all())
    has_next = len(rows) > request.first
    rows = rows[: request.first]
    cursors = [encode_cursor([getattr(row, name) for name in key_names]) for row in rows]
    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=has_next,
        has_previous_page=request.after is not None,
    )
