"""Run one import in one transaction: validate, upsert, geocode, then commit, or roll back."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from importers.crosswalk import Crosswalk
from importers.geocode import geocode_locations
from importers.records import Record
from importers.report import ImportReport
from importers.upsert import RejectedBatch, Upserter
from providers.geocoding import Geocoder


async def run_import(
    records: Iterable[Record],
    *,
    session_factory: SessionFactory,
    report: ImportReport,
    clock: Clock,
    actor_name: str = "import",
    geocoder: Geocoder | None = None,
    crosswalk: Crosswalk | None = None,
    batch_size: int = 1000,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import records in one transaction: nothing is kept on errors or on a dry run.

    With `report.complete`, records of the source that earlier imports brought in and this one
    does not contain are deactivated (not deleted) in the same transaction.
    """
    # Everything alive before the import (modules, mappers, caches) is moved out of the
    # collector's sight: otherwise each full collection, triggered by the import's own
    # allocations, walks it all again (about a tenth of an import's CPU).
    gc.freeze()
    try:
        return await _run(
            records,
            session_factory=session_factory,
            report=report,
            clock=clock,
            actor_name=actor_name,
            geocoder=geocoder,
            crosswalk=crosswalk,
            batch_size=batch_size,
            on_progress=on_progress,
        )
    finally:
        gc.unfreeze()


async def _run(
    records: Iterable[Record],
    *,
    session_factory: SessionFactory,
    report: ImportReport,
    clock: Clock,
    actor_name: str,
    geocoder: Geocoder | None,
    crosswalk: Crosswalk | None,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
) -> ImportReport:
    async with session_factory() as session:
        cache = await _tune(session)
        try:
            if crosswalk is not None:
                await crosswalk.load(session)
                for need in sorted(crosswalk.unknown_needs):
                    report.notes.append(f"cross-walk names unknown need {need!r}; not linked")
            upserter = Upserter(
                session=session,
                source=report.source,
                clock=clock,
                report=report,
                actor_name=actor_name,
                crosswalk=crosswalk,
                batch_size=batch_size,
                on_progress=on_progress,
            )
            await upserter.start()
            for record in records:
                await upserter.add(record)
                if report.aborted:
                    break
            if not report.aborted:
                await upserter.flush()
                await upserter.resolve_deferred()
                await upserter.publish()
            if report.complete and not report.failed:
                await upserter.deactivate_missing()
        except RejectedBatch as batch:
            await session.rollback()
            cause = batch.__cause__
            detail = str(getattr(cause, "orig", cause)).strip().splitlines()[0]
            rows = f"rows {batch.first.row}-{batch.last.row}"
            if batch.first.file != batch.last.file:
                rows = f"{rows} (to {batch.last.file})"
            report.fatal(
                batch.first,
                "",
                f"the database rejected the {batch.entity} records of {rows}: {detail}",
            )
            return report
        except DBAPIError as exc:
            await session.rollback()
            report.fatal(None, "", f"the database rejected the data: {exc.orig}")
            return report
        except BaseException:
            await session.rollback()
            raise
        for name, count in sorted(report.defaulted.items()):
            report.notes.append(f"{name}: {count:,} empty value(s) stored as the default")
        if report.failed or report.dry_run:
            await session.rollback()
        else:
            await session.commit()
            report.committed = True
        if cache is not None:
            await (await session.connection()).exec_driver_sql(f"PRAGMA cache_size={cache}")
    if report.committed and geocoder is not None and upserter.to_geocode:
        # After the commit, in its own transaction: a slow or failing geocoder never holds the
        # import's write lock, and locations it cannot place stay pending for a later retry.
        await geocode_locations(
            session_factory=session_factory,
            geocoder=geocoder,
            location_ids=upserter.to_geocode,
            report=report,
        )
    return report


# SQLite's default page cache (2 MB) is far smaller than the indexes a large import walks, so
# most key lookups and inserts re-read pages: 64 MB for the import's connection only.
_SQLITE_IMPORT_CACHE_KIB = 65536


async def _tune(session: AsyncSession) -> int | None:
    """Set up the import's connection; returns SQLite's page cache setting to restore."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Every query of an import looks rows up by key, 500 ids at a time. While the import
        # grows a table inside its transaction PostgreSQL often prices a sequential scan below
        # 500 index probes, and each batch then reads the whole table (quadratic: 243
        # services/s at 100k). Transaction-scoped, so nothing else is affected.
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return None
    if connection.dialect.name != "sqlite":
        return None
    before = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one()
    await connection.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_IMPORT_CACHE_KIB}")
    return int(before)
