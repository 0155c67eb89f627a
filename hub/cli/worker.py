"""`hub worker`: run notification workers against the configured broker."""

from __future__ import annotations

import logging.config
from typing import Annotated

import typer

from hub.cli.common import EXIT_USAGE, console, fail, load_settings, require_current
from hub.logging_setup import logging_config
from hub.worker import WorkerNeedsBroker, run_worker


def worker(
    threads: Annotated[
        int | None, typer.Option(min=1, max=256, help="Worker threads (HUB_WORKER_THREADS).")
    ] = None,
) -> None:
    """Deliver notifications (webhooks, email, SMS, in-app) and run the sweeper and SLA engine."""
    settings = load_settings()
    require_current(settings)
    logging.config.dictConfig(logging_config(settings))
    console.print("Starting notification workers (Ctrl-C to stop)")
    try:
        run_worker(settings, threads=threads)
    except WorkerNeedsBroker as exc:
        fail(str(exc), EXIT_USAGE)
