"""`hub serve` and `hub migrate`."""

from __future__ import annotations

import os
from typing import Annotated

import sqlalchemy as sa
import typer
import uvicorn

from hub import migrate as migrations
from hub.cli.common import (
    EXIT_NOT_MIGRATED,
    console,
    fail,
    load_settings,
    missing_sqlite_file,
    require_current,
    shown_url,
)
from hub.core.settings import Settings
from hub.logging_setup import logging_config

_ANY_INTERFACE = {"0.0.0.0", "::", ""}  # noqa: S104 (compared, not bound)


def served_base_url(host: str, port: int) -> str:
    """The address this server answers on, for links when HUB_PUBLIC_BASE_URL is not set."""
    shown = "127.0.0.1" if host in _ANY_INTERFACE else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def follow_served_port(settings: Settings, host: str, port: int) -> None:
    """Point client links at this server unless HUB_PUBLIC_BASE_URL (or .env) names one."""
    # Links to clients (/r/<token>) must point at this server. The app is built in uvicorn's
    # process(es) from the environment, so the default travels there as a variable.
    if "public_base_url" not in settings.model_fields_set:
        os.environ["HUB_PUBLIC_BASE_URL"] = served_base_url(host, port)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the hub (GraphQL, client pages, ops endpoints) with uvicorn."""
    settings = load_settings()
    require_current(settings)
    follow_served_port(settings, host, port)
    console.print(f"Serving the hub on http://{host}:{port} (GraphQL at /graphql)")
    uvicorn.run(
        "hub.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logging_config(settings),
        access_log=False,  # the app writes its own access log by route template
        proxy_headers=True,
        server_header=False,
        ws_max_size=settings.max_body_bytes,  # WebSocket messages obey the body limit too
    )


def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only tell whether migrations are pending (exit 3).")
    ] = False,
) -> None:
    """Create or upgrade the database schema to the newest migration of every area."""
    settings = load_settings()
    url = settings.resolved_database_url()
    if check and missing_sqlite_file(url) is not None:
        # Connecting would create the file: a check leaves nothing behind.
        fail(f"no database at {shown_url(url)} yet; `hub migrate` creates it.", EXIT_NOT_MIGRATED)
    try:
        before = migrations.current_revisions(url)
        heads = migrations.head_revisions()
        if check:
            if before != heads:
                fail(f"pending migrations: {', '.join(sorted(heads - before))}", EXIT_NOT_MIGRATED)
            console.print(f"The database at {shown_url(url)} is current.")
            return
        if before == heads:
            console.print(f"The database at {shown_url(url)} is already current.")
            return
        migrations.upgrade(url)
    except sa.exc.SQLAlchemyError as exc:
        fail(f"migration failed on {shown_url(url)}: {type(exc).__name__}: {exc.args[0]!s:.300}")
    require_current(settings)
    console.print(f"Migrated {shown_url(url)} to {', '.join(sorted(heads))}.")
