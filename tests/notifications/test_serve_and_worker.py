"""`hub serve` runs workers in-process when no broker is configured; `hub worker` needs one."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.app import create_app
from hub.container import build_container
from hub.core.clock import SystemClock
from hub.core.settings import Settings
from hub.identity.models import OrgRole
from hub.identity.principal import Principal
from hub.worker import WorkerNeedsBroker, run_worker
from referrals.notifications import runtime
from referrals.notifications.sms import LoggingSmsProvider
from referrals.notifications.webhooks import create_subscription
from schema.relay import parse_global_id
from tests.notifications.conftest import wait_for
from tests.notifications.servers import LOOPBACK_HOSTS, WebhookReceiver
from tests.referrals.test_graphql import SEND, draft, setup
from tests.schema.conftest import GQL


async def test_served_app_delivers_webhooks_and_sms_with_in_process_workers(
    notify_settings: Settings, session: AsyncSession, receiver: WebhookReceiver
) -> None:
    s = await setup(session)
    sender_org = parse_global_id(s.sender_org_id)[1]
    admin = Principal(user_id=s.sender.user.id, org_roles={sender_org: OrgRole.ADMIN})
    _, secret = await create_subscription(
        session=session,
        actor=admin,
        clock=SystemClock(),
        organization_id=sender_org,
        url=f"{receiver.base_url}/hook",
        allow_http=True,
        allowed_hosts=LOOPBACK_HOSTS,
    )
    await session.commit()
    receiver.secrets["/hook"] = secret
    container = build_container(notify_settings)
    app = create_app(container=container, notifications=True)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                gql = GQL(http)
                rid = await draft(gql, s)
                sent = await gql(SEND, {"id": rid}, headers=s.sender.headers)
                assert sent["data"]["referralSend"]["referral"]["status"] == "REQUESTED"

                async def both() -> bool:
                    return len(receiver.at("/hook")) == 2

                await wait_for(both)
                sms = runtime.current().sms
                assert isinstance(sms, LoggingSmsProvider)

                async def texted() -> bool:
                    return len(sms.sent) == 1

                await wait_for(texted)
        assert [h.topic for h in receiver.at("/hook")] == ["referral.created", "referral.sent"]
        assert all(h.signature_ok for h in receiver.at("/hook"))
        [(number, text, _)] = sms.sent
        assert number == "408-555-0199"
        assert "le refirió a Pantry" in text
        assert "https://hub.example.org/r/rl_" in text
        with pytest.raises(RuntimeError):
            runtime.current()  # stopped with the app
    finally:
        await container.close()


def test_hub_worker_refuses_to_run_without_a_shared_broker(settings: Settings) -> None:
    with pytest.raises(WorkerNeedsBroker, match="HUB_BROKER_URL"):
        run_worker(settings.model_copy(update={"broker_url": ""}))
