"""Decode request JSON defensively: valid UTF-8, bounded nesting, no lone surrogates, no NaN."""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any real GraphQL variables; a deeper document is an attack on the recursion limit.
MAX_DEPTH = 64
# A `\uD800`..`\uDFFF` escape: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class UnsafeJson(json.JSONDecodeError):
    """The body is not JSON we accept; a JSONDecodeError, so callers' handlers still catch it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)
        self.reason = message


def _refuse_constant(name: str) -> Any:
    raise UnsafeJson(f"{name} is not JSON.")


def decode(data: str | bytes) -> Any:
    """Parse `data` or raise UnsafeJson with a message safe to show the client."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeJson("The body is not valid UTF-8.") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except UnsafeJson:
        raise
    except RecursionError:
        raise UnsafeJson("The JSON is nested too deeply.") from None
    except ValueError:
        # Also Python's limit on digits in an integer (ValueError, not JSONDecodeError).
        raise UnsafeJson("The body is not valid JSON.") from None
    _check(value, strings=_SURROGATE_ESCAPE.search(raw) is not None)
    return value


def _check(value: Any, *, strings: bool) -> None:
    """Walk without recursion: refuse deep nesting and (when escapes were seen) lone surrogates."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if strings and isinstance(item, str) and not _is_utf8(item):
                raise UnsafeJson("The JSON holds a lone surrogate, which is not text.")
            continue
        if depth >= MAX_DEPTH:
            raise UnsafeJson(f"The JSON is nested deeper than {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in children)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
