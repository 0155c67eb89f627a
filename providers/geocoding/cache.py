"""A persistent geocode cache (table `geocode_cache`) in front of a paid or rate-limited service."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Field, SQLModel, select

from hub.core.db import SessionFactory
from hub.core.model_base import enum_type, utc_field
from providers.geocoding.base import Geocoder, GeocodeResult
from providers.models.enums import GeocodePrecision


class GeocodeCacheEntry(SQLModel, table=True):
    """One answer of an online geocoder, kept so the same question is never asked twice."""

    __tablename__ = "geocode_cache"

    key: str = Field(primary_key=True, max_length=64)
    provider: str = Field(max_length=50)
    kind: str = Field(max_length=10)
    query: str = Field(max_length=1000)
    latitude: float
    longitude: float
    precision: GeocodePrecision = Field(sa_type=enum_type(GeocodePrecision))
    label: str = Field(max_length=1000)
    postal_code: str | None = Field(default=None, max_length=20)
    county: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    timezone_name: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_field()


def normalize(query: str) -> str:
    """Fold case and whitespace so trivially different spellings share a cache entry."""
    return " ".join(query.lower().split())


def cache_key(provider: str, kind: str, query: str) -> str:
    """A fixed-length key for (provider, kind, normalized query)."""
    return hashlib.sha256(f"{provider}\x1f{kind}\x1f{normalize(query)}".encode()).hexdigest()


def _to_result(row: GeocodeCacheEntry) -> GeocodeResult:
    return GeocodeResult(
        latitude=row.latitude,
        longitude=row.longitude,
        precision=row.precision,
        label=row.label,
        postal_code=row.postal_code,
        county=row.county,
        state=row.state,
        timezone_name=row.timezone_name,
    )


class CachedGeocoder:
    """Answers from the cache table first; stores every new answer of the inner geocoder."""

    def __init__(self, inner: Geocoder, *, provider: str, session_factory: SessionFactory) -> None:
        self.inner = inner
        self.provider = provider
        self.session_factory = session_factory

    async def _lookup(self, key: str) -> GeocodeResult | None:
        async with self.session_factory() as session:
            row = (
                await session.exec(select(GeocodeCacheEntry).where(GeocodeCacheEntry.key == key))
            ).first()
            return _to_result(row) if row is not None else None

    async def _store(self, key: str, kind: str, query: str, result: GeocodeResult) -> None:
        async with self.session_factory() as session:
            # merge() makes concurrent misses of the same query an upsert, not a failure.
            await session.merge(
                GeocodeCacheEntry(
                    key=key,
                    provider=self.provider,
                    kind=kind,
                    query=normalize(query)[:1000],
                    latitude=result.latitude,
                    longitude=result.longitude,
                    precision=result.precision,
                    label=result.label[:1000],
                    postal_code=result.postal_code,
                    county=result.county,
                    state=result.state,
                    timezone_name=result.timezone_name,
                )
            )
            await session.commit()

    async def geocode(self, query: str) -> GeocodeResult | None:
        """Return the cached answer, or ask the inner geocoder and remember what it says."""
        key = cache_key(self.provider, "forward", query)
        cached = await self._lookup(key)
        if cached is not None:
            return cached
        result = await self.inner.geocode(query)
        if result is not None:
            await self._store(key, "forward", query, result)
        return result

    async def reverse(self, latitude: float, longitude: float) -> GeocodeResult | None:
        """Reverse-geocode with the cache keyed by the point rounded to about 10 m."""
        point = f"{latitude:.4f},{longitude:.4f}"
        key = cache_key(self.provider, "reverse", point)
        cached = await self._lookup(key)
        if cached is not None:
            return cached
        result = await self.inner.reverse(latitude, longitude)
        if result is not None:
            await self._store(key, "reverse", point, result)
        return result
