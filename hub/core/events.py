"""Domain events through a transactional outbox: written with the change, published after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.ids import new_id
from hub.core.model_base import id_field, optional_utc_field, utc_field

log = logging.getLogger(__name__)

_PENDING_KEY = "hub_pending_events"
PUBLISHER_KEY = "hub_publisher"


class OutboxEvent(SQLModel, table=True):
    """A domain change waiting to be (or already) dispatched to subscribers and indexes."""

    __tablename__ = "outbox_event"

    id: str = id_field()
    topic: str = Field(max_length=100, index=True)
    aggregate_type: str = Field(max_length=50)
    aggregate_id: str = Field(max_length=64, index=True)
    aggregate_version: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = utc_field()
    dispatched_at: datetime | None = optional_utc_field()
    attempts: int = 0


INSERT_OUTBOX = sa.insert(OutboxEvent.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    """What subscribers learn after commit: enough to look the event up, nothing more."""

    id: str
    topic: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int | None


Publisher = Callable[[list[PublishedEvent]], None]


class EventPublisher:
    """Fans committed events out to in-process handlers (index sync, broker enqueue)."""

    def __init__(self) -> None:
        self._handlers: list[Publisher] = []

    def subscribe(self, handler: Publisher) -> None:
        """Add a handler called with every batch of committed events."""
        self._handlers.append(handler)

    def __call__(self, events: list[PublishedEvent]) -> None:
        for handler in self._handlers:
            try:
                handler(events)
            except Exception:
                # A failing subscriber must never undo or fail a committed change; the
                # outbox sweeper re-delivers whatever was not dispatched.
                log.exception("event handler %r failed", handler)


def record_event(
    session: AsyncSession,
    *,
    topic: str,
    aggregate_type: str,
    aggregate_id: str,
    payload: dict[str, Any] | None = None,
    version: int | None = None,
) -> OutboxEvent:
    """Write an outbox row in the caller's transaction and publish it once that commits."""
    row = OutboxEvent(
        topic=topic,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        payload=payload or {},
    )
    session.add(row)
    pending: list[PublishedEvent] = session.sync_session.info.setdefault(_PENDING_KEY, [])
    pending.append(PublishedEvent(row.id, topic, aggregate_type, aggregate_id, version))
    return row


async def record_events(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Write many outbox rows with one Core insert (bulk imports); published after commit too.

    Each event is a dict with `topic`, `aggregate_type`, `aggregate_id` and optionally
    `payload` and `version` - the keyword arguments of `record_event`.
    """
    if events:
        await session.run_sync(insert_events, events)


def insert_events(session: Session, events: list[dict[str, Any]]) -> None:
    """`record_events` for synchronous code (inside `AsyncSession.run_sync`): no ORM flush."""
    if not events:
        return
    rows = outbox_rows(events)
    session.connection().execute(INSERT_OUTBOX, rows)
    publish_after_commit(session, rows)


def outbox_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outbox rows (every column) for events given as `record_event`'s keyword arguments."""
    now = datetime.now(UTC)
    return [
        {
            "id": new_id(),
            "topic": e["topic"],
            "aggregate_type": e["aggregate_type"],
            "aggregate_id": e["aggregate_id"],
            "aggregate_version": e.get("version"),
            "payload": e.get("payload") or {},
            "created_at": now,
            "dispatched_at": None,
            "attempts": 0,
        }
        for e in events
    ]


def publish_after_commit(session: Session, rows: list[dict[str, Any]]) -> None:
    """Publish outbox rows the caller has written in the session's transaction once it commits."""
    pending: list[PublishedEvent] = session.info.setdefault(_PENDING_KEY, [])
    pending.extend(published(rows))


def published(rows: list[dict[str, Any]]) -> list[PublishedEvent]:
    """What subscribers learn of committed outbox rows."""
    return [
        PublishedEvent(
            r["id"], r["topic"], r["aggregate_type"], r["aggregate_id"], r["aggregate_version"]
        )
        for r in rows
    ]


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending: list[PublishedEvent] = session.info.pop(_PENDING_KEY, [])
    publisher = session.info.get(PUBLISHER_KEY)
    if pending and publisher is not None:
        publisher(pending)


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
