"""Relay: the `Node` interface, global ids, `node(id)`, and keyset-paginated connections."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.ids import is_uuid
from hub.core.paging import DEFAULT_PAGE_SIZE, Page, PageRequest
from schema.context import Info

R = TypeVar("R")
NodeT = TypeVar("NodeT")


def to_global_id(type_name: str, ident: str) -> strawberry.ID:
    """Encode a type name and database id as an opaque global id."""
    raw = f"{type_name}:{ident}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode("ascii"))


def parse_global_id(global_id: str, *, field: str = "id") -> tuple[str, str]:
    """Split a global id into (type name, database id); malformed ids are ValidationFailed."""
    try:
        raw = base64.urlsafe_b64decode(global_id.encode("ascii")).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeError):
        raw = ""
    type_name, sep, ident = raw.partition(":")
    if not sep or not type_name or not is_uuid(ident):
        raise ValidationFailed.single(field, ErrorCode.INVALID, "This is not a valid global id.")
    return type_name, ident


def decode_id(global_id: str, expected: str | Sequence[str], *, field: str = "id") -> str:
    """Return the database id of a global id that must name one of the `expected` types."""
    type_name, ident = parse_global_id(global_id, field=field)
    allowed = (expected,) if isinstance(expected, str) else tuple(expected)
    if type_name not in allowed:
        raise ValidationFailed.single(
            field, ErrorCode.INVALID, f"Expected the id of a {' or '.join(allowed)}."
        )
    return ident


def decode_optional_id(
    global_id: str | None, expected: str | Sequence[str], *, field: str
) -> str | None:
    """Like `decode_id`, passing None through."""
    return None if global_id is None else decode_id(global_id, expected, field=field)


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id; pass it to `node`.")


NodeFetcher = Callable[[Info, str], Awaitable[Node | None]]
_FETCHERS: dict[str, NodeFetcher] = {}


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    """Let `node(id)` resolve global ids of `type_name` with `fetch(info, database_id)`."""
    _FETCHERS[type_name] = fetch


@strawberry.type(description="Where a page stands in its connection.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list; pass `pageInfo.endCursor` as `after`.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of the edges, for clients that skip cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def page_request(info: Info, first: int | None, after: str | None) -> PageRequest:
    """Build a page request bounded by the configured maximum page size."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    return PageRequest(
        first=size, after=after, max_size=info.context.container.settings.page_size_max
    )


def connection(page: Page[R], convert: Callable[[R], NodeT]) -> Connection[NodeT]:
    """Turn a domain page into a Relay connection, converting each item."""
    return Connection(
        edges=[
            Edge(cursor=c, node=convert(i)) for i, c in zip(page.items, page.cursors, strict=True)
        ],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
    )


@strawberry.type
class RelayQuery:
    @strawberry.field(description="Fetch any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, ident = parse_global_id(id)
        fetch = _FETCHERS.get(type_name)
        if fetch is None:
            raise ValidationFailed.single("id", ErrorCode.INVALID, "This is not a valid global id.")
        return await fetch(info, ident)
