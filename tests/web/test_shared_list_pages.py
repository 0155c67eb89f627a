"""Sharing a list over HTTP: the preview, the print view, and sending by email (a real SMTP
server) and SMS (a Twilio wire stand-in), in the client's language; bad input changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest
from sqlmodel import col, select

from hub.app import create_app
from hub.core.settings import Settings
from providers.models import Service, ServiceStatus
from tests.loopback import serving
from tests.notifications.servers import SmtpSink, free_port
from tests.web.test_search_pages import CSRF, sign_in


class _Twilio(BaseHTTPRequestHandler):
    """Twilio's Messages API as the SMS provider speaks it: form POST, JSON 201 with a SID."""

    received: list[dict[str, str]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        body = json.dumps({"sid": "SM1", "status": "queued"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def twilio() -> Iterator[str]:
    """The Twilio stand-in's address."""
    _Twilio.received = []
    with serving(_Twilio) as port:
        yield f"127.0.0.1:{port}"


@pytest.fixture
async def mail_client(
    demo_settings: Settings, smtp: SmtpSink, twilio: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The console with mail to the SMTP sink and SMS to the Twilio stand-in."""
    settings = demo_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_sender": "hub@hub.example.org",
            "sms_provider": f"twilio://AC1:tok@{twilio}?from=%2B15550001111&scheme=http",
        }
    )
    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http, app
    await app.state.container.close()


async def _services(app: Any, count: int) -> list[Service]:
    async with app.state.container.session_factory() as session:
        found = await session.exec(
            select(Service)
            .where(Service.status == ServiceStatus.ACTIVE)
            .order_by(col(Service.name))
            .limit(count)
        )
        return list(found)


async def test_send_a_list_by_email_and_sms_in_the_clients_language(
    mail_client: tuple[httpx.AsyncClient, Any],
    smtp: SmtpSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, app = mail_client
    first, second = await _services(app, 2)
    await sign_in(client, "coach.alameda")
    ids = f"{first.id},{second.id}"
    preview = await client.get(f"/list?ids={ids}&back=/search%3Fneeds%3Dfood")
    assert preview.status_code == 200
    assert preview.text.count('<li class="card" data-service-id=') == 2
    printed = await client.get(f"/list/print?ids={ids}")
    assert printed.status_code == 200
    assert "Services for you" in printed.text
    assert 'id="print-list"' in printed.text
    token = CSRF.search(preview.text)
    assert token
    caplog.set_level("DEBUG")
    form = {"csrf": token.group(1), "ids": ids, "back": "/search?needs=food"}
    sent = await client.post(
        "/list/send", data={**form, "channel": "email", "to": "maria@example.net", "language": "es"}
    )
    assert sent.status_code == 303
    assert "sent=email" in sent.headers["location"]
    assert "maria" not in sent.headers["location"]
    [message] = smtp.to("maria@example.net")
    assert message["Subject"].startswith("Servicios para usted de ")
    body = message.get_content()
    assert first.name in body
    assert second.name in body
    assert "Llame antes" in body
    confirmed = await client.get(sent.headers["location"])
    assert "The list was sent by email." in confirmed.text

    texted = await client.post(
        "/list/send", data={**form, "channel": "sms", "to": "(510) 555-0147", "language": "en"}
    )
    assert texted.status_code == 303
    [sms] = _Twilio.received
    assert sms["To"] == "+15105550147"
    assert sms["Body"].startswith("Services from ")
    assert first.name in sms["Body"]
    # Neither the address, the number nor the text reaches the log.
    ours = "\n".join(
        r.getMessage() + repr(r.__dict__)
        for r in caplog.records
        if not r.name.startswith("mail.log")  # the test SMTP server's own log
    )
    for secret in ("maria@example.net", "5550147", first.name):
        assert secret not in ours


async def test_bad_input_sends_nothing_and_says_why(
    mail_client: tuple[httpx.AsyncClient, Any], smtp: SmtpSink
) -> None:
    client, app = mail_client
    [service] = await _services(app, 1)
    await sign_in(client, "coach.alameda")
    page = await client.get(f"/list?ids={service.id}")
    token = CSRF.search(page.text)
    assert token
    base = {"csrf": token.group(1), "ids": service.id, "language": "en"}
    cases = [
        ({"channel": "email", "to": "not-an-address"}, "Enter an email address like"),
        ({"channel": "sms", "to": "12"}, "Enter a phone number with its area code"),
        ({"channel": "fax", "to": "x@example.org"}, "Choose email or text message"),
        ({"channel": "email", "to": ""}, "Enter where to send the list"),
        (
            {"channel": "email", "to": "x@example.org", "language": "fr"},
            "Choose English or Spanish",
        ),
        (
            {"channel": "email", "to": "x@example.org", "ids": "00000000-0000-0000-0000-0000000"},
            "A service on the list no longer exists",
        ),
        ({"channel": "email", "to": "x@example.org", "ids": ""}, "Add at least one service"),
    ]
    for change, message in cases:
        answer = await client.post("/list/send", data={**base, **change})
        assert answer.status_code == 400, change
        assert message in answer.text, change
    forged = await client.post(
        "/list/send", data={**base, "csrf": "forged", "channel": "email", "to": "x@example.org"}
    )
    assert forged.status_code == 403
    assert not smtp.messages
    unknown = await client.get("/list?ids=00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 400
    assert "A service on the list no longer exists" in unknown.text
    empty = await client.get("/list?ids=")
    assert empty.status_code == 400


async def test_an_unreachable_mail_server_is_a_readable_failure(demo_settings: Settings) -> None:
    settings = demo_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        [service] = await _services(app, 1)
        await sign_in(client, "coach.alameda")
        token = CSRF.search((await client.get(f"/list?ids={service.id}")).text)
        assert token
        answer = await client.post(
            "/list/send",
            data={
                "csrf": token.group(1),
                "ids": service.id,
                "channel": "email",
                "to": "x@example.org",
                "language": "en",
            },
        )
    await app.state.container.close()
    assert answer.status_code == 502
    assert "The list could not be sent. Please try again later." in answer.text
    assert re.search(r'name="to"[^>]*value="x@example.org"', answer.text)


async def test_removing_services_keeps_the_search_and_the_list_in_step(
    mail_client: tuple[httpx.AsyncClient, Any],
) -> None:
    client, app = mail_client
    first, second = await _services(app, 2)
    await sign_in(client, "coach.alameda")
    back = f"/search?needs=food&list={first.id},{second.id}"
    page = await client.get(f"/list?ids={first.id},{second.id}&back={quote(back)}")
    removal = re.search(rf'href="(/list\?ids={second.id}[^"]*)">Remove from list', page.text)
    assert removal
    shorter = await client.get(removal.group(1).replace("&amp;", "&"))
    assert shorter.text.count('<li class="card" data-service-id=') == 1
    assert f'href="/search?needs=food&amp;list={second.id}"' in shorter.text  # back, in step
    last = re.search(r'href="([^"]*)">Remove from list', shorter.text)
    assert last
    assert last.group(1).replace("&amp;", "&") == "/search?needs=food"  # none left: the search
    printed = await client.get(f"/list/print?ids={first.id}")
    assert "Remove from list" not in printed.text
