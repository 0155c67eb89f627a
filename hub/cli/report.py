"""`hub report <kind>`: an analytics report as CSV or a table, suppressed as in the API.

The command runs as the operator (the system principal, like a hub admin); `--network` narrows
it to one network exactly as an auditor of that network would see it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from hub.cli.common import EXIT_USAGE, fail, load_settings, out, parse_id, require_current, run
from hub.container import build_container
from hub.core.dates import parse_day_or_time
from hub.core.settings import Settings
from hub.identity.principal import SYSTEM
from referrals.analytics.dimensions import Dimension
from referrals.analytics.export import ReportKind, Table, export_report, to_csv
from referrals.analytics.report import ReportQuery


def _date(value: str, option: str) -> datetime:
    try:
        return parse_day_or_time(value)
    except ValueError:
        fail(f"{option} must be a date or time like 2026-01-31, not {value!r}.", EXIT_USAGE)


async def _build(settings: Settings, kind: ReportKind, query: ReportQuery) -> Table:
    container = build_container(settings)
    try:
        async with container.session_factory() as session:
            table = await export_report(
                session=session,
                actor=SYSTEM,
                clock=container.clock,
                kind=kind,
                query=query,
                pseudonym_key=container.settings.secret_key.get_secret_value().encode(),
            )
            await session.commit()
            return table
    finally:
        await container.close()


def report(
    kind: Annotated[ReportKind, typer.Argument(help="Which report.")],
    from_: Annotated[
        str, typer.Option("--from", help="Start date/time (inclusive), UTC if no zone.")
    ],
    to: Annotated[str, typer.Option("--to", help="End date/time (exclusive).")],
    group_by: Annotated[
        list[Dimension] | None,
        typer.Option("--group-by", help="Group the network report (repeat for several)."),
    ] = None,
    network: Annotated[
        str | None,
        typer.Option("--network", help="Network id (as the API shows it, or UUID): its view only."),
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="csv or table.")] = "table",
) -> None:
    """Print a network analytics report (counts under 11 are suppressed)."""
    if format_ not in ("csv", "table"):
        fail("--format must be csv or table.", EXIT_USAGE)
    settings = load_settings()
    require_current(settings)
    query = ReportQuery(
        start=_date(from_, "--from"),
        end=_date(to, "--to"),
        group_by=tuple(group_by or ()),
        network_id=parse_id(network, "Network", "--network") if network is not None else None,
    )
    table = run(_build(settings, kind, query))
    if format_ == "csv":
        sys.stdout.write(to_csv(table))
        return
    show_table(table, f"{kind.value} report", out)


def show_table(table: Table, title: str, console: Console) -> None:
    """Print a table whole: as columns when it fits the terminal, else one block per row."""
    widths = [
        max([len(name), *(len(row[i]) for row in table.rows)])
        for i, name in enumerate(table.columns)
    ]
    # Rich's box: one bar and two spaces of padding per column, plus the closing bar.
    if sum(widths) + 3 * len(widths) + 1 <= console.width:
        shown = RichTable(*table.columns, title=title)
        for row in table.rows:
            shown.add_row(*(Text(value) for value in row))  # names are text, not markup
        console.print(shown)
        return
    # Too wide: a column squeezed under its text would be cut, so each row becomes a
    # name/value list whose values wrap instead.
    console.print(f"[bold]{title}[/]")
    label_width = max(len(name) for name in table.columns)
    for number, row in enumerate(table.rows, start=1):
        block = RichTable(title=f"row {number}", title_justify="left", show_header=False)
        block.add_column(min_width=label_width, no_wrap=True, style="bold")
        block.add_column(overflow="fold")
        for name, value in zip(table.columns, row, strict=True):
            block.add_row(name, Text(value))
        console.print(block)
