"""Clients and their consents, created and recorded by staff of the organization serving them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from hub.identity.principal import Principal
from referrals.access import log_access
from referrals.models import Client, Consent, ConsentScope, NotifyChannel

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,25}$")
LANGUAGES = ("en", "es")

# A client's unrevoked consents for one scope (bind `client_id` and `scope`).
_CONSENT: sa.Table = Consent.__table__  # type: ignore[attr-defined]
_ACTIVE = sa.and_(
    _CONSENT.c.client_id == sa.bindparam("client_id"),
    _CONSENT.c.scope == sa.bindparam("scope"),
    _CONSENT.c.revoked_at.is_(None),
)
ACTIVE_CONSENT = sa.select(_CONSENT.c.id).where(_ACTIVE)


@dataclass(frozen=True, slots=True)
class ClientData:
    """What staff give to add a client."""

    organization_id: str
    name: str
    phone: str | None = None
    email: str | None = None
    preferred_language: str = "en"
    preferred_channel: NotifyChannel = NotifyChannel.NONE


def _check_contact(
    errors: Collector, channel: NotifyChannel, phone: str | None, email: str | None
) -> None:
    if channel == NotifyChannel.SMS and not phone:
        errors.add("preferredChannel", ErrorCode.INVALID, "Text messages need a phone number.")
    if channel == NotifyChannel.EMAIL and not email:
        errors.add("preferredChannel", ErrorCode.INVALID, "Email needs an email address.")


async def create_client(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: ClientData
) -> Client:
    """Add a client to one of the actor's organizations."""
    actor.require_staff()
    if not (actor.is_member(data.organization_id) or actor.is_hub_admin or actor.is_system):
        raise NotFound("Organization", data.organization_id)
    errors = Collector()
    name = data.name.strip()
    phone = (data.phone or "").strip() or None
    email = (data.email or "").strip().lower() or None
    if not name or len(name) > 255:
        errors.add("name", ErrorCode.REQUIRED, "Give the client's name (1 to 255 characters).")
    if phone is not None and not _PHONE.match(phone):
        errors.add("phone", ErrorCode.INVALID, "Give a phone number of digits, spaces or dashes.")
    if email is not None and (not _EMAIL.match(email) or len(email) > 255):
        errors.add("email", ErrorCode.INVALID, "Give a valid email address.")
    if data.preferred_language not in LANGUAGES:
        errors.add(
            "preferredLanguage", ErrorCode.INVALID_CHOICE, f"Choose one of {', '.join(LANGUAGES)}."
        )
    _check_contact(errors, data.preferred_channel, phone, email)
    errors.raise_if_any()
    now = clock.now()
    client = Client(
        organization_id=data.organization_id,
        created_by_user_id=actor.user_id,
        name=name,
        phone=phone,
        email=email,
        preferred_language=data.preferred_language,
        preferred_channel=data.preferred_channel,
        created_at=now,
        updated_at=now,
    )
    session.add(client)
    await session.flush()
    return client


async def _own_client(session: AsyncSession, actor: Principal, client_id: str) -> Client:
    actor.require_staff()
    client = await session.get(Client, client_id)
    if client is None or not (
        actor.is_member(client.organization_id) or actor.is_hub_admin or actor.is_system
    ):
        raise NotFound("Client", client_id)
    return client


async def get_client(
    *, session: AsyncSession, actor: Principal, clock: Clock, client_id: str, through: str
) -> Client:
    """Read a client of the actor's organization, logging the access."""
    client = await _own_client(session, actor, client_id)
    if actor.is_auditor:
        raise NotFound("Client", client_id)
    log_access(
        session, actor=actor, client_id=client.id, referral_id=None, through=through, at=clock.now()
    )
    return client


async def record_consent(
    *, session: AsyncSession, actor: Principal, clock: Clock, client_id: str, scope: ConsentScope
) -> Consent:
    """Record that a client gave consent for a scope (an existing active one is returned)."""
    client = await _own_client(session, actor, client_id)
    active = await active_consent(session=session, client_id=client.id, scope=scope)
    if active is not None:
        return active
    consent = Consent(
        client_id=client.id, scope=scope, given_at=clock.now(), recorded_by_user_id=actor.user_id
    )
    session.add(consent)
    await session.flush()
    return consent


async def revoke_consent(
    *, session: AsyncSession, actor: Principal, clock: Clock, consent_id: str
) -> Consent:
    """Record that a client withdrew a consent; the row stays as evidence."""
    consent = await session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("Consent", consent_id)
    await _own_client(session, actor, consent.client_id)
    if consent.revoked_at is not None:
        raise ValidationFailed.single("id", ErrorCode.INVALID, "This consent is already revoked.")
    consent.revoked_at = clock.now()
    consent.revoked_by_user_id = actor.user_id
    session.add(consent)
    await session.flush()
    return consent


async def active_consent(
    *, session: AsyncSession, client_id: str, scope: ConsentScope
) -> Consent | None:
    """The client's unrevoked consent for a scope, if any."""
    found = await session.exec(
        select(Consent).where(_ACTIVE).order_by(col(Consent.given_at).desc()),
        params={"client_id": client_id, "scope": scope},
    )
    return found.first()


async def list_consents(*, session: AsyncSession, client_id: str) -> list[Consent]:
    """Every consent of a client, newest first (the caller has checked access)."""
    found = await session.exec(
        select(Consent).where(Consent.client_id == client_id).order_by(col(Consent.given_at).desc())
    )
    return list(found)


def validate_channel(client: Client, channel: NotifyChannel) -> None:
    """Refuse a channel the client has no contact detail for."""
    errors = Collector()
    _check_contact(errors, channel, client.phone, client.email)
    errors.raise_if_any()
