"""Keyset cursors and pydantic-to-field-error validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, Field, field_validator

from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.paging import PageRequest, decode_cursor, encode_cursor
from hub.core.validation import validate_input


def test_cursors_round_trip_and_reject_tampering() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    cursor = encode_cursor(["Pantry", at, 3])

    assert decode_cursor(cursor, 3) == ["Pantry", at, 3]
    for bad in ("", "!!!", encode_cursor(["only one"]), "e30="):
        with pytest.raises(ValidationFailed) as failed:
            decode_cursor(bad, 3)
        assert failed.value.errors[0].field == "after"


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_size_is_bounded(first: int) -> None:
    with pytest.raises(ValidationFailed) as failed:
        PageRequest(first=first, max_size=100).validate()

    assert failed.value.errors[0].code == ErrorCode.OUT_OF_RANGE


class _Form(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    age: int = Field(ge=0)
    zone: str

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        raise ValueError("INVALID_CHOICE: Unknown zone.")


def test_every_pydantic_error_becomes_a_coded_field_error() -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_input(_Form, {"name": "far too long", "age": -3, "zone": "x"}, prefix="form")

    assert [(e.field, e.code, e.message) for e in failed.value.errors] == [
        ("form.name", ErrorCode.TOO_LONG, "String should have at most 5 characters"),
        ("form.age", ErrorCode.OUT_OF_RANGE, "Input should be greater than or equal to 0"),
        ("form.zone", ErrorCode.INVALID_CHOICE, "Unknown zone."),
    ]
    with pytest.raises(ValidationFailed) as missing:
        validate_input(_Form, {})
    assert {e.code for e in missing.value.errors} == {ErrorCode.REQUIRED}
