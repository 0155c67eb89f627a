"""Helpers every directory edit uses: validate a patch against the full record, apply it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import ErrorCode, FieldError, NotFound, ValidationFailed
from hub.core.validation import field_errors

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=SQLModel)


def validate_patch(
    model: type[M],
    current: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    immutable: Collection[str] = (),
) -> dict[str, Any]:
    """Validate `changes` applied to `current` as `model`; return the new values of every field.

    Errors are reported for the changed fields (and whole-record rules) only, so a record
    imported with odd legacy values can still be edited field by field.
    """
    errors: list[FieldError] = []
    for key in changes:
        if key not in model.model_fields:
            errors.append(FieldError(key, ErrorCode.INVALID, "This field does not exist."))
        elif key in immutable and changes[key] != current.get(key):
            errors.append(FieldError(key, ErrorCode.INVALID, "This field cannot be changed."))
    if errors:
        raise ValidationFailed(errors)
    merged = {**current, **changes}
    try:
        return model.model_validate(merged).model_dump()
    except ValidationError as exc:
        relevant = [
            e
            for e in field_errors(exc)
            if e.field.split(".")[0] in changes or e.field.split(".")[0] not in current
        ]
        if relevant:
            raise ValidationFailed(relevant) from None
        # Only untouched legacy values are off: keep them, take the changes as given.
        return merged


def apply(row: SQLModel, values: Mapping[str, Any], fields: Collection[str]) -> None:
    """Copy `fields` from `values` onto a row."""
    for name in fields:
        setattr(row, name, values[name])


async def get_or_404(session: AsyncSession, model: type[R], ident: str, entity: str) -> R:
    """Load a row by id or raise NotFound."""
    row = await session.get(model, ident)
    if row is None:
        raise NotFound(entity, ident)
    return row


async def must_exist(
    session: AsyncSession, model: type[R], ident: str | None, *, field: str, entity: str
) -> R | None:
    """Load a referenced row, turning an unknown id into a field error (None passes through)."""
    if ident is None:
        return None
    row = await session.get(model, ident)
    if row is None:
        raise ValidationFailed.single(field, ErrorCode.NOT_FOUND, f"No {entity} has this id.")
    return row
