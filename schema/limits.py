"""GraphQL request limits: bounded document caches, one login, no subscriptions over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType as StrawberryOperationType

# Documents longer than this are parsed and validated every time, never kept: clients send the
# same few short documents, and a cache of large distinct ones would grow memory per request.
MAX_CACHED_DOCUMENT_CHARS = 8_000
DOCUMENT_CACHE_SIZE = 256


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _cached_parse(query: str, **options: Any) -> Any:
    return parse(query, **options)


def _validate_cache() -> Callable[..., Any]:
    # Imported late: strawberry.schema.schema imports the extensions package.
    from strawberry.schema.schema import validate_document

    return lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(validate_document)


_cached_validate: Callable[..., Any] | None = None


def _cacheable(query: str | None) -> bool:
    return query is not None and len(query) <= MAX_CACHED_DOCUMENT_CHARS


class BoundedParserCache(SchemaExtension):
    """Reuse parsed documents of short queries; a syntax error is left to Strawberry to report."""

    def on_parse(self) -> Iterator[None]:
        """Parse from the cache when the query is short and well formed."""
        context = self.execution_context
        if context.query is not None and _cacheable(context.query):
            try:
                context.graphql_document = _cached_parse(context.query, **context.parse_options)
            except GraphQLError:
                # Strawberry parses again and reports it as a coded error of the operation;
                # raised from here, it would skip the other extensions' hooks.
                context.graphql_document = None
        yield


class BoundedValidationCache(SchemaExtension):
    """Reuse validation results of cached (short) documents only."""

    def on_validate(self) -> Iterator[None]:
        """Validate through the cache when the document came from it."""
        global _cached_validate
        context = self.execution_context
        if _cacheable(context.query) and context.graphql_document is not None:
            if _cached_validate is None:
                _cached_validate = _validate_cache()
            context.pre_execution_errors = _cached_validate(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        yield


class HttpSubscriptionsRefused(SchemaExtension):
    """Subscriptions run over WebSocket; over plain HTTP they are a 400, not a null result."""

    def on_validate(self) -> Iterator[None]:
        """Refuse a subscription operation outside a WebSocket context."""
        context = self.execution_context
        over_websocket = bool(getattr(context.context, "websocket", False))
        if (
            context.graphql_document is not None
            and not over_websocket
            and context.operation_type is StrawberryOperationType.SUBSCRIPTION
        ):
            raise InvalidOperationTypeError(StrawberryOperationType.SUBSCRIPTION)
        yield


class OneLoginPerRequest(ValidationRule):
    """A document may hold at most one `login`: aliases must not multiply password guesses."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        """Count `login` fields of a mutation, through fragments."""
        if node.operation is not OperationType.MUTATION:
            return
        if self._count(node.selection_set, set()) > 1:
            self.report_error(GraphQLError("Send one login per request.", node))

    def _count(self, selections: SelectionSetNode | None, seen: set[str]) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                total += selection.name.value == "login"
            elif isinstance(selection, InlineFragmentNode):
                total += self._count(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = self.context.get_fragment(selection.name.value)
                total += self._count(fragment.selection_set if fragment else None, seen)
        return total
