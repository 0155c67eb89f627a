"""Opaque page cursors: the last hit's sort key and id, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json

from search.models import Cursor

# Ours are a number and an id (under 100 characters); a longer one is not ours.
MAX_CURSOR_LENGTH = 512


def encode_cursor(cursor: Cursor) -> str:
    """Encode a cursor for clients (they must treat it as opaque)."""
    raw = json.dumps([cursor.sort_value, cursor.document_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """Decode a cursor; ValueError when it was not made by `encode_cursor`."""
    try:
        if len(text) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        padded = text + "=" * (-len(text) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        sort_value, document_id = value
        if not isinstance(document_id, str) or not isinstance(sort_value, int | float):
            raise ValueError("bad cursor")
        return Cursor(float(sort_value), document_id)
    except (ValueError, TypeError, RecursionError, binascii.Error) as error:
        raise ValueError("The cursor is not valid for this search.") from error
