"""Time `hub demo`'s steps on a fresh SQLite database: python bench/demo_build.py [--all]."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from hub import migrate
from hub.container import build_container
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, DemoContext, DemoStep, run_demo


async def main(every_step: bool) -> None:
    """Migrate a scratch database, build the demo and print each step's seconds and row counts."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'hub.sqlite3'}"
        started = time.perf_counter()
        migrate.upgrade(url)
        print(f"migrate            {time.perf_counter() - started:6.2f} s")
        settings = Settings(_env_file=None, data_dir=Path(scratch), database_url=url)  # type: ignore[call-arg]
        container = build_container(settings)
        steps = (
            DEMO_STEPS
            if every_step
            else [s for s in DEMO_STEPS if s.key in {"needs", "directory", "users"}]
        )
        marks: list[tuple[str, float]] = []

        def on_step(step: DemoStep, ctx: DemoContext) -> None:
            marks.append((step.key, time.perf_counter()))

        try:
            begun = time.perf_counter()
            ctx = await run_demo(container, steps=steps, on_step=on_step)
            ended = time.perf_counter()
        finally:
            await container.close()
        for (key, at), (_, after) in zip(marks, [*marks[1:], ("end", ended)], strict=True):
            print(f"{key:<18} {after - at:6.2f} s")
        print(f"{'demo total':<18} {ended - begun:6.2f} s")
        print(", ".join(f"{k}={v}" for k, v in ctx.summary.items()))


if __name__ == "__main__":
    asyncio.run(main("--all" in sys.argv))
