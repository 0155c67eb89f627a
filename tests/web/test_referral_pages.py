"""The referral pages over HTTP: refer, inbox/outbox, detail, actions, conflicts and bad input."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import func, select

from hub.app import create_app
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from referrals.models import AccessLog, Client, Consent, Referral, ReferralEvent
from tests.web.referral_world import csrf_of, receiving_service, sign_in_http

BASE = "http://127.0.0.1:8000"


@pytest.fixture
async def app_client(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The console app in process, with a browser-like cookie jar."""
    app = create_app(demo_settings, notifications=False, fill_search_index=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http
    await app.state.container.close()


async def _counts(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            counts = {}
            for name, model in (
                ("clients", Client),
                ("consents", Consent),
                ("referrals", Referral),
                ("events", ReferralEvent),
            ):
                counts[name] = (await session.exec(select(func.count()).select_from(model))).one()
            return counts
    finally:
        await engine.dispose()


async def _access_rows(settings: Settings) -> int:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            return (await session.exec(select(func.count()).select_from(AccessLog))).one()
    finally:
        await engine.dispose()


async def _refer(
    client: httpx.AsyncClient, service_id: str, *, share: bool = True, name: str = "Lena Park"
) -> str:
    """Add a client and send them to the service as the signed-in coach; the referral's id."""
    page = await client.get(f"/referrals/new?service={service_id}")
    assert page.status_code == 200
    added = await client.post(
        "/referrals/new/client",
        data={
            "csrf": csrf_of(page.text),
            "service": service_id,
            "name": name,
            "phone": "510-555-0142",
            "email": "lena@example.net",
            "language": "es",
            "channel": "none",
        },
    )
    assert added.status_code == 303, added.text
    chosen = added.headers["location"]
    client_id = parse_qs(urlsplit(chosen).query)["client"][0]
    form_page = await client.get(chosen)
    assert name in form_page.text
    needs = re.findall(r'name="needs" value="([^"]+)"', form_page.text)
    assert needs
    data = {
        "csrf": csrf_of(form_page.text),
        "service": service_id,
        "client": client_id,
        "needs": needs[0],
        "notes": "Prefers mornings.",
        "consent_referral": "yes",
    }
    if share:
        data["consent_share"] = "yes"
    sent = await client.post("/referrals/new", data=data)
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.endswith("?done=sent")
    return location.split("/")[-1].split("?")[0]


async def test_refer_then_receiver_accepts_notes_and_completes(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    referral_id = await _refer(app_client, service_id)
    detail = await app_client.get(f"/referrals/{referral_id}?done=sent")
    assert "The referral is sent." in detail.text
    assert "Sent, waiting for an answer" in detail.text
    outbox = await app_client.get("/referrals?box=sent")
    assert f'data-referral-id="{referral_id}"' in outbox.text
    assert "Lena Park" in outbox.text

    app_client.cookies.clear()
    await sign_in_http(app_client, "foodbank.admin")
    inbox = await app_client.get("/referrals?box=received&status=requested")
    assert f'data-referral-id="{referral_id}"' in inbox.text
    opened = await app_client.get(f"/referrals/{referral_id}")
    assert opened.status_code == 200
    # Shared with consent: the receiver sees the client.
    assert "Lena Park" in opened.text
    assert "Prefers mornings." in opened.text
    version = re.search(r'name="version" value="(\d+)"', opened.text)
    assert version
    accept = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": csrf_of(opened.text), "status": "accepted", "version": version.group(1)},
    )
    assert accept.status_code == 303
    page = await app_client.get(accept.headers["location"])
    assert "The status is saved." in page.text
    assert "Opened by the receiving organization" in page.text
    note = await app_client.post(
        f"/referrals/{referral_id}/notes",
        data={"csrf": csrf_of(page.text), "body": "Called; intake on Monday."},
    )
    assert note.status_code == 303
    page = await app_client.get(f"/referrals/{referral_id}")
    assert "Called; intake on Monday." in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    # Completing without an outcome is refused beside the field; nothing changes.
    missing = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": csrf_of(page.text), "status": "completed", "version": version.group(1)},
    )
    assert missing.status_code == 400
    assert 'id="f-completed-outcome-error"' in missing.text
    done = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={
            "csrf": csrf_of(page.text),
            "status": "completed",
            "version": version.group(1),
            "outcome": "got_help",
        },
    )
    assert done.status_code == 303
    final = await app_client.get(f"/referrals/{referral_id}")
    assert 'data-status="completed"' in final.text
    assert "The client got help" in final.text
    # The htmx poll gets only the live area, and reads no client details (no access rows).
    reads = await _access_rows(demo_settings)
    fragment = await app_client.get(
        f"/referrals/{referral_id}?seen=2", headers={"HX-Request": "true"}
    )
    assert await _access_rows(demo_settings) == reads
    assert "<html" not in fragment.text
    assert 'data-status="completed"' in fragment.text
    assert "This referral changed since you opened the page." in fragment.text


