"""Identifiers: HSDS uses string UUIDs for every entity."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Return a new random UUID as a string."""
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    """Tell whether a string is a canonical UUID."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False
