"""The HSDS entities an import writes, in dependency order, with typed column specs and coercion."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any

import sqlalchemy as sa
from dateutil import parser as date_parser
from sqlmodel import SQLModel

from hub.core.model_base import UTCDateTime
from providers import models as m

# Parents before children, so every reference points at a row already written.
ENTITY_MODELS: dict[str, type[SQLModel]] = {
    "taxonomy": m.Taxonomy,
    "taxonomy_term": m.TaxonomyTerm,
    "organization": m.Organization,
    "organization_identifier": m.OrganizationIdentifier,
    "program": m.Program,
    "service": m.Service,
    "location": m.Location,
    "address": m.Address,
    "accessibility": m.Accessibility,
    "service_at_location": m.ServiceAtLocation,
    "contact": m.Contact,
    "phone": m.Phone,
    "schedule": m.Schedule,
    "service_area": m.ServiceArea,
    "language": m.Language,
    "cost_option": m.CostOption,
    "required_document": m.RequiredDocument,
    "funding": m.Funding,
    "attribute": m.Attribute,
}
ENTITY_ORDER: tuple[str, ...] = tuple(ENTITY_MODELS)

# Entities with their own events; the others change their parent (the first reference set).
AGGREGATES = frozenset(
    {
        "organization",
        "program",
        "service",
        "location",
        "service_at_location",
        "taxonomy",
        "taxonomy_term",
    }
)
PARENT_REFS: dict[str, tuple[str, ...]] = {
    "organization_identifier": ("organization_id",),
    "address": ("location_id",),
    "accessibility": ("location_id",),
    "contact": ("service_id", "organization_id", "location_id", "service_at_location_id"),
    "phone": ("service_id", "location_id", "organization_id", "service_at_location_id"),
    "schedule": ("service_id", "location_id", "service_at_location_id"),
    "service_area": ("service_id",),
    "language": ("service_id", "location_id"),
    "cost_option": ("service_id",),
    "required_document": ("service_id",),
    "funding": ("organization_id", "service_id"),
}
# Columns the hub manages itself; an import never sets them.
MANAGED = frozenset({"id", "created_at", "updated_at"})


def entity_table(entity: str) -> sa.Table:
    """The table an HSDS entity is written to."""
    return ENTITY_MODELS[entity].__table__  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """How to read one column from text or JSON."""

    name: str
    kind: str
    required: bool
    max_length: int | None = None
    enum: type[StrEnum] | None = None
    fk_target: str | None = None
    # NOT NULL in the database; `fallback` is what an empty value becomes (None: no default).
    not_null: bool = False
    fallback: Any = None


class CoercionError(ValueError):
    """A value that does not fit its column."""


@cache
def column_specs(entity: str) -> dict[str, ColumnSpec]:
    """Column specs of an entity's table, without the hub-managed columns."""
    model = ENTITY_MODELS[entity]
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    specs: dict[str, ColumnSpec] = {}
    for column in table.columns:
        if column.name in MANAGED or (entity == "service" and column.name == "version"):
            continue
        info = model.model_fields.get(column.name)
        required = bool(info and info.is_required())
        fk = next(iter(column.foreign_keys), None)
        target = fk.column.table.name if fk is not None else None
        specs[column.name] = _spec(column, required, target)
    return specs


@cache
def required_columns(entity: str) -> tuple[str, ...]:
    """Columns every record of the entity must have."""
    return tuple(name for name, spec in column_specs(entity).items() if spec.required)


def _spec(column: sa.Column[Any], required: bool, target: str | None) -> ColumnSpec:
    kind, length, enum = _kind(column.type)
    default = column.default
    fallback = getattr(default, "arg", None) if default is not None and default.is_scalar else None
    not_null = not column.nullable
    return ColumnSpec(column.name, kind, required, length, enum, target, not_null, fallback)


