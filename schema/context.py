"""The per-request GraphQL context: container, acting principal, request and DataLoaders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from hub.container import Container
from hub.core.clock import Clock
from hub.core.db import transaction
from hub.core.errors import Unauthenticated
from hub.identity.principal import ANONYMOUS, Principal
from hub.identity.service import authenticate_token

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchLoad = Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[V]]]


class Loaders:
    """DataLoaders of one request, created on first use and keyed by their batch function."""

    def __init__(self, container: Container, *, cache: bool = True) -> None:
        self._container = container
        self._cache = cache
        self._loaders: dict[Any, DataLoader[Any, Any]] = {}

    def get(self, batch: BatchLoad[K, V], *, variant: Hashable = None) -> DataLoader[K, V]:
        """Return this request's loader for a batch function `(session, keys) -> values`.

        `variant` tells apart loaders of one function whose results depend on the caller
        (for example whether private rows are visible).
        """
        key = (batch, variant)
        loader = self._loaders.get(key)
        if loader is None:
            factory = self._container.session_factory

            async def load(keys: list[K]) -> Sequence[V]:
                # One short read session per batch: one statement, no session held across awaits.
                async with factory() as session:
                    return await batch(session, keys)

            loader = DataLoader(load_fn=load, cache=self._cache)
            self._loaders[key] = loader
        return loader


@dataclass
class Context:
    """What every resolver gets through `strawberry.Info[Context, None]`."""

    container: Container
    request: HTTPConnection | None = None
    principal: Principal = ANONYMOUS
    loaders: Loaders = field(init=False)
    # Set by the WebSocket handshake (graphql-transport-ws / graphql-ws connection_init).
    connection_params: dict[str, Any] | None = None
    websocket: bool = False

    def __post_init__(self) -> None:
        # A WebSocket context lives as long as the connection, so its loaders must not cache.
        self.loaders = Loaders(self.container, cache=not self.websocket)

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a read session (no commit)."""
        return self.container.session_factory()

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a session that commits on success and rolls back on any error."""
        return transaction(self.container.session_factory)

    @property
    def clock(self) -> Clock:
        """The container's clock."""
        return self.container.clock


Info = strawberry.Info[Context, None]


def bearer_token(value: str | None) -> str | None:
    """Extract the token of an `Authorization: Bearer <token>` value (None when absent)."""
    if value is None or not value.strip():
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the token as 'Authorization: Bearer <token>'.")
    return token.strip()


async def authenticate(container: Container, authorization: str | None) -> Principal:
    """Resolve an Authorization value to a principal; a bad token is refused, never anonymous."""
    token = bearer_token(authorization)
    if token is None:
        return ANONYMOUS
    return await authenticate_token(
        factory=container.session_factory, token=token, clock=container.clock
    )


@asynccontextmanager
async def open_session(info: Info) -> AsyncIterator[AsyncSession]:
    """Open a read session from a resolver's info."""
    async with info.context.session() as session:
        yield session
