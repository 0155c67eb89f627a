"""The object graph of a running hub, built once from Settings (app lifespan, CLI, worker)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.broadcast import Broadcaster, InProcessBroadcaster, build_broadcaster
from hub.core.clock import Clock, SystemClock
from hub.core.db import SessionFactory, create_engine, create_session_factory
from hub.core.events import EventPublisher
from hub.core.secret_key import resolve_secret_key
from hub.core.settings import Settings
from providers.geocoding import Geocoder, build_geocoder
from providers.geocoding.adapter import OfflineGeocoder
from search.backend import SearchBackend
from search.factory import build_backend
from search.log import SearchLogWriter
from search.sync import IndexSync


@dataclass
class Container:
    """Shared clients and collaborators; domain functions receive pieces of it as arguments."""

    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    publisher: EventPublisher
    clock: Clock = field(default_factory=SystemClock)
    broadcaster: Broadcaster = field(default_factory=InProcessBroadcaster)
    geocoder: Geocoder = field(default_factory=OfflineGeocoder)
    # The search index and the event handler feeding it (None in containers built by hand).
    search_backend: SearchBackend | None = None
    index_sync: IndexSync | None = None
    search_log: SearchLogWriter | None = None

    async def close(self) -> None:
        """Release connections and background work."""
        if self.index_sync is not None:
            await self.index_sync.close()
        if self.search_backend is not None:
            await self.search_backend.close()
        if self.search_log is not None:
            await self.search_log.close()
        await self.broadcaster.close()
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Wire the hub from settings; nothing here reads the environment."""
    # Every process (serve, worker, CLI) resolves the same key: configured, or the data dir's.
    settings = resolve_secret_key(settings)
    engine = create_engine(settings.resolved_database_url())
    publisher = EventPublisher()
    factory = create_session_factory(engine, publisher=publisher)
    search_backend = build_backend(settings)
    index_sync = IndexSync(search_backend, factory)
    publisher.subscribe(index_sync)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=factory,
        publisher=publisher,
        clock=clock or SystemClock(),
        broadcaster=build_broadcaster(settings.redis_url),
        geocoder=build_geocoder(
            settings.geocoder,
            options=settings.geocoder_options,
            min_delay_seconds=settings.geocoder_min_delay_seconds,
            session_factory=factory,
        ),
        search_backend=search_backend,
        index_sync=index_sync,
        search_log=SearchLogWriter(factory),
    )
