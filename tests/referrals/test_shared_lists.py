"""Sending a list of services to a client: who may, what is checked, what leaves, what is logged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.errors import Forbidden, Unauthenticated, ValidationFailed
from hub.identity.principal import ANONYMOUS
from providers.models import Location, ServiceAtLocation
from referrals.notifications.config import SmtpConfig
from referrals.notifications.email import NoMailer, SmtpMailer
from referrals.notifications.sms import LoggingSmsProvider
from referrals.shared_lists import DeliveryFailed, list_preview, send_service_list
from tests.notifications.servers import SmtpSink, free_port
from tests.referrals.builders import CLOCK, furnish_service, make_service, make_world


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback."""
    server = SmtpSink().start()
    yield server
    server.stop()


async def test_staff_send_public_facts_by_email_in_spanish_and_by_sms(
    session: AsyncSession, sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    world = await make_world(session)
    await furnish_service(session, world.service)
    second = await make_service(session, world.receiver_org, name="Rent help")
    await session.commit()
    mailer = SmtpMailer(SmtpConfig(host="127.0.0.1", port=sink.port, sender="hub@example.org"))
    sms = LoggingSmsProvider()
    caplog.set_level("DEBUG", logger="referrals")
    sent = await send_service_list(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        mailer=mailer,
        sms=sms,
        channel="email",
        to=" client@example.net ",
        language="es",
        service_ids=[world.service.id, second.id, world.service.id],
    )
    assert (sent.channel, sent.count, sent.language) == ("email", 2, "es")
    [message] = sink.to("client@example.net")
    assert message["Subject"] == "Servicios para usted de Eastside Career Center"
    body = message.get_content()
    assert "1. Food pantry (Northside Food Bank)" in body
    assert "Dirección: 123 Main St, San Jose, CA 95112" in body
    assert "2. Rent help" in body

    await send_service_list(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        mailer=mailer,
        sms=sms,
        channel="sms",
        to="(408) 555-0199",
        language="en",
        service_ids=[world.service.id],
    )
    [(number, text, _reference)] = sms.sent
    assert number == "+14085550199"
    assert text.startswith("Services from Eastside Career Center:")
    assert "Food pantry (408) 555-0101, 123 Main St" in text
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "client@example.net" not in ours  # the SMTP test server's own log aside
    assert "Food pantry" not in ours
    assert "4085550199" not in ours


async def test_confidential_places_never_go_out(session: AsyncSession) -> None:
    world = await make_world(session)
    shelter = Location(organization_id=world.receiver_org.id, name="Safe house", is_private=True)
    session.add(shelter)
    await session.flush()
    session.add(ServiceAtLocation(service_id=world.service.id, location_id=shelter.id))
    await session.commit()
    [item] = await list_preview(session=session, actor=world.sender, service_ids=[world.service.id])
    assert item.facts.address_lines == []
    assert item.facts.latitude is None


async def test_only_staff_may_send_and_bad_input_sends_nothing(session: AsyncSession) -> None:
    world = await make_world(session)
    sms = LoggingSmsProvider()

    async def send(**changes: object) -> None:
        values: dict[str, object] = {
            "session": session,
            "actor": world.sender,
            "clock": CLOCK,
            "mailer": NoMailer(),
            "sms": sms,
            "channel": "sms",
            "to": "+1 408 555 0199",
            "language": "en",
            "service_ids": [world.service.id],
        }
        values.update(changes)
        await send_service_list(**values)  # type: ignore[arg-type]

    with pytest.raises(Forbidden):
        await send(actor=world.auditor)
    with pytest.raises(Unauthenticated):
        await send(actor=ANONYMOUS)
    cases: dict[str, list[dict[str, object]]] = {
        "to": [{"to": "12"}, {"to": ""}, {"channel": "email", "to": "a@b"}],
        "channel": [{"channel": "pigeon"}],
        "language": [{"language": "fr"}],
        "services": [{"service_ids": []}, {"service_ids": ["nope"]}, {"service_ids": ["x"] * 21}],
    }
    for field, changes in cases.items():
        for change in changes:
            with pytest.raises(ValidationFailed) as caught:
                await send(**change)
            assert field in {e.field for e in caught.value.errors}, change
    with pytest.raises(DeliveryFailed, match="Email is not set up"):
        await send(channel="email", to="client@example.net")
    unreachable = SmtpMailer(SmtpConfig(host="127.0.0.1", port=free_port(), timeout_seconds=2))
    with pytest.raises(DeliveryFailed, match="could not be sent"):
        await send(channel="email", to="client@example.net", mailer=unreachable)
    assert sms.sent == []
