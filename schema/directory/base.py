"""Helpers shared by the directory's GraphQL types: building types from rows."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlmodel import SQLModel

from schema.relay import to_global_id

T = TypeVar("T")

# Per GraphQL class: its type name and the plain fields copied from a row (from_row runs per row).
_COPIED: dict[type, tuple[str, tuple[str, ...]]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """Python names of a Strawberry type's fields."""
    definition: Any = getattr(cls, "__strawberry_definition__")  # noqa: B009
    return tuple(f.python_name for f in definition.fields)


def _copied(cls: type) -> tuple[str, tuple[str, ...]]:
    found = _COPIED.get(cls)
    if found is None:
        definition: Any = getattr(cls, "__strawberry_definition__")  # noqa: B009
        names = tuple(
            f.python_name
            for f in definition.fields
            if f.base_resolver is None and f.python_name not in ("id", "row")
        )
        found = _COPIED[cls] = (definition.name, names)
    return found


def from_row(cls: type[T], row: SQLModel, **extra: Any) -> T:
    """Build a GraphQL object from a row: copy same-named plain fields, make `id` global."""
    type_name, names = _copied(cls)
    values = {name: getattr(row, name) for name in names if name not in extra}
    values["id"] = to_global_id(type_name, getattr(row, "id"))  # noqa: B009
    build: Any = cls
    return cast(T, build(row=row, **values, **extra))
