"""Per-request observability: Prometheus request metrics, one access log line, a request id."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("hub.access")

UNMATCHED = "<unmatched>"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """The request metrics of one app, in its own registry (several apps may live in a process)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "hub_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "hub_http_requests_in_progress",
            "HTTP requests being served.",
            registry=self.registry,
        )


def route_template(routes: Sequence[BaseRoute], scope: Scope, prefix: str = "") -> str:
    """The path template (e.g. `/r/{token}`) a request matches; never the raw path."""
    for route in routes:
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        if isinstance(route, Mount):
            inner = {**scope, **child}
            return route_template(route.routes, inner, prefix + route.path)
        return prefix + str(getattr(route, "path", "")) or UNMATCHED
    return UNMATCHED


class ObservabilityMiddleware:
    """Counts, times and logs each HTTP request by route template (secrets in paths stay out)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        # Matched before the app runs: routing rewrites the scope (root_path) as it descends.
        # Starlette puts itself in the scope, so routes mounted after startup count too.
        owner = scope.get("app")
        route = route_template(getattr(owner, "routes", ()), scope)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_progress.dec()
            elapsed = time.perf_counter() - started
            method = str(scope.get("method", "GET"))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id,
                },
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            # Only well-formed ids are echoed, so a caller cannot inject text into our logs.
            return text if _REQUEST_ID.match(text) else None
    return None
