"""Organization webhooks: signed JSON POSTs, backoff with jitter, and subscription management."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core import netguard
from hub.core.clock import Clock
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.core.security import sign
from hub.identity.principal import Principal
from referrals.notifications.models import WebhookSubscription

SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
EVENT_ID_HEADER = "X-Hub-Event-Id"
DELIVERY_ID_HEADER = "X-Hub-Delivery-Id"
TOPIC_HEADER = "X-Hub-Event"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the header value `sha256=<hex HMAC-SHA256 over "{timestamp}.{body}">`."""
    return "sha256=" + sign(secret, timestamp.encode("ascii") + b"." + body)


def encode_body(document: dict[str, Any]) -> bytes:
    """Serialise a webhook document exactly as it is signed and sent."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with jitter: uniform in [c/2, c] where c = min(cap, base*2^(n-1))."""
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    # Half fixed, half random: retries spread out but never bunch at zero.
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


@dataclass(frozen=True, slots=True)
class HttpResult:
    """What one POST produced."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


async def post_signed(
    client: httpx.AsyncClient,
    *,
    url: str,
    secret: str,
    body: bytes,
    event_id: str,
    delivery_id: str,
    topic: str,
    now: datetime,
    timeout_seconds: float,
) -> HttpResult:
    """POST a signed body once; any 2xx is success, anything else (or no answer) a failure."""
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "referral-hub-webhooks/1",
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        TIMESTAMP_HEADER: timestamp,
        EVENT_ID_HEADER: event_id,
        DELIVERY_ID_HEADER: delivery_id,
        TOPIC_HEADER: topic,
    }
    started = time.perf_counter()
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout_seconds)
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return HttpResult(False, None, delivery_error(exc), elapsed)
    elapsed = int((time.perf_counter() - started) * 1000)
    if 200 <= response.status_code < 300:
        return HttpResult(True, response.status_code, None, elapsed)
    return HttpResult(False, response.status_code, f"HTTP {response.status_code}", elapsed)


def delivery_error(exc: BaseException) -> str:
    """Say why a POST failed in words that reveal nothing about networks behind the hub."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, netguard.BlockedAddress):
            return "The endpoint's address is not public."
        if isinstance(cause, netguard.Unresolvable):
            return "The endpoint's host name does not resolve."
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return "The endpoint did not answer in time."
    if isinstance(exc, httpx.ConnectError):
        return "Could not connect to the endpoint."
    return "The request to the endpoint failed."


_URL_RULE = "Give an absolute https:// URL of at most 2,000 characters."


def _split_url(url: str, *, allow_http: bool) -> SplitResult:
    value = url.strip()
    allowed = {"https", "http"} if allow_http else {"https"}
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # both raise on a malformed authority
    except ValueError:  # "https://[evil", a port that is not a number
        raise ValidationFailed.single("url", ErrorCode.INVALID, _URL_RULE) from None
    if parts.scheme not in allowed or not host or len(value) > 2000:
        raise ValidationFailed.single("url", ErrorCode.INVALID, _URL_RULE)
    return parts


async def check_endpoint(url: str, *, allow_http: bool, allowed_hosts: Collection[str]) -> str:
    """Check a webhook URL's form and that its host is public (a name not resolving yet passes)."""
    parts = _split_url(url, allow_http=allow_http)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        await netguard.public_addresses(
            host, port, allowed_hosts=netguard.allowed_set(allowed_hosts)
        )
    except netguard.BlockedAddress:
        raise ValidationFailed.single(
            "url",
            ErrorCode.INVALID,
            "Webhooks go to public addresses only; this host is private, local or reserved.",
        ) from None
    except netguard.Unresolvable:
        pass  # every delivery resolves and checks the host again
    return url.strip()


async def create_subscription(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    organization_id: str,
    url: str,
    topics: list[str] | None = None,
    allow_http: bool = False,
    allowed_hosts: Collection[str] = (),
) -> tuple[WebhookSubscription, str]:
    """Subscribe an organization's endpoint; returns the row and its secret (shown only now)."""
    actor.require_manage(organization_id)
    clean = await check_endpoint(url, allow_http=allow_http, allowed_hosts=allowed_hosts)
    wanted = sorted({t.strip() for t in topics or [] if t.strip()})
    bad = [t for t in wanted if not t.startswith("referral.")]
    if bad:
        raise ValidationFailed.single(
            "topics", ErrorCode.INVALID_CHOICE, f"Only referral.* topics exist: {', '.join(bad)}."
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    now = clock.now()
    row = WebhookSubscription(
        organization_id=organization_id,
        url=clean,
        secret=secret,
        topics=wanted,
        created_by_user_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row, secret


async def delete_subscription(
    *, session: AsyncSession, actor: Principal, subscription_id: str
) -> None:
    """Remove a subscription; its delivery log stays (detached)."""
    row = await session.get(WebhookSubscription, subscription_id)
    if row is None or not (actor.is_member(row.organization_id) or actor.is_hub_admin):
        raise NotFound("WebhookSubscription", subscription_id)
    actor.require_manage(row.organization_id)
    await session.delete(row)
    await session.flush()


async def list_subscriptions(
    *, session: AsyncSession, actor: Principal, organization_id: str
) -> list[WebhookSubscription]:
    """An organization's subscriptions, for its admins."""
    actor.require_manage(organization_id)
    result = await session.exec(
        select(WebhookSubscription)
        .where(col(WebhookSubscription.organization_id) == organization_id)
        .order_by(col(WebhookSubscription.created_at))
    )
    return list(result.all())


def wants(subscription: WebhookSubscription, topic: str) -> bool:
    """Tell whether a subscription takes a topic (no topics listed means all)."""
    return not subscription.topics or topic in subscription.topics
