"""Typed errors of the API: union members for expected failures, masking for everything else."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.execution import StreamExecutionResult
from strawberry.utils.str_converters import to_camel_case

from hub.core import errors as domain
from hub.core.errors import DomainError, ErrorCode

# The domain's enum becomes the GraphQL enum, so codes cannot drift apart.
strawberry.enum(ErrorCode, name="ErrorCode", description="Stable machine-readable error codes.")


@strawberry.interface(description="Something expected went wrong; nothing was changed.")
class Error:
    message: str
    code: ErrorCode


@strawberry.type(name="FieldError", description="One problem with one input field.")
class FieldErrorType:
    field: str = strawberry.field(description="Input path of the field, e.g. `address.postalCode`.")
    code: ErrorCode
    message: str


@strawberry.type(name="ValidationFailed", description="The input broke one or more rules.")
class ValidationFailedError(Error):
    errors: list[FieldErrorType]


@strawberry.type(name="NotFound", description="The object does not exist or is not visible.")
class NotFoundError(Error):
    entity: str
    id: str


@strawberry.type(name="Forbidden", description="The caller may not do this.")
class ForbiddenError(Error):
    pass


@strawberry.type(name="Unauthenticated", description="Sign in first.")
class UnauthenticatedError(Error):
    pass


@strawberry.type(name="Conflict", description="The object changed since it was read.")
class ConflictError(Error):
    expected_version: int
    actual_version: int


# Every mutation result union lists its success type plus these members, e.g.
#   ServiceResult = Annotated[ServicePayload | ValidationFailedError | NotFoundError
#       | ForbiddenError | UnauthenticatedError | ConflictError, strawberry.union("ServiceResult")]
AnyError = (
    ValidationFailedError | NotFoundError | ForbiddenError | UnauthenticatedError | ConflictError
)


def api_field(path: str) -> str:
    """Name a domain field path (`address.postal_code`) as the API does (`address.postalCode`)."""
    return ".".join(to_camel_case(part) for part in path.split("."))


def to_error(exc: DomainError) -> AnyError:
    """Map a domain error to its GraphQL union member."""
    code = exc.code
    if isinstance(exc, domain.ValidationFailed):
        return ValidationFailedError(
            message=exc.message,
            code=code,
            errors=[
                FieldErrorType(field=api_field(e.field), code=e.code, message=e.message)
                for e in exc.errors
            ],
        )
    if isinstance(exc, domain.NotFound):
        return NotFoundError(message=exc.message, code=code, entity=exc.entity, id=exc.ident)
    if isinstance(exc, domain.Forbidden):
        return ForbiddenError(message=exc.message, code=code)
    if isinstance(exc, domain.Unauthenticated):
        return UnauthenticatedError(message=exc.message, code=code)
    if isinstance(exc, domain.Conflict):
        return ConflictError(
            message=exc.message,
            code=code,
            expected_version=exc.expected_version,
            actual_version=exc.actual_version,
        )
    # Any other domain error (a new subclass) still reaches the caller as a coded failure.
    return ValidationFailedError(
        message=exc.message,
        code=code,
        errors=[FieldErrorType(field="", code=code, message=exc.message)],
    )


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    # Parse and validation errors have no original error: they describe the query, keep them.
    return original is not None and not isinstance(original, DomainError | GraphQLError)


def _tag(errors: list[GraphQLError] | None) -> None:
    for error in errors or []:
        if (error.extensions or {}).get("code"):
            continue  # already tagged (masked errors carry INTERNAL)
        original = error.original_error
        if isinstance(original, domain.ValidationFailed):
            # Queries have no union to carry field errors: put them in the extensions.
            error.extensions = {
                **(error.extensions or {}),
                "fields": [
                    {"field": api_field(e.field), "code": e.code.value, "message": e.message}
                    for e in original.errors
                ],
            }
        if isinstance(original, DomainError):
            code = original.code.value
        elif _is_unexpected(error):
            code = "INTERNAL"
        else:
            code = "BAD_QUERY"
        error.extensions = {**(error.extensions or {}), "code": code}


class ErrorCodes(SchemaExtension):
    """Add `extensions.code` to errors, so clients can branch on codes even outside unions."""

    def on_operation(self) -> Iterator[None]:
        """Tag the errors of the finished operation."""
        yield
        result = self.execution_context.result
        _tag(getattr(result, "errors", None))
        _tag(getattr(getattr(result, "initial_result", None), "errors", None))

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Tag the errors of each subscription (or streamed) result."""
        _tag(getattr(result, "errors", None))
        yield None


class MaskUnexpected(MaskErrors):
    """Hide messages of unexpected exceptions (keep the code), never stack traces."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Replace the message, keep only the location and the code."""
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked
