"""Run one import in one transaction: validate, upsert, geocode, then commit, or roll back."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.exc import DBAPIError

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from importers.crosswalk import Crosswalk
from importers.geocode import geocode_locations
from importers.records import Record
from importers.report import ImportReport
from importers.upsert import Upserter
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
    """Import records in one transaction: nothing is kept on errors or on a dry run."""
    async with session_factory() as session:
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
            for record in records:
                await upserter.add(record)
                if report.aborted:
                    break
            if not report.aborted:
                await upserter.flush()
        except DBAPIError as exc:
            await session.rollback()
            report.fatal(None, "", f"the database rejected the data: {exc.orig}")
            return report
        except BaseException:
            await session.rollback()
            raise
        if report.failed or report.dry_run:
            await session.rollback()
        else:
            await session.commit()
            report.committed = True
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
