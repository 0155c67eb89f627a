"""Column helpers shared by every table: string UUID keys, UTC timestamps, enum columns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.clock import utcnow
from hub.core.ids import new_id


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware (UTC).")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store a StrEnum as its values in a plain string column (portable, no DB enum type)."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=max(len(m.value) for m in enum) + 8,
        values_callable=lambda members: [m.value for m in members],
    )


def id_field() -> Any:
    """Primary key: a random UUID string, as HSDS uses."""
    return Field(default_factory=new_id, primary_key=True, max_length=64)


def fk_field(
    target: str,
    *,
    nullable: bool = True,
    ondelete: Literal["CASCADE", "SET NULL", "RESTRICT"] = "CASCADE",
) -> Any:
    """Indexed foreign key to `table.id`, deleted with its parent by default."""
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        ondelete=ondelete,
        index=True,
        nullable=nullable,
        max_length=64,
    )


def utc_field() -> Any:
    """Timezone-aware UTC timestamp set on creation."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def optional_utc_field() -> Any:
    """Optional timezone-aware UTC timestamp."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


class Timestamped(SQLModel):
    """Creation and last-change times on every row."""

    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
