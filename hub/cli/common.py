"""Shared pieces of the `hub` commands: settings, consoles, exit codes and database checks."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
import typer
from pydantic import ValidationError
from rich.console import Console

from hub import migrate
from hub.core.errors import DomainError, ValidationFailed
from hub.core.ids import is_uuid
from hub.core.secret_key import SecretKeyError, require_secret_key
from hub.core.settings import Settings
from schema.relay import decode_id

T = TypeVar("T")

# Exit codes: 0 success, 1 failure at run time, 2 bad arguments or input, 3 database not migrated.
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_MIGRATED = 3

# Messages and progress go to stderr so stdout carries only results (tokens, SDL).
console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print an error and exit with `code`."""
    console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from `HUB_*` variables (and `.env`), with readable errors."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HUB_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid configuration: {problems}", EXIT_USAGE)
    try:
        # Only checked here (production needs a configured key); the key file of other modes
        # is made when a container is built, so a command that fails early leaves no file.
        require_secret_key(settings)
    except SecretKeyError as exc:
        fail(f"no usable secret key: {exc}", EXIT_USAGE)
    return settings


def shown_url(url: str) -> str:
    """The database URL with any password hidden."""
    return sa.make_url(url).render_as_string(hide_password=True)


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet (connecting would create it)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def require_current(settings: Settings) -> str:
    """Return the database URL, or exit when the database is unreachable or not migrated."""
    url = settings.resolved_database_url()
    missing = missing_sqlite_file(url)
    if missing is not None:
        # Checked before connecting: a connection would leave an empty database file behind.
        fail(
            f"the database at {missing} has never been migrated (there is no such file yet)."
            " Run `hub migrate` first (or `hub demo` for the demo network).",
            EXIT_NOT_MIGRATED,
        )
    try:
        current = migrate.current_revisions(url)
    except sa.exc.SQLAlchemyError as exc:
        fail(f"cannot reach the database at {shown_url(url)} ({type(exc).__name__}).")
    heads = migrate.head_revisions()
    if current != heads:
        state = "has never been migrated" if not current else "is not at the newest migration"
        fail(
            f"the database at {shown_url(url)} {state} "
            f"(missing: {', '.join(sorted(heads - current))}). Run `hub migrate` first.",
            EXIT_NOT_MIGRATED,
        )
    return url


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def parse_id(value: str, type_name: str, option: str) -> str:
    """The database id from a raw UUID or the API's global id of a `type_name`; else exit 2."""
    text = value.strip()
    if is_uuid(text.lower()):
        return text.lower()
    try:
        return decode_id(text, type_name, field=option)
    except ValidationFailed:
        fail(
            f"{option} takes the id of {_article(type_name)} {type_name} (a UUID or the API's"
            f" global id), not {text!r}.",
            EXIT_USAGE,
        )


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; domain errors become readable messages and exit codes."""
    try:
        return asyncio.run(coroutine)
    except ValidationFailed as exc:
        for error in exc.errors:
            console.print(f"[bold red]Error:[/] {error.field}: {error.message} ({error.code})")
        raise typer.Exit(EXIT_USAGE) from None
    except DomainError as exc:
        fail(exc.message, EXIT_USAGE)
