"""What actors run with: injected once per process by the assembly code (app or worker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from hub.core.broadcast import Broadcaster
from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.netguard import guarded_client
from referrals.notifications.config import NotificationConfig
from referrals.notifications.email import Mailer
from referrals.notifications.sms import SmsProvider


class Enqueuer(Protocol):
    """Sends the notification actors' messages (through Dramatiq in production)."""

    def dispatch(self, event_id: str) -> None:
        """Ask a worker to fan an outbox event out."""
        ...

    def deliver(self, delivery_id: str, *, delay_ms: int | None = None) -> None:
        """Ask a worker to attempt one delivery, optionally later."""
        ...


@dataclass
class NotificationRuntime:
    """Collaborators of the dispatcher, sender, sweeper and SLA engine in one process."""

    config: NotificationConfig
    session_factory: SessionFactory
    clock: Clock
    broadcaster: Broadcaster
    mailer: Mailer
    sms: SmsProvider
    enqueue: Enqueuer
    _http: httpx.AsyncClient | None = field(default=None, repr=False)

    def http(self) -> httpx.AsyncClient:
        """The shared HTTP client for webhooks (made on first use, on the worker's loop)."""
        if self._http is None:
            # Subscribers choose the URL: only public addresses, checked at each connection.
            self._http = guarded_client(
                allowed_hosts=self.config.webhook_allow_hosts,
                timeout=self.config.webhook_timeout_seconds,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            )
        return self._http

    async def aclose(self) -> None:
        """Close the HTTP client (call on the loop that used it)."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


_current: NotificationRuntime | None = None


def install(runtime: NotificationRuntime | None) -> None:
    """Make a runtime the one actors in this process use (None to remove it)."""
    global _current
    _current = runtime


def installed() -> NotificationRuntime | None:
    """The runtime installed in this process, if any."""
    return _current


def current() -> NotificationRuntime:
    """The runtime installed in this process."""
    if _current is None:
        raise RuntimeError(
            "Notifications are not started in this process: run `hub worker` or `hub serve`."
        )
    return _current
