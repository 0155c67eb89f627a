"""Helpers that keep mutation resolvers short: input to dict, global ids to database ids, run."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

import strawberry

from hub.core.errors import FieldError, ValidationFailed
from schema.context import Info
from schema.relay import decode_id

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return values(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value
    return value


def values(data: object) -> dict[str, Any]:
    """The fields a client set on a Strawberry input (UNSET ones left out), nested ones as dicts."""
    return {
        f.name: _plain(getattr(data, f.name))
        for f in dataclasses.fields(data)  # type: ignore[arg-type]
        if getattr(data, f.name) is not strawberry.UNSET
    }


def decode_ids(data: Mapping[str, Any], kinds: Mapping[str, str]) -> dict[str, Any]:
    """Replace global ids in `data` (field -> type) by database ids; report every bad one."""
    out = dict(data)
    errors: list[FieldError] = []
    for field, kind in kinds.items():
        raw = data.get(field)
        if raw is None:
            continue
        try:
            out[field] = decode_id(raw, kind, field=field)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return out


async def call(info: Info, fn: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
    """Run a domain function as the caller, in one transaction (committed when it returns)."""
    async with info.context.transaction() as session:
        return await fn(
            session=session, actor=info.context.principal, clock=info.context.clock, **kwargs
        )


@strawberry.type(description="The object was deleted.")
class Deleted:
    deleted_id: strawberry.ID
