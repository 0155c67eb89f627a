"""Pure pieces and channel adapters: signatures, backoff, templates, the Twilio wire format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import pytest

from referrals.notifications.email import render
from referrals.notifications.sms import (
    LoggingSmsProvider,
    TwilioSmsProvider,
    build_sms_provider,
    mask_number,
)
from referrals.notifications.webhooks import backoff_seconds, encode_body, signature
from tests.loopback import serving


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = encode_body({"b": 2, "a": "ñ"})
    assert body == b'{"a":"\\u00f1","b":2}'  # compact, sorted, ASCII: stable bytes to sign
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", "1700000000", body) == f"sha256={expected}"
    assert signature("other", "1700000000", body) != f"sha256={expected}"
    assert signature("s3cret", "1700000001", body) != f"sha256={expected}"


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(600.0, 5.0 * 2 ** (attempt - 1))
        delays = [backoff_seconds(attempt, base=5, cap=600, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_templates_render_in_both_languages_with_a_subject() -> None:
    context = {
        "service_name": "Food pantry",
        "sender_org_name": "Eastside",
        "receiver_org_name": "Northside",
        "referral_id": "r1",
        "hub_url": "https://hub.example.org",
    }
    en = render("email", "new_referral", "en", context)
    es = render("email", "new_referral", "es-MX", context)
    assert en.subject == "New referral for Food pantry from Eastside"
    assert es.subject == "Nueva referencia para Food pantry de Eastside"
    assert "privacy" in en.body
    assert "privacidad" in es.body
    fallback = render("email", "new_referral", "fr", context)
    assert fallback.subject == en.subject
    with pytest.raises(Exception, match="client_link"):
        render("sms", "client_sent", "en", context)  # StrictUndefined: no silent blanks


class _TwilioStandIn(BaseHTTPRequestHandler):
    """Speaks Twilio's Messages API: form-encoded POST, Basic auth, JSON 201 with a SID."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        auth = base64.b64decode(self.headers["Authorization"].removeprefix("Basic ")).decode()
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        self.received.append({"path": self.path, "auth": auth, "form": form})
        ok = auth == "AC123:tok" and self.path == "/2010-04-01/Accounts/AC123/Messages.json"
        body = json.dumps({"sid": "SM0001", "status": "queued"} if ok else {"code": 20003})
        self.send_response(201 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def twilio() -> Iterator[str]:
    _TwilioStandIn.received = []
    with serving(_TwilioStandIn) as port:
        yield f"127.0.0.1:{port}"


async def test_twilio_provider_speaks_the_messages_api(twilio: str) -> None:
    provider = build_sms_provider(f"twilio://AC123:tok@{twilio}?from=%2B15550001111&scheme=http")
    assert isinstance(provider, TwilioSmsProvider)
    sid = await provider.send(to="+15550102000", body="Hola", reference="d1")
    assert sid == "SM0001"
    [call] = _TwilioStandIn.received
    assert call["form"] == {"To": "+15550102000", "From": "+15550001111", "Body": "Hola"}
    wrong = build_sms_provider(f"twilio://AC123:bad@{twilio}?from=%2B1555&scheme=http")
    with pytest.raises(Exception, match="401"):
        await wrong.send(to="+15550102000", body="Hola", reference="d2")


async def test_logging_provider_masks_numbers(caplog: pytest.LogCaptureFixture) -> None:
    provider = build_sms_provider("log")
    assert isinstance(provider, LoggingSmsProvider)
    caplog.set_level("INFO")
    await provider.send(to="+1 555 010 2000", body="hi", reference="d")
    assert "+1 555 010 2000" not in caplog.text
    assert mask_number("+1 555 010 2000") in caplog.text
    assert mask_number("+1 555 010 2000") == "*********00"
    with pytest.raises(ValueError, match="Unknown SMS provider"):
        build_sms_provider("carrier-pigeon")
