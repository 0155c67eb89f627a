"""Referral page test helpers: a demo service to refer to, and console sign-in over HTTP."""

from __future__ import annotations

import re

import httpx
from sqlmodel import col, select

from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from hub.identity.models import Membership, User
from providers.models import Service, ServiceStatus
from tests.web.demo_world import PASSWORD, demo_email

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def receiving_service(settings: Settings, admin_local: str) -> tuple[str, str]:
    """An active service taking referrals, of the organization `admin_local` administers.

    Returns (service id, organization id): test setup reads the demo database directly.
    """
    engine = create_engine(settings.resolved_database_url())
    try:
        async with create_session_factory(engine)() as session:
            user = (
                await session.exec(select(User).where(User.email == demo_email(admin_local)))
            ).one()
            membership = (
                await session.exec(select(Membership).where(Membership.user_id == user.id))
            ).first()
            assert membership is not None
            found = (
                await session.exec(
                    select(Service)
                    .where(
                        col(Service.organization_id) == membership.organization_id,
                        col(Service.accepts_referrals).is_(True),
                        col(Service.status) == ServiceStatus.ACTIVE,
                    )
                    .order_by(col(Service.name))
                )
            ).first()
            assert found is not None, f"no service taking referrals for {admin_local}"
            return found.id, membership.organization_id
    finally:
        await engine.dispose()


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def sign_in_http(client: httpx.AsyncClient, local: str) -> None:
    """Sign in through the console's form as a demo user (cookies stay in the client)."""
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": demo_email(local), "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text
