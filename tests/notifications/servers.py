"""Real local servers for notification tests: an SMTP sink (aiosmtpd) and a webhook receiver.

The webhook receiver checks every request's `X-Hub-Signature` against the subscription's
secret and deduplicates on `X-Hub-Event-Id`, as the webhook contract asks receivers to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _SmtpHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on a loopback port that keeps every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.port = free_port()
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        """Start serving."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to one recipient, in arrival order."""
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 refuses connections when many deliveries arrive at once.
    request_queue_size = 256


# The receivers listen on loopback, which the webhook address guard refuses unless allowed.
LOOPBACK_HOSTS = ("127.0.0.1",)


@dataclass
class Received:
    """One webhook request as the receiver saw it."""

    path: str
    event_id: str
    topic: str
    body: dict[str, Any]
    signature_ok: bool
    timestamp: str


@dataclass
class WebhookReceiver:
    """An HTTP server that verifies signatures and records requests per path."""

    secrets: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    seen_event_ids: dict[str, set[str]] = field(default_factory=dict)
    duplicates: list[Received] = field(default_factory=list)
    status_for: Callable[[str], int] = lambda path: 200
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """Where the receiver listens."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Serve on a loopback port in a daemon thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if len(raw) < length:
                    # The sender died mid-request (the worker-kill test): like any HTTP server,
                    # drop the truncated request instead of recording it as a delivery.
                    self.close_connection = True
                    return
                status = receiver.handle(self.path, dict(self.headers.items()), raw)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        """Verify, record and deduplicate one request; answer with the configured status."""
        secret = self.secrets.get(path, "")
        timestamp = headers.get("X-Hub-Timestamp", "")
        expected = (
            "sha256="
            + hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        )
        ok = bool(secret) and hmac.compare_digest(expected, headers.get("X-Hub-Signature", ""))
        status = self.status_for(path)
        item = Received(
            path=path,
            event_id=headers.get("X-Hub-Event-Id", ""),
            topic=headers.get("X-Hub-Event", ""),
            body=json.loads(raw or b"{}"),
            signature_ok=ok,
            timestamp=timestamp,
        )
        with self.lock:
            self.requests.append(item)
            if status == 200 and ok:
                seen = self.seen_event_ids.setdefault(path, set())
                if item.event_id in seen:
                    self.duplicates.append(item)
                seen.add(item.event_id)
        return status if ok else 401

    def at(self, path: str) -> list[Received]:
        """Requests to one path, in arrival order."""
        with self.lock:
            return [r for r in self.requests if r.path == path]
