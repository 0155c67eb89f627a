"""Headers of every HTTP answer: nosniff, and caching that keeps personal data private."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = "private, no-store"
# Anonymous directory data (the HSDS facade) may sit in shared caches briefly.
PUBLIC_DIRECTORY = "public, max-age=60"


class SecurityHeadersMiddleware:
    """Add `X-Content-Type-Options: nosniff` and a safe `Cache-Control` to every response.

    A request that carried credentials (an Authorization header or any cookie, such as the
    console's session) is answered `private, no-store`, overriding a `public` the route chose;
    anonymous answers under `public_prefixes` default to a short public cache; asset paths keep
    what their route says; everything else defaults to `private, no-store`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        public_prefixes: Sequence[str] = ("/hsds",),
        asset_prefixes: Sequence[str] = ("/static",),
    ) -> None:
        self.app = app
        self.public_prefixes = tuple(public_prefixes)
        self.asset_prefixes = tuple(asset_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        credentials = any(name in (b"authorization", b"cookie") for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                self._cache_control(headers, path, credentials)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cache_control(self, headers: MutableHeaders, path: str, credentials: bool) -> None:
        current = headers.get("cache-control")
        if _under(path, self.asset_prefixes):
            return
        if credentials:
            if current is None or "public" in current.lower():
                headers["Cache-Control"] = PRIVATE
            return
        if current is None:
            headers["Cache-Control"] = (
                PUBLIC_DIRECTORY if _under(path, self.public_prefixes) else PRIVATE
            )


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)
