"""Staff emails link to the referral's console page under HUB_PUBLIC_BASE_URL (read from SMTP)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from hub.app import create_app
from hub.core.clock import SystemClock
from hub.core.db import SessionFactory
from hub.core.settings import Settings
from referrals.notifications.email import render
from referrals.notifications.engine import NotificationEngine
from referrals.service import ReferralData, create_referral, send_referral, update_status
from referrals.state_machine import ReferralStatus
from tests.notifications.builders import build_network
from tests.notifications.conftest import EngineMaker, wait_for
from tests.notifications.servers import SmtpSink

CLOCK = SystemClock()
LINK = re.compile(r"https://hub\.example\.org/referrals/([\w-]+)\s")


async def test_received_emails_link_to_the_referral_page(
    session_factory: SessionFactory,
    app_factory: Callable[[NotificationEngine], SessionFactory],
    start_engine: EngineMaker,
    smtp_sink: SmtpSink,
    notify_settings: Settings,
) -> None:
    net = await build_network(session_factory, CLOCK)
    factory = app_factory(start_engine())
    async with factory() as session:
        referral = await create_referral(
            session=session,
            actor=net.sender.principal,
            clock=CLOCK,
            data=ReferralData(
                client_id=net.client.id, service_id=net.service.id, need_codes=["food"]
            ),
        )
        await send_referral(
            session=session, actor=net.sender.principal, clock=CLOCK, referral_id=referral.id
        )
        await session.commit()
        await update_status(
            session=session,
            actor=net.receiver.principal,
            clock=CLOCK,
            referral_id=referral.id,
            status=ReferralStatus.ACCEPTED,
            expected_version=2,
        )
        await session.commit()
        referral_id = referral.id

    async def both_arrived() -> bool:
        return bool(smtp_sink.to("intake@northside.example.org")) and bool(
            smtp_sink.to(net.sender.user.email)
        )

    await wait_for(both_arrived)
    received = smtp_sink.to("intake@northside.example.org") + smtp_sink.to(net.sender.user.email)
    for message in received:
        found = LINK.search(message.get_content())
        assert found, message.get_content()
        assert found.group(1) == referral_id
    # The link's path is the console's referral page: signed out, it asks to sign in and
    # comes back to the same page (an unknown path would be the console's 404 page).
    app = create_app(notify_settings, notifications=False, fill_search_index=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://hub.example.org"
    ) as http:
        opened = await http.get(f"/referrals/{referral_id}")
    await app.state.container.close()
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/login?next=%2Freferrals%2F{referral_id}"


@pytest.mark.parametrize(
    "template", ["new_referral", "status_changed", "sla_reminder", "sla_escalated"]
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_staff_email_links_to_the_referral(template: str, language: str) -> None:
    context = {
        "service_name": "Food pantry",
        "sender_org_name": "Eastside",
        "receiver_org_name": "Northside",
        "actor_org_name": "Northside",
        "status_label": "accepted",
        "from_status_label": "sent",
        "reason": "",
        "outcome_label": "",
        "business_hours": 8,
        "referral_id": "ref-123",
        "hub_url": "https://hub.example.org/",
    }
    body = render("email", template, language, context).body
    assert "https://hub.example.org/referrals/ref-123\n" in body + "\n"
    assert "hub.example.org//" not in body
