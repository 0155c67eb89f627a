"""The object graph of a running hub, built once from Settings (app lifespan, CLI, worker)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import Clock, SystemClock
from hub.core.db import SessionFactory, create_engine, create_session_factory
from hub.core.events import EventPublisher
from hub.core.settings import Settings


@dataclass
class Container:
    """Shared clients and collaborators; domain functions receive pieces of it as arguments."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    publisher: EventPublisher
    clock: Clock = field(default_factory=SystemClock)

    async def close(self) -> None:
        """Release connections and background work."""
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Wire the hub from settings; nothing here reads the environment."""
    engine = create_engine(settings.resolved_database_url())
    publisher = EventPublisher()
    factory = create_session_factory(engine, publisher=publisher)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=factory,
        publisher=publisher,
        clock=clock or SystemClock(),
    )