async def test_without_share_consent_the_receiver_does_not_see_the_client(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    referral_id = await _refer(app_client, service_id, share=False, name="Omar Quint")
    app_client.cookies.clear()
    await sign_in_http(app_client, "foodbank.admin")
    inbox = await app_client.get("/referrals?box=received")
    assert f'data-referral-id="{referral_id}"' in inbox.text
    assert "Omar Quint" not in inbox.text
    assert "not shared with your organization" in inbox.text
    page = await app_client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    assert "Omar Quint" not in page.text
    assert "Prefers mornings." not in page.text
    assert "did not agree to share their details" in page.text
    assert f"/referrals/{referral_id}/links" not in page.text  # no link to a client unseen


async def test_stale_version_is_a_plain_conflict_and_changes_nothing(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    referral_id = await _refer(app_client, service_id)
    app_client.cookies.clear()
    await sign_in_http(app_client, "foodbank.admin")
    tab = await app_client.get(f"/referrals/{referral_id}")
    token = csrf_of(tab.text)
    first = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": token, "status": "accepted", "version": "2"},
    )
    assert first.status_code == 303
    before = await _counts(demo_settings)
    second = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": token, "status": "rejected", "version": "2", "reason": "Full"},
    )
    assert second.status_code == 409
    assert "Someone else changed this referral while you had it open." in second.text
    assert "It is now: Accepted." in second.text
    assert await _counts(demo_settings) == before


async def test_foreign_unknown_and_forged_requests_are_refused_and_change_nothing(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    referral_id = await _refer(app_client, service_id)
    app_client.cookies.clear()
    # coach.cook is neither sender nor receiver: a 404 page, as for an unknown id.
    await sign_in_http(app_client, "coach.cook")
    before = await _counts(demo_settings)
    for path in (f"/referrals/{referral_id}", "/referrals/no-such-id", "/referrals/" + "x" * 500):
        answer = await app_client.get(path)
        assert answer.status_code == 404
        assert "There is nothing here, or it is not yours to see." in answer.text
    page = await app_client.get("/referrals")
    token = csrf_of(page.text)
    foreign = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": token, "status": "cancelled", "version": "2", "reason": "x"},
    )
    assert foreign.status_code == 404
    forged = await app_client.post(
        f"/referrals/{referral_id}/notes", data={"csrf": "forged", "body": "hello"}
    )
    assert forged.status_code == 403
    assert "This form expired" in forged.text
    nonsense = await app_client.post(
        f"/referrals/{referral_id}/status",
        data={"csrf": token, "status": "teleported", "version": "abc"},
    )
    assert nonsense.status_code in {400, 404}
    assert await _counts(demo_settings) == before


