"""`hub demo`: migrate if needed, then build the demo network and print its users' tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)
from rich.table import Table

from hub import migrate as migrations
from hub.cli.common import console, fail, load_settings, out, run, shown_url
from hub.container import build_container
from hub.core.settings import Settings
from hub.demo.steps import DEFAULT_SEED, DemoContext, DemoRefusedError, DemoStep, run_demo
from hub.demo.users import DEMO_PASSWORD


async def _build(settings: Settings, *, seed: int, reset: bool) -> DemoContext:
    container = build_container(settings)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=False,
        ) as progress:
            tasks: list[TaskID] = []

            def finish_last() -> None:
                if tasks:
                    total = progress.tasks[-1].total or 1
                    progress.update(tasks[-1], total=total, completed=total)

            def on_step(step: DemoStep, ctx: DemoContext) -> None:
                finish_last()
                task = progress.add_task(step.title, total=None)
                tasks.append(task)
                ctx.progress = lambda done, total: progress.update(
                    task, completed=done, total=total
                )

            ctx = await run_demo(container, seed=seed, reset=reset, on_step=on_step)
            finish_last()
        return ctx
    finally:
        await container.close()


def demo(
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete ALL data first, then load the demo.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = (
        DEFAULT_SEED
    ),
) -> None:
    """Load a realistic demo network: three counties, ~1,000 services, users for every role."""
    settings = load_settings()
    url = settings.resolved_database_url()
    if not migrations.is_current(url):
        console.print(f"Migrating {shown_url(url)} ...")
        migrations.upgrade(url)
    try:
        ctx = run(_build(settings, seed=seed, reset=reset))
    except DemoRefusedError as exc:
        fail(str(exc))
    summary = Table(title="Demo network", show_header=False)
    for key, value in ctx.summary.items():
        summary.add_row(key.replace("_", " "), str(value))
    console.print(summary)
    # Plain lines, not a table: a table folds long tokens, and they must be copyable.
    console.print(f"\nDemo users (password for all: {DEMO_PASSWORD}); API tokens, shown once:")
    for user in ctx.users:
        where = f" at {user.organization_name}" if user.organization_name else ""
        out.print(f"{user.role:<10} {user.email}{where}", markup=False)
        out.print(f"           {user.token}", markup=False)
    console.print(
        "Next: `hub serve`, then open http://127.0.0.1:8000/ and sign in with a demo email "
        "(the console), or POST GraphQL to http://127.0.0.1:8000/graphql with a token"
    )
