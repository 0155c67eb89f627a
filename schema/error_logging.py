"""How GraphQL errors are logged: client mistakes at INFO without their input, faults at ERROR.

Strawberry logs every error at ERROR with its traceback and a message that quotes the query and
the rejected variable values (a `clientCreate` input holds a client's name and phone). A client
mistake (a query that does not parse or validate, a domain error) is logged at INFO with its
code and path only; an unexpected exception in a resolver is a server fault, logged at ERROR
with its traceback but without the query text.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from hub.core.errors import DomainError

log = logging.getLogger("hub.graphql")


def _path(error: GraphQLError) -> str:
    return ".".join(str(part) for part in error.path or ()) or "-"


def _operation(context: ExecutionContext | None) -> str:
    try:
        kind = context.operation_type.value if context is not None else None
    except RuntimeError:  # a document that never parsed has no operation type
        kind = None
    return kind or "-"


def log_graphql_error(error: GraphQLError, context: ExecutionContext | None) -> None:
    """Log one error of an operation at the level its cause deserves, without input values."""
    original = error.original_error
    where = {"operation": _operation(context), "path": _path(error)}
    if original is None or isinstance(original, GraphQLError):
        log.info("graphql request rejected: BAD_QUERY", extra=where)
    elif isinstance(original, DomainError):
        log.info("graphql request rejected: %s", original.code.value, extra=where)
    else:
        log.error(
            "graphql resolver failed: %s", type(original).__name__, exc_info=original, extra=where
        )


class HubSchema(strawberry.Schema):
    """Strawberry's schema with our error logging (see the module docstring)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log each error of an operation; the masking extension decides what clients see."""
        for error in errors:
            log_graphql_error(error, execution_context)