async def test_refer_form_errors_sit_beside_fields_and_write_nothing(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    page = await app_client.get(f"/referrals/new?service={service_id}")
    before = await _counts(demo_settings)
    bad_client = await app_client.post(
        "/referrals/new/client",
        data={
            "csrf": csrf_of(page.text),
            "service": service_id,
            "name": "",
            "email": "not-an-email",
            "channel": "sms",
        },
    )
    assert bad_client.status_code == 400
    assert 'id="f-name-error"' in bad_client.text
    assert 'id="f-email-error"' in bad_client.text
    assert 'id="f-channel-error"' in bad_client.text
    assert await _counts(demo_settings) == before
    # A client exists now; sending without consent or needs fails as a whole.
    referral_id = await _refer(app_client, service_id, name="Ivy Chen")
    assert referral_id
    before = await _counts(demo_settings)
    found = await app_client.get(f"/referrals/new?service={service_id}&q=ivy")
    assert "Ivy Chen" in found.text
    client_id = re.search(r"client=([0-9a-f-]+)#send", found.text)
    assert client_id
    chosen = await app_client.get(
        f"/referrals/new?service={service_id}&client={client_id.group(1)}"
    )
    refused = await app_client.post(
        "/referrals/new",
        data={
            "csrf": csrf_of(chosen.text),
            "service": service_id,
            "client": client_id.group(1),
        },
    )
    assert refused.status_code == 400
    assert 'id="f-consent-error"' in refused.text
    no_needs = await app_client.post(
        "/referrals/new",
        data={
            "csrf": csrf_of(chosen.text),
            "service": service_id,
            "client": client_id.group(1),
            "consent_referral": "yes",
        },
    )
    assert no_needs.status_code == 400
    assert 'id="f-needs-error"' in no_needs.text
    assert await _counts(demo_settings) == before
    # Nonsense and foreign query strings: readable pages, never a 500.
    short = await app_client.get(f"/referrals/new?service={service_id}&q=x")
    assert short.status_code == 200
    assert 'id="f-q-error"' in short.text
    assert (await app_client.get("/referrals/new")).status_code == 400
    assert (await app_client.get("/referrals/new?service=nope")).status_code == 404
    other_client = await app_client.get(f"/referrals/new?service={service_id}&client=nope")
    assert other_client.status_code == 404
    odd = await app_client.get("/referrals?box=sideways&status=bogus&after=%%%")
    assert odd.status_code == 200
    assert "There is no such list" in odd.text
    assert "Unknown status filter" in odd.text
    assert "That page link is not valid" in odd.text


async def test_signed_out_visitors_are_sent_to_sign_in(app_client: httpx.AsyncClient) -> None:
    for path in ("/referrals", "/referrals/new?service=x", "/referrals/abc"):
        answer = await app_client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")


async def test_sender_issues_a_client_link_shown_once_and_revokes_it(
    app_client: httpx.AsyncClient, demo_settings: Settings
) -> None:
    service_id, _ = await receiving_service(demo_settings, "foodbank.admin")
    await sign_in_http(app_client, "coach.alameda")
    referral_id = await _refer(app_client, service_id)
    page = await app_client.get(f"/referrals/{referral_id}")
    issued = await app_client.post(
        f"/referrals/{referral_id}/links", data={"csrf": csrf_of(page.text)}
    )
    assert issued.status_code == 200
    found = re.search(r"/r/(rl_[\w-]+)</code>", issued.text)
    assert found
    token = found.group(1)
    again = await app_client.get(f"/referrals/{referral_id}")
    assert token not in again.text  # shown once only
    link_id = re.search(r'data-link-id="([^"]+)"', again.text)
    assert link_id
    assert (await app_client.get(f"/r/{token}")).status_code == 200  # the client's page opens
    # Another organization's staff cannot revoke it.
    app_client.cookies.clear()
    await sign_in_http(app_client, "coach.cook")
    other = await app_client.get("/referrals")
    foreign = await app_client.post(
        f"/referrals/links/{link_id.group(1)}/revoke", data={"csrf": csrf_of(other.text)}
    )
    assert foreign.status_code == 404
    assert (await app_client.get(f"/r/{token}")).status_code == 200
    app_client.cookies.clear()
    await sign_in_http(app_client, "coach.alameda")
    page = await app_client.get(f"/referrals/{referral_id}")
    revoked = await app_client.post(
        f"/referrals/links/{link_id.group(1)}/revoke", data={"csrf": csrf_of(page.text)}
    )
    assert revoked.status_code == 303
    after = await app_client.get(revoked.headers["location"])
    assert "The client link is revoked" in after.text
    assert (await app_client.get(f"/r/{token}")).status_code == 404
