"""Inviting an organization admin by email (a real SMTP server on loopback) and accepting."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from hub.app import create_app
from hub.core.settings import Settings
from tests.notifications.servers import SmtpSink
from tests.web.board_client import csrf_of, scalar, sign_in

LINK = re.compile(r"https?://\S+/invitation/(inv_[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a new partner password"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
async def client(demo_settings: Settings, smtp: SmtpSink) -> AsyncIterator[httpx.AsyncClient]:
    """The console, mailing through the SMTP sink."""
    settings = demo_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_sender": "hub@x.org"}
    )
    app = create_app(settings, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http
    await app.state.container.close()


def _organization(settings: Settings) -> tuple[str, str]:
    row = scalar(settings, "SELECT id, name FROM organization WHERE name LIKE '%Food%' LIMIT 1")
    return str(row[0][0]), str(row[0][1])


async def _invite(client: httpx.AsyncClient, org_id: str, email: str) -> httpx.Response:
    token = await csrf_of(client, "/admin/invitations/new")
    return await client.post(
        "/admin/invitations",
        data={"csrf": token, "email": email, "name": "Pat Partner", "organization": org_id,
              "role": "org_admin", "language": "es"},
    )  # fmt: skip


async def test_an_invited_admin_sets_a_password_and_runs_the_organization(
    client: httpx.AsyncClient, demo_settings: Settings, smtp: SmtpSink
) -> None:
    await sign_in(client, "admin")
    org_id, org_name = _organization(demo_settings)
    made = await _invite(client, org_id, "Pat@Partner.example.org")
    assert made.status_code == 200
    assert "We emailed the invitation to pat@partner.example.org" in made.text
    [message] = smtp.to("pat@partner.example.org")
    body = message.get_content()
    assert org_name in str(message["Subject"])
    assert "Elija su contraseña" in body  # the Spanish template, as asked
    link = LINK.search(body)
    assert link
    token = link.group(1)
    assert token in made.text  # also shown once to the admin

    invitee = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with invitee:
        page = await invitee.get(f"/invitation/{token}")
        assert page.status_code == 200
        assert "pat@partner.example.org" in page.text
        csrf = await csrf_of(invitee, f"/invitation/{token}")
        mismatch = await invitee.post(
            f"/invitation/{token}",
            data={"csrf": csrf, "name": "Pat", "password": NEW_PASSWORD, "password_again": "x"},
        )
        assert mismatch.status_code == 400
        assert "The two passwords are not the same." in mismatch.text
        joined = await invitee.post(f"/invitation/{token}", data={
            "csrf": csrf, "name": "Pat", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD})  # fmt: skip
        assert joined.status_code == 303
        assert joined.headers["location"] == "/referrals?box=received"
        assert "hub_session" in joined.headers["set-cookie"]
        used = await invitee.get(f"/invitation/{token}")
        assert used.status_code == 404  # one use only
    role = scalar(demo_settings, "SELECT m.role FROM membership m JOIN user_account u"
                  " ON u.id = m.user_id WHERE u.email = 'pat@partner.example.org'"
                  " AND m.organization_id = :o", o=org_id)  # fmt: skip
    assert role == [("org_admin",)]
    stored = scalar(demo_settings, "SELECT token_hash FROM invitation")
    assert token not in str(stored)


async def test_bad_invitations_and_links_are_refused_without_changes(
    client: httpx.AsyncClient, demo_settings: Settings, smtp: SmtpSink
) -> None:
    await sign_in(client, "admin")
    org_id, _ = _organization(demo_settings)
    bad = await _invite(client, org_id, "not an email")
    assert bad.status_code == 400
    assert "Give a valid email address." in bad.text
    unknown = await _invite(client, "7f0c9a52-5d8e-4a4e-9a57-0c2f1f4f9d11", "a@b.org")
    assert unknown.status_code == 404
    garbage = await _invite(client, "drop table", "a@b.org")
    assert garbage.status_code == 400
    assert scalar(demo_settings, "SELECT count(*) FROM invitation") == [(0,)]
    assert smtp.messages == []
    for token in ("inv_forged", "nonsense", "inv_" + "x" * 300):
        answer = await client.get(f"/invitation/{token}")
        assert answer.status_code == 404
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with anonymous:
        csrf = await csrf_of(anonymous, "/login")
        forged = await anonymous.post("/invitation/inv_forged", data={
            "csrf": csrf, "name": "X", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD})  # fmt: skip
        assert forged.status_code == 404
        assert (await anonymous.get("/admin/invitations/new")).status_code == 303
        await sign_in(anonymous, "board.auditor")
        refused = await anonymous.get("/admin/invitations/new")
        assert refused.status_code == 403