def _kind(col_type: Any) -> tuple[str, int | None, type[StrEnum] | None]:
    if isinstance(col_type, sa.Enum):
        return "enum", None, col_type.enum_class  # type: ignore[return-value]
    if isinstance(col_type, UTCDateTime | sa.DateTime):
        return "datetime", None, None
    if isinstance(col_type, sa.Date):
        return "date", None, None
    if isinstance(col_type, sa.Time):
        return "time", None, None
    if isinstance(col_type, sa.Numeric) and not isinstance(col_type, sa.Float):
        # The length of a decimal is its digits before the point (NUMERIC(12, 2) -> 10).
        digits = (col_type.precision or 0) - (col_type.scale or 0)
        return "decimal", digits if col_type.precision else None, None
    if isinstance(col_type, sa.Float):
        return "float", None, None
    if isinstance(col_type, sa.Boolean):
        return "bool", None, None
    if isinstance(col_type, sa.Integer):
        return "int", None, None
    return "str", getattr(col_type, "length", None), None


@cache
def defaults(entity: str) -> dict[str, Any]:
    """Model defaults of the non-managed columns, for rows inserted without the ORM."""
    model = ENTITY_MODELS[entity]
    out: dict[str, Any] = {}
    for name in column_specs(entity):
        info = model.model_fields[name]
        if not info.is_required() and info.default_factory is None:
            out[name] = info.default
    return out


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def coerce(spec: ColumnSpec, value: Any) -> Any:
    """Turn a CSV string or JSON value into the column's Python type (None for blanks)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    kind = spec.kind
    try:
        if kind == "str":
            text = value if isinstance(value, str) else _json_text(value)
            if spec.max_length is not None and len(text) > spec.max_length:
                raise CoercionError(f"is {len(text)} characters long; at most {spec.max_length}")
            if "\x00" in text:  # PostgreSQL refuses NUL in text: say so before writing
                raise CoercionError("contains a NUL character")
            return text
        if kind == "int":
            if isinstance(value, bool):
                raise CoercionError(f"{value!r} is not a whole number")
            number = float(value) if isinstance(value, str) else value
            if isinstance(number, float) and not number.is_integer():
                raise CoercionError(f"{value!r} is not a whole number")
            if not _INT_MIN <= number <= _INT_MAX:  # a 32-bit INTEGER column
                raise CoercionError(f"{value!r} is out of range")
            return int(number)
        if kind == "float":
            return float(value)
        if kind == "decimal":
            amount = Decimal(str(value).replace(",", "").lstrip("$"))
            if not amount.is_finite() or (
                spec.max_length is not None and abs(amount) >= Decimal(10) ** spec.max_length
            ):
                raise CoercionError(f"{value!r} is out of range")
            return amount
        if kind == "bool":
            if isinstance(value, bool):
                return value
            lowered = str(value).lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise CoercionError(f"{value!r} is not true/false")
        if kind == "date":
            return date.fromisoformat(str(value)[:10])
        if kind == "time":
            return _time(str(value))
        if kind == "datetime":
            parsed = date_parser.isoparse(str(value))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        if kind == "enum":
            assert spec.enum is not None
            return _enum_member(spec.enum, str(value))
    except (ValueError, InvalidOperation, TypeError, OverflowError) as exc:
        if isinstance(exc, CoercionError):
            raise
        raise CoercionError(f"{value!r} is not a valid {kind}") from exc
    raise CoercionError(f"unsupported column kind {kind}")


# "9am", "4:00 PM", "12.30 p.m.": how 1.x-era exports and spreadsheets write times.
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)


def _time(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    if match is None:
        return time.fromisoformat(text)
    hour, minute = int(match[1]) % 12, int(match[2] or 0)
    return time(hour + (12 if match[3].lower() == "p" else 0), minute)


def _enum_member(enum: type[StrEnum], value: str) -> StrEnum:
    member = _enum_values(enum).get(value.lower())
    if member is not None:
        return member
    allowed = ", ".join(member.value for member in enum)
    raise CoercionError(f"{value!r} is not one of: {allowed}")


@cache
def _enum_values(enum: type[StrEnum]) -> dict[str, StrEnum]:
    # The first member wins when two values differ only in case, as the old linear scan did.
    out: dict[str, StrEnum] = {}
    for member in enum:
        out.setdefault(member.value.lower(), member)
    return out


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def comparable(value: Any) -> Any:
    """A stable JSON-able form of a value, for content hashes and the change log."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
