"""Index build benchmark: `hub reindex`'s code path into a fresh embedded index file.

    .venv/bin/python bench/index_build_bench.py --db /tmp/hub-bench/hub.sqlite3

Builds the index of the directory `--db` (SQLite) into a new index file (`--index`, default a
temporary one, removed afterwards unless `--keep`; with `--replace`, over the index already
in `--index`, as `hub reindex` on a running network) with `search.reindex.reindex` and an
EmbeddedBackend, as `hub reindex` does, and prints documents, wall seconds, CPU seconds,
documents per second and the peak RSS of the process and of its directory reader process
(`search/reader_process.py`; `--one-process` reads in this process, as for a small directory).
Neither loads the gazetteer beforehand: a build loads it only for a place without a time zone,
as `hub reindex` does. `--profile FILE` writes a cProfile of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import resource
import tempfile
import time
from pathlib import Path

from hub.core.db import create_engine, create_session_factory
from search.embedded.backend import EmbeddedBackend
from search.reindex import reindex


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def build(db: Path, index: Path, *, one_process: bool) -> int:
    """Build the index of `db` into `index`; how many documents."""
    url = f"sqlite+aiosqlite:///{db}"
    engine = create_engine(url)
    backend = EmbeddedBackend(index)
    try:
        return await reindex(
            session_factory=create_session_factory(engine),
            backend=backend,
            catch_up=False,
            database_url=None if one_process else url,
        )
    finally:
        await backend.close()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="directory database (SQLite)")
    parser.add_argument("--index", type=Path, help="index file to create (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary index file")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the build here")
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="read the directory in this process too (as for a small directory)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="rebuild over the index already in --index (as `hub reindex` on a running network)",
    )
    args = parser.parse_args()
    if args.replace and (args.index is None or not args.index.exists()):
        parser.error("--replace needs an existing --index file")
    workdir = Path(tempfile.mkdtemp(prefix="index-build-"))
    index: Path = args.index or workdir / "search.sqlite3"
    for stale in (
        index,
        index.with_name(index.name + "-wal"),
        index.with_name(index.name + "-shm"),
    ):
        if not args.replace:
            stale.unlink(missing_ok=True)
    print(f"peak RSS before the build: {rss_mb():.0f} MB")
    profiler = cProfile.Profile() if args.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    count = asyncio.run(build(args.db, index, one_process=args.one_process))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    child = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reader process, if any
    size = index.stat().st_size / 2**20
    print(
        f"documents {count:,}; wall {wall:.1f} s; CPU {cpu:.1f} s"
        f" (reader process {child.ru_utime + child.ru_stime:.1f} s); {count / wall:,.0f} docs/s;"
        f" peak RSS {rss_mb():.0f} MB (reader process {child.ru_maxrss / 1024:.0f} MB);"
        f" index file {size:.0f} MB"
    )
    if args.index is None and not args.keep:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    elif args.index is None:
        print(f"index kept at {index}")


if __name__ == "__main__":
    main()
