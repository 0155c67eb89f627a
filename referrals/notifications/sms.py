"""SMS behind a provider interface: a logging provider by default, Twilio's REST API by URL."""

from __future__ import annotations

import logging
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from hub.core.ids import new_id

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    """Something that sends a text message and returns the provider's message id."""

    name: str

    async def send(self, *, to: str, body: str, reference: str) -> str:
        """Send a text; raise on failure so the delivery is retried."""
        ...


def mask_number(number: str) -> str:
    """Keep only the last two digits of a phone number for logs."""
    digits = [c for c in number if c.isdigit()]
    return "*" * max(0, len(digits) - 2) + "".join(digits[-2:])


class LoggingSmsProvider:
    """Keeps texts in memory instead of sending them (the default); logs only that one was sent.

    The body holds the client's link token and the number is the client's: the log line has the
    masked number, the delivery reference and the length, never the text.
    """

    name = "log"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, *, to: str, body: str, reference: str) -> str:
        """Remember the text (tests and demos read `sent`) and log that it was sent."""
        self.sent.append((to, body, reference))
        log.info("sms to %s (%s): %d characters, not sent", mask_number(to), reference, len(body))
        return f"log-{new_id()}"


class TwilioSmsProvider:
    """Twilio Programmable Messaging: POST form-encoded To/From/Body to Messages.json."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        base_url: str,
        timeout: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def send(self, *, to: str, body: str, reference: str) -> str:
        """Create a message through the REST API; returns its SID."""
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(
                url,
                data={"To": to, "From": self.sender, "Body": body},
                auth=(self.account_sid, self.auth_token),
            )
        response.raise_for_status()
        return str(response.json()["sid"])


def build_sms_provider(spec: str) -> SmsProvider:
    """`log` (default) or `twilio://SID:TOKEN@host[:port]?from=+1555...[&scheme=http]`."""
    if not spec or spec == "log":
        return LoggingSmsProvider()
    parts = urlsplit(spec)
    if parts.scheme == "twilio" and parts.username and parts.password and parts.hostname:
        query = parse_qs(parts.query)
        sender = query.get("from", [""])[0]
        scheme = query.get("scheme", ["https"])[0]
        if not sender:
            raise ValueError("The twilio SMS provider needs ?from=<sender number>.")
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        return TwilioSmsProvider(
            account_sid=unquote(parts.username),
            auth_token=unquote(parts.password),
            sender=sender,
            base_url=f"{scheme}://{host}",
        )
    raise ValueError(
        f"Unknown SMS provider {spec!r}: use 'log' or 'twilio://SID:TOKEN@host?from=...'."
    )
