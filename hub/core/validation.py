"""Validate input against a pydantic model and report every problem as coded field errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hub.core.errors import ErrorCode, FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)

# pydantic error types -> our stable codes; anything unlisted is INVALID.
_CODES: dict[str, ErrorCode] = {
    "missing": ErrorCode.REQUIRED,
    "string_too_short": ErrorCode.REQUIRED,
    "too_short": ErrorCode.REQUIRED,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_long": ErrorCode.TOO_LONG,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.OUT_OF_RANGE,
    "decimal_max_digits": ErrorCode.OUT_OF_RANGE,
    "decimal_max_places": ErrorCode.OUT_OF_RANGE,
    "enum": ErrorCode.INVALID_CHOICE,
    "literal_error": ErrorCode.INVALID_CHOICE,
    "extra_forbidden": ErrorCode.INVALID,
}


def _field(loc: Iterable[int | str], prefix: str) -> str:
    parts = [str(p) for p in loc]
    return ".".join([prefix, *parts] if prefix else parts)


def field_error(error: ErrorDetails, *, prefix: str = "") -> FieldError:
    """Turn one pydantic error into a field error with our code."""
    ctx = error.get("ctx") or {}
    # Domain validators raise ValueError("CODE: message") or ValueError("CODE field: message")
    # to choose the code (and, for whole-model rules, the field) themselves.
    message = str(ctx.get("error", "")) if error["type"] == "value_error" else error["msg"]
    code = _CODES.get(error["type"], ErrorCode.INVALID)
    loc: list[int | str] = list(error["loc"])
    head, sep, tail = message.partition(": ")
    code_name, _, field_name = head.partition(" ")
    if sep and code_name in ErrorCode.__members__:
        code, message = ErrorCode(code_name), tail
        # Whole-model rules name the field at fault: "OUT_OF_RANGE closes_at: ...".
        if field_name:
            loc.append(field_name)
    return FieldError(_field(loc, prefix), code, message)


def field_errors(exc: ValidationError, *, prefix: str = "") -> list[FieldError]:
    """All errors of a pydantic ValidationError as field errors."""
    return [field_error(e, prefix=prefix) for e in exc.errors(include_url=False)]


def validate_input(model: type[M], data: Mapping[str, Any] | M, *, prefix: str = "") -> M:
    """Validate `data` as `model`, raising ValidationFailed that lists every bad field."""
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, prefix=prefix)) from None
