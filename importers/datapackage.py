"""The official HSDS 3.0 tabular package descriptor, and the checks its fields make on a cell.

`hsds_datapackage.json` beside this module is an unmodified copy of the official descriptor
(openreferral/specification, branch 3.0, commit 279fd2eb); "Human Services Data Specification:
an Open Referral resource", licensed CC BY-SA 4.0. The export writes to its columns, types,
formats, constraints and foreign keys, so `frictionless validate` with the official descriptor
passes; a value it would refuse is left out (and counted) rather than written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import rfc3986  # type: ignore[import-untyped]
import validators
from dateutil import parser as date_parser
from rfc3986.exceptions import ValidationError as UriError  # type: ignore[import-untyped]

DESCRIPTOR_PATH = Path(__file__).with_name("hsds_datapackage.json")
_URI_PARTS = ("scheme", "userinfo", "host", "port", "path", "query", "fragment")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One column of an official resource: its type, format and constraints."""

    name: str
    type: str
    format: str | None
    required: bool
    unique: bool
    enum: tuple[str, ...] | None

    def accepts(self, text: str) -> bool:
        """Whether frictionless would read this (non-empty) cell as valid."""
        if self.enum is not None and text not in self.enum:
            return False
        if self.type == "string":
            return valid_format(self.format, text)
        if self.type == "number":
            try:
                return Decimal(text).is_finite()
            except InvalidOperation:
                return False
        parsers = {"date": _date, "time": _time, "datetime": _datetime}
        try:
            parsers[self.type](text)
        except (ValueError, KeyError, IndexError, OverflowError):
            return False
        return True


@dataclass(frozen=True, slots=True)
class ResourceRule:
    """One official resource: file, columns in order, and foreign keys (column -> resource)."""

    name: str
    path: str
    fields: tuple[FieldRule, ...]
    foreign_keys: dict[str, str]


@cache
def official_descriptor() -> dict[str, Any]:
    """The official HSDS 3.0 datapackage.json."""
    loaded: dict[str, Any] = json.loads(DESCRIPTOR_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def resource_rules() -> dict[str, ResourceRule]:
    """Every official resource by name, in the descriptor's order."""
    rules: dict[str, ResourceRule] = {}
    for resource in official_descriptor()["resources"]:
        schema = resource["schema"]
        fields = tuple(
            FieldRule(
                name=f["name"],
                type=f["type"],
                format=f.get("format"),
                required=bool(f.get("constraints", {}).get("required")),
                unique=bool(f.get("constraints", {}).get("unique")),
                enum=tuple(f["constraints"]["enum"])
                if "enum" in f.get("constraints", {})
                else None,
            )
            for f in schema["fields"]
        )
        keys = {k["fields"]: k["reference"]["resource"] for k in schema.get("foreignKeys", [])}
        rules[resource["name"]] = ResourceRule(resource["name"], resource["path"], fields, keys)
    return rules


def valid_format(format_: str | None, text: str) -> bool:
    """The string formats of HSDS (uuid, email, uri), checked as frictionless checks them."""
    if format_ == "uuid":
        return bool(validators.uuid(text))
    if format_ == "email":
        return bool(validators.email(text))
    if format_ == "uri":
        # As frictionless: a scheme is required. As JSON Schema's uri format: every component
        # well formed, and no unescaped spaces.
        checker = (
            rfc3986.validators.Validator()
            .require_presence_of("scheme")
            .check_validity_of(*_URI_PARTS)
        )
        try:
            checker.validate(rfc3986.uri_reference(text))
        except UriError:
            return False
        return not any(c.isspace() for c in text)
    return True


def cell_text(rule: FieldRule, value: Any) -> str:
    """A column value as the official field's type writes it ('' for none)."""
    if value is None:
        return ""
    if hasattr(value, "value") and isinstance(value.value, str):  # a StrEnum
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if rule.type == "date" and isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if rule.type == "time" and isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


def _date(text: str) -> None:
    datetime.strptime(text, "%Y-%m-%d")


def _time(text: str) -> None:
    if text[5] != ":" or len(text) < 8:
        raise ValueError(text)
    date_parser.isoparse(f"2000-01-01T{text}")


def _datetime(text: str) -> None:
    if text[16] != ":" or len(text) < 19:
        raise ValueError(text)
    date_parser.isoparse(text)
