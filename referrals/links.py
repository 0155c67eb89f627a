"""The client's link to a referral: issue, revoke, resolve, and what the client does through it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, Forbidden, NotFound, ValidationFailed
from hub.core.security import hash_token, new_token
from hub.identity.principal import Principal
from referrals.access import acting_role, log_access, require_visible
from referrals.clients import validate_channel
from referrals.history import write_history
from referrals.models import (
    Client,
    ClientLink,
    ClientReport,
    EventKind,
    NotifyChannel,
    Referral,
)
from referrals.service import load_referral
from referrals.state_machine import ActorRole, ReferralStatus

TOKEN_PREFIX = "rl"  # noqa: S105 - a token prefix, not a secret


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A new link: the plain token is returned once and only its digest is stored."""

    token: str
    link: ClientLink


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """What a valid token opens."""

    link: ClientLink
    referral: Referral
    client: Client


async def issue_link(
    *, session: AsyncSession, actor: Principal, clock: Clock, referral_id: str, ttl: timedelta
) -> IssuedLink:
    """Issue a client link to a sent referral (staff of either side)."""
    referral = await load_referral(session, referral_id)
    await require_visible(session, actor, referral)
    if actor.is_auditor:
        raise Forbidden("Auditors cannot issue client links.")
    role = acting_role(actor, referral)
    if referral.sent_at is None:
        raise ValidationFailed.single("id", ErrorCode.INVALID, "Send the referral before linking.")
    if ttl <= timedelta(0):
        raise ValidationFailed.single("ttl", ErrorCode.OUT_OF_RANGE, "A link must live > 0s.")
    plain, digest = new_token(TOKEN_PREFIX)
    now = clock.now()
    link = ClientLink(
        referral_id=referral.id,
        token_hash=digest,
        issued_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(link)
    write_history(
        session,
        referral=referral,
        kind=EventKind.LINK_ISSUED,
        role=role,
        actor=actor,
        at=now,
        detail={"link_id": link.id},
    )
    await session.flush()
    return IssuedLink(token=plain, link=link)


async def revoke_link(
    *, session: AsyncSession, actor: Principal, clock: Clock, link_id: str
) -> ClientLink:
    """Revoke a client link at once."""
    link = await session.get(ClientLink, link_id)
    if link is None:
        raise NotFound("ClientLink", link_id)
    referral = await load_referral(session, link.referral_id)
    await require_visible(session, actor, referral)
    if actor.is_auditor:
        raise NotFound("ClientLink", link_id)
    role = acting_role(actor, referral)
    if link.revoked_at is None:
        now = clock.now()
        link.revoked_at = now
        session.add(link)
        write_history(
            session,
            referral=referral,
            kind=EventKind.LINK_REVOKED,
            role=role,
            actor=actor,
            at=now,
            detail={"link_id": link.id},
        )
        await session.flush()
    return link


async def resolve_link(
    *, session: AsyncSession, clock: Clock, token: str, through: str = "client_link"
) -> ResolvedLink:
    """Open a token; unknown, expired and revoked tokens all raise the same NotFound."""
    now = clock.now()
    found = await session.exec(select(ClientLink).where(ClientLink.token_hash == hash_token(token)))
    link = found.first()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise NotFound("ClientLink", "")
    referral = await session.get(Referral, link.referral_id, populate_existing=True)
    client = await session.get(Client, referral.client_id) if referral else None
    # A referral entered in error may have gone to the wrong person: its link shows nothing.
    if referral is None or client is None or referral.status == ReferralStatus.ENTERED_IN_ERROR:
        raise NotFound("ClientLink", "")
    link.last_used_at = now
    session.add(link)
    log_access(
        session, actor=None, client_id=client.id, referral_id=referral.id, through=through, at=now
    )
    return ResolvedLink(link=link, referral=referral, client=client)


async def _client_event(
    session: AsyncSession,
    resolved: ResolvedLink,
    clock: Clock,
    kind: EventKind,
    detail: dict[str, str],
) -> None:
    write_history(
        session,
        referral=resolved.referral,
        kind=kind,
        role=ActorRole.CLIENT,
        actor=None,
        at=clock.now(),
        detail=detail,
    )
    await session.flush()


async def client_confirm(*, session: AsyncSession, clock: Clock, token: str) -> ResolvedLink:
    """The client says they will go."""
    resolved = await resolve_link(session=session, clock=clock, token=token)
    resolved.referral.client_confirmed_at = clock.now()
    session.add(resolved.referral)
    await _client_event(session, resolved, clock, EventKind.CLIENT_CONFIRMED, {})
    return resolved


async def client_report(
    *, session: AsyncSession, clock: Clock, token: str, report: ClientReport
) -> ResolvedLink:
    """The client reports what happened (got help, could not reach them, no longer needed)."""
    resolved = await resolve_link(session=session, clock=clock, token=token)
    resolved.referral.client_report = report
    session.add(resolved.referral)
    await _client_event(
        session, resolved, clock, EventKind.CLIENT_OUTCOME, {"report": report.value}
    )
    return resolved


async def client_rate(
    *, session: AsyncSession, clock: Clock, token: str, helped: bool
) -> ResolvedLink:
    """The client says whether the service helped."""
    resolved = await resolve_link(session=session, clock=clock, token=token)
    resolved.referral.client_helped = helped
    session.add(resolved.referral)
    await _client_event(
        session, resolved, clock, EventKind.CLIENT_RATING, {"helped": "yes" if helped else "no"}
    )
    return resolved


async def client_set_channel(
    *, session: AsyncSession, clock: Clock, token: str, channel: NotifyChannel
) -> ResolvedLink:
    """The client chooses how to be told about changes."""
    resolved = await resolve_link(session=session, clock=clock, token=token)
    validate_channel(resolved.client, channel)
    resolved.client.preferred_channel = channel
    resolved.client.updated_at = clock.now()
    session.add(resolved.client)
    await _client_event(
        session, resolved, clock, EventKind.CLIENT_CHANNEL, {"channel": channel.value}
    )
    return resolved


async def links_of(*, session: AsyncSession, referral_id: str) -> list[ClientLink]:
    """Every link of a referral, newest first (the caller has checked access)."""
    found = await session.exec(
        select(ClientLink)
        .where(ClientLink.referral_id == referral_id)
        .order_by(col(ClientLink.created_at).desc())
    )
    return list(found)
