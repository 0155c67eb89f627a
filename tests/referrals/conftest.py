"""Referral test fixtures: the GraphQL fixtures, and the real app served by uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.app import create_app
from hub.core.settings import Settings
from tests.loopback import serving_app
from tests.schema.conftest import client, container, gql

__all__ = ["client", "container", "gql", "server"]


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The real app (with in-process notifications) under uvicorn on a loopback port."""
    with serving_app(create_app(settings)) as url:
        yield url
