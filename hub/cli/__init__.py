"""The `hub` command: serve, migrate, demo, user and token management, and each area's tools."""

from __future__ import annotations

import typer

from hub.cli import accounts, data_io, demo, graphql_schema, server
from hub.cli import networks as networks_cli
from hub.cli import report as report_cli
from hub.cli import search as search_cli
from hub.cli import worker as worker_cli

app = typer.Typer(
    name="hub",
    help="Supportive-services referral network hub.",
    no_args_is_help=True,
    add_completion=False,
    # Typer's rich help labels every flag `<bool>` as if it took a value (`--check <bool>`);
    # the plain help shows flags as flags. Sub-commands inherit this.
    rich_markup_mode=None,
    # Tracebacks with local variables could print passwords or tokens.
    pretty_exceptions_show_locals=False,
)

app.command("serve")(server.serve)
app.command("migrate")(server.migrate)
app.command("demo")(demo.demo)
app.command("schema")(graphql_schema.schema)
app.command("worker")(worker_cli.worker)
app.command("reindex")(search_cli.reindex)
app.command("report")(report_cli.report)
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(networks_cli.network_app, name="network")
app.add_typer(data_io.import_app, name="import")
app.add_typer(data_io.export_app, name="export")
# Each area registers its commands with one line here, e.g.:
# app.add_typer(importers_cli.app, name="import")


def main() -> None:
    """Entry point of the `hub` console script."""
    app()
