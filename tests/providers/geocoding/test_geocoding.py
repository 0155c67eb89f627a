"""Offline gazetteer, configured online geocoders, fallback and the persistent cache."""

from __future__ import annotations

import logging
import socket

import pytest
from geopy.distance import geodesic

from hub.container import build_container
from hub.core.db import SessionFactory
from hub.core.settings import Settings
from providers.geocoding import FallbackGeocoder, build_geocoder
from providers.geocoding.adapter import OfflineGeocoder
from providers.models.enums import GeocodePrecision
from tests.providers.geocoding.nominatim_server import nominatim_server


async def test_zip_resolves_offline_to_its_centroid() -> None:
    found = await OfflineGeocoder().geocode("94601")
    assert found is not None
    assert (found.latitude, found.longitude) == (37.7806, -122.2166)
    assert found.precision is GeocodePrecision.ZIP
    assert found.postal_code == "94601"
    assert found.timezone_name == "America/Los_Angeles"
    assert found.county == "Alameda County"


async def test_city_state_resolves_offline_to_the_centroid_of_its_zips() -> None:
    found = await OfflineGeocoder().geocode("Oakland, CA")
    assert found is not None
    assert found.precision is GeocodePrecision.CITY
    assert found.state == "CA"
    # Oakland's ZIP centroids average out near downtown, well inside the city.
    assert geodesic((found.latitude, found.longitude), (37.8044, -122.2712)).km < 5


async def test_full_address_falls_to_its_zip_centroid() -> None:
    found = await OfflineGeocoder().geocode("1600 Broadway, Oakland, CA 94612-2006")
    assert found is not None
    assert found.precision is GeocodePrecision.ZIP
    assert found.postal_code == "94612"


async def test_unknown_place_is_none_and_reverse_gives_nearest_zip() -> None:
    geocoder = OfflineGeocoder()
    assert await geocoder.geocode("Atlantis, ZZ") is None
    assert await geocoder.geocode("00000") is None
    nearest = await geocoder.reverse(37.7810, -122.2170)
    assert nearest is not None
    assert nearest.postal_code == "94601"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_failing_online_geocoder_degrades_to_gazetteer_with_warning(
    caplog: pytest.LogCaptureFixture, session_factory: SessionFactory
) -> None:
    with nominatim_server(fail=True) as server:
        geocoder = build_geocoder(
            "nominatim",
            options={"domain": server.domain, "scheme": "http", "timeout": "2"},
            min_delay_seconds=0,
            session_factory=session_factory,
        )
        assert isinstance(geocoder, FallbackGeocoder)
        with caplog.at_level(logging.WARNING, logger="providers.geocoding.factory"):
            found = await geocoder.geocode("1600 Broadway, Oakland, CA 94612")
        assert server.paths
        assert set(server.paths) == {"/search"}
    assert found is not None
    assert found.precision is GeocodePrecision.ZIP
    assert found.postal_code == "94612"
    assert any("nominatim failed" in r.getMessage() for r in caplog.records)


async def test_unreachable_online_geocoder_degrades_too(caplog: pytest.LogCaptureFixture) -> None:
    geocoder = build_geocoder(
        "nominatim",
        options={"domain": f"127.0.0.1:{_free_port()}", "scheme": "http", "timeout": "2"},
        min_delay_seconds=0,
    )
    with caplog.at_level(logging.WARNING, logger="providers.geocoding.factory"):
        found = await geocoder.reverse(37.7810, -122.2170)
    assert found is not None
    assert found.postal_code == "94601"
    assert any("using the offline gazetteer" in r.getMessage() for r in caplog.records)


async def test_online_answer_is_cached_and_not_asked_twice(session_factory: SessionFactory) -> None:
    with nominatim_server() as server:
        geocoder = build_geocoder(
            "nominatim",
            options={"domain": server.domain, "scheme": "http"},
            min_delay_seconds=0,
            session_factory=session_factory,
        )
        first = await geocoder.geocode("1600 Broadway, Oakland, CA")
        second = await geocoder.geocode("  1600 broadway,   Oakland, CA ")
        assert server.paths == ["/search"]
    assert first == second
    assert first is not None
    assert first.precision is GeocodePrecision.ROOFTOP
    assert (first.latitude, first.longitude) == (37.8044557, -122.2713563)
    # ZIP, county and time zone come from the gazetteer for the point the service returned.
    assert first.postal_code is not None
    assert first.postal_code.startswith("946")
    assert first.county == "Alameda County"
    assert first.timezone_name == "America/Los_Angeles"


async def test_online_no_match_falls_back_without_caching(session_factory: SessionFactory) -> None:
    with nominatim_server() as server:
        geocoder = build_geocoder(
            "nominatim",
            options={"domain": server.domain, "scheme": "http"},
            min_delay_seconds=0,
            session_factory=session_factory,
        )
        assert (await geocoder.geocode("94601")) is not None
        assert (await geocoder.geocode("94601")) is not None
        assert server.paths == ["/search", "/search"]


async def test_settings_choose_the_geocoder(settings: Settings) -> None:
    online = settings.model_copy(
        update={"geocoder": "nominatim", "geocoder_options": {"domain": "127.0.0.1:9"}}
    )
    for chosen, kind in ((settings, OfflineGeocoder), (online, FallbackGeocoder)):
        container = build_container(chosen)
        try:
            assert isinstance(container.geocoder, kind)
        finally:
            await container.close()
