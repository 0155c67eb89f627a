"""Domain errors: expected failures with a code and, where it applies, the field at fault."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable machine-readable codes shared by every domain and surfaced by the API."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_CHOICE = "INVALID_CHOICE"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    UNKNOWN_NEED = "UNKNOWN_NEED"
    UNKNOWN_PLACE = "UNKNOWN_PLACE"
    NO_CONSENT = "NO_CONSENT"
    NOT_ACCEPTING = "NOT_ACCEPTING"
    RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field."""

    field: str
    code: ErrorCode
    message: str


class DomainError(Exception):
    """Base of every expected failure; its message is safe to show to the caller."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input broke one or more rules; nothing was written."""

    code = ErrorCode.INVALID

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("ValidationFailed needs at least one FieldError")
        summary = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(f"Invalid input: {summary}")

    @classmethod
    def single(cls, field: str, code: ErrorCode, message: str) -> ValidationFailed:
        """Build the error for a single field."""
        return cls([FieldError(field, code, message)])


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know it exists."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, entity: str, ident: str) -> None:
        self.entity = entity
        self.ident = ident
        super().__init__(f"{entity} {ident!r} was not found.")


class Forbidden(DomainError):
    """The caller is known (or anonymous) but may not do this."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Unauthenticated(DomainError):
    """Credentials were missing, wrong or expired."""

    code = ErrorCode.UNAUTHENTICATED

    def __init__(
        self, message: str = "Sign in first: the credentials are missing or expired."
    ) -> None:
        super().__init__(message)


class Conflict(DomainError):
    """Optimistic concurrency: the record changed since the caller read it."""

    code = ErrorCode.CONFLICT

    def __init__(self, entity: str, ident: str, expected: int, actual: int) -> None:
        self.entity = entity
        self.ident = ident
        self.expected_version = expected
        self.actual_version = actual
        super().__init__(
            f"{entity} {ident!r} is at version {actual}, not {expected}: reload and try again."
        )


class Collector:
    """Gathers field errors so a validator reports every problem at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, code: ErrorCode, message: str) -> None:
        """Record one problem."""
        self.errors.append(FieldError(field, code, message))

    def raise_if_any(self) -> None:
        """Raise ValidationFailed when anything was recorded."""
        if self.errors:
            raise ValidationFailed(self.errors)
