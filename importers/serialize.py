"""Hub rows as HSDS 3.0 objects: standard fields, JSON types, no nulls, private data left out."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from importers.datapackage import resource_rules, valid_format
from importers.entities import column_specs

# Columns of our profile (or bookkeeping) that are not HSDS fields.
PROFILE_FIELDS: dict[str, frozenset[str]] = {
    "organization": frozenset({"organization_type", "referral_email"}),
    "service": frozenset(
        {
            "delivery_mode",
            "accepts_referrals",
            "referral_email",
            "capacity_status",
            "last_verified_at",
            "last_verified_by",
            "version",
        }
    ),
    "location": frozenset({"geocode_precision", "geocode_status", "timezone_name", "is_private"}),
    "address": frozenset({"is_private"}),
    "phone": frozenset({"is_private"}),
    "schedule": frozenset({"timezone_name"}),
}
# The service profile fields the REST facade adds (documented in our HSDS profile).
SERVICE_PROFILE = (
    "delivery_mode",
    "accepts_referrals",
    "capacity_status",
    "last_verified_at",
)


def hsds_fields(entity: str) -> list[str]:
    """HSDS field names of an entity, in table order, id first."""
    skip = PROFILE_FIELDS.get(entity, frozenset())
    return ["id", *(name for name in column_specs(entity) if name not in skip)]


def json_value(value: Any) -> Any:
    """A JSON-compatible form of a column value."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


@cache
def _checked_formats(entity: str) -> dict[str, str]:
    """Fields of an entity whose values HSDS constrains to a web address or email format."""
    rule = resource_rules().get(entity)
    fields = rule.fields if rule is not None else ()
    return {f.name: f.format for f in fields if f.format in ("uri", "email")}


def to_hsds(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    """An HSDS object of one row: standard fields, nulls and values HSDS would refuse dropped."""
    formats = _checked_formats(entity)
    out: dict[str, Any] = {}
    for name in hsds_fields(entity):
        value = row.get(name)
        if value is None:
            continue
        shown = json_value(value)
        # Stored before imports normalized web addresses, or typed in by hand: an invalid URL
        # or email would make the whole object fail the HSDS schema, so it is left out.
        if name in formats and not valid_format(formats[name], str(shown)):
            continue
        out[name] = shown
    return out


def csv_value(value: Any) -> str:
    """A CSV cell for a column value."""
    if value is None:
        return ""
    shown = json_value(value)
    if isinstance(shown, bool):
        return "true" if shown else "false"
    return str(shown)


def is_public(entity: str, row: dict[str, Any]) -> bool:
    """False for rows that must never leave the hub publicly (private addresses and phones)."""
    return not (entity in ("address", "phone") and row.get("is_private"))


def public_address(row: dict[str, Any], *, place_is_private: bool) -> bool:
    """A confidential place's street address is never public (even if not marked itself)."""
    if row.get("is_private"):
        return False
    return not place_is_private or json_value(row.get("address_type")) == "postal"


def public_location(row: dict[str, Any]) -> dict[str, Any]:
    """A confidential location keeps its name but loses its coordinates."""
    if row.get("is_private"):
        return {**row, "latitude": None, "longitude": None}
    return row
