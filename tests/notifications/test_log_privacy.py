"""Notifications never log what they carry: the client's number, address and link token."""

from __future__ import annotations

import logging
import smtplib

import httpx
import pytest

from referrals.notifications.delivery import describe_failure
from referrals.notifications.models import Channel
from referrals.notifications.sms import LoggingSmsProvider

TOKEN = "rl_" + "x7" * 22
NUMBER = "+1 408 555 0199"


async def test_the_logging_sms_provider_logs_neither_text_nor_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = LoggingSmsProvider()
    body = f"Eastside referred you to Pantry. Details: https://hub.example.org/r/{TOKEN}"
    with caplog.at_level(logging.INFO, logger="referrals.notifications.sms"):
        await provider.send(to=NUMBER, body=body, reference="delivery-1")
    # The text is still kept for demos and tests, in memory only.
    assert provider.sent == [(NUMBER, body, "delivery-1")]
    (line,) = [r.getMessage() for r in caplog.records]
    assert "delivery-1" in line
    assert TOKEN not in line
    assert "Details" not in line
    assert "4085550199" not in line.replace(" ", "")
    assert line.count("*") >= 8


def test_email_and_sms_failures_are_described_without_the_recipient() -> None:
    refused = smtplib.SMTPRecipientsRefused({"maria@example.net": (550, b"no such user")})
    rejected = smtplib.SMTPResponseException(553, "<maria@example.net>: address rejected")
    request = httpx.Request("POST", "https://api.twilio.example/Messages.json")
    twilio = httpx.HTTPStatusError(
        f"400 for {NUMBER}", request=request, response=httpx.Response(400, request=request)
    )
    assert describe_failure(Channel.EMAIL, refused) == "SMTPRecipientsRefused"
    assert describe_failure(Channel.EMAIL, rejected) == "SMTPResponseException (553)"
    assert describe_failure(Channel.SMS, twilio) == "HTTPStatusError (400)"
    # A webhook's endpoint is the organization's own and helps its admins: kept.
    failed = httpx.ConnectError("connection refused to hooks.example.org")
    assert "hooks.example.org" in describe_failure(Channel.WEBHOOK, failed)
