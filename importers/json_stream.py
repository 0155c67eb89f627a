"""Stream the objects of a JSON file with bounded nesting and size, whatever its shape.

`ijson.items` keeps a dotted path per nesting level ("item.item.item..."), so a file of nested
brackets costs memory quadratic in its depth (a 400 KB file needed 22.8 GB). Here the plain
event stream (`basic_parse`, no paths) is assembled by a small stack builder that refuses a
value nested deeper than `MAX_DEPTH` or an object of more than `MAX_VALUES` values as soon as
it sees it, before any of it is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import ijson

# HSDS nests about ten levels deep (service > place > location > phone > language ...).
MAX_DEPTH = 32
# Values in one record (a service with everything nested): far above any real record.
MAX_VALUES = 200_000
_STARTS = {"start_map": dict, "start_array": list}
_ENDS = frozenset({"end_map", "end_array"})

Events = Iterator[tuple[str, Any]]


class Readable(Protocol):
    """What ijson reads from: UTF-8 bytes by `read(size)`."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes."""
        ...


class JsonLimitError(ValueError):
    """A JSON value nested too deeply or too large to be one HSDS record."""


def _build(event: str, value: Any, events: Events, depth: int) -> Any:
    """The value starting with (event, value); containers are read to their end."""
    make = _STARTS.get(event)
    if make is None:
        return value
    if depth + 1 > MAX_DEPTH:
        raise JsonLimitError(f"nested more than {MAX_DEPTH} levels deep")
    stack: list[Any] = [make()]
    keys: list[Any] = [None]
    count = 0
    for event, value in events:
        count += 1
        if count > MAX_VALUES:
            raise JsonLimitError(f"one record holds more than {MAX_VALUES:,} values")
        if event == "map_key":
            keys[-1] = value
            continue
        make = _STARTS.get(event)
        if make is not None:
            if depth + len(stack) + 1 > MAX_DEPTH:
                raise JsonLimitError(f"nested more than {MAX_DEPTH} levels deep")
            stack.append(make())
            keys.append(None)
            continue
        if event in _ENDS:
            done = stack.pop()
            keys.pop()
            if not stack:
                return done
            value = done
        parent = stack[-1]
        if isinstance(parent, list):
            parent.append(value)
        else:
            parent[keys[-1]] = value
    raise JsonLimitError("ends inside a value")  # ijson raises first on a truncated file


def documents(handle: Readable) -> Iterator[tuple[str, Any]]:
    """("item", value) per element of a top-level list or of a Page's `contents`, then
    ("object", fields) for a top-level object's other fields (the whole object if not a Page),
    or ("value", scalar) for a bare scalar."""
    events: Events = iter(ijson.basic_parse(handle, use_float=True))
    first = next(events, None)
    if first is None:
        return
    event, value = first
    if event == "start_array":
        for event, value in events:
            if event == "end_array":
                return
            yield "item", _build(event, value, events, 1)
        return
    if event != "start_map":
        yield "value", value
        return
    fields: dict[str, Any] = {}
    for event, value in events:
        if event == "end_map":
            break
        key = value
        event, value = next(events)
        if key == "contents" and event == "start_array":
            fields["contents"] = []
            for event, value in events:
                if event == "end_array":
                    break
                yield "item", _build(event, value, events, 2)
            continue
        fields[key] = _build(event, value, events, 1)
    yield "object", fields
