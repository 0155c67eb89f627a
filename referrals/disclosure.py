"""What each party of a referral sees of the client: the receiver only with the client's consent.

The sender's staff (and hub admins, and the system) work with the client and see everything.
The receiver's staff see the client's identity, contacts, the sender's free-text notes and the
client links only while the client has an active `share-with-receiver` consent; without it
they see the need, the service, the status, their own notes and the sender's work contact.
Auditors never see the client (see `referrals.access`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.models import User
from hub.identity.principal import Principal
from referrals.access import is_party, log_access
from referrals.models import Client, Consent, ConsentScope, Referral, ReferralNote


@dataclass(frozen=True, slots=True)
class SenderContact:
    """Whom the receiver calls about a referral: the sending organization and staff member."""

    organization_id: str
    name: str | None
    email: str | None


def on_sender_side(actor: Principal, referral: Referral) -> bool:
    """Sender staff, hub admins and the system act for the client's own organization."""
    return actor.is_hub_admin or actor.is_system or actor.is_member(referral.sender_organization_id)


async def shared_with_receiver(session: AsyncSession, client_id: str) -> bool:
    """True while the client has an unrevoked `share-with-receiver` consent."""
    found = await session.exec(
        select(Consent.id).where(
            Consent.client_id == client_id,
            Consent.scope == ConsentScope.SHARE_WITH_RECEIVER,
            col(Consent.revoked_at).is_(None),
        )
    )
    return found.first() is not None


async def sees_client(session: AsyncSession, actor: Principal, referral: Referral) -> bool:
    """Whether the actor may see who the client is (identity, contacts, sender's notes, links)."""
    if actor.is_auditor or not is_party(actor, referral):
        return False
    if on_sender_side(actor, referral):
        return True
    return await shared_with_receiver(session, referral.client_id)


async def read_client(
    session: AsyncSession,
    *,
    actor: Principal,
    referral: Referral,
    through: str,
    at: datetime,
) -> Client | None:
    """The referral's client for whoever may see them (logging the read); None for the rest."""
    if not await sees_client(session, actor, referral):
        return None
    client = await session.get(Client, referral.client_id)
    if client is not None:
        log_access(
            session,
            actor=actor,
            client_id=client.id,
            referral_id=referral.id,
            through=through,
            at=at,
        )
    return client


async def sender_notes(session: AsyncSession, actor: Principal, referral: Referral) -> str | None:
    """The sender's free-text notes (they describe the client): None unless the client is seen."""
    return referral.notes if await sees_client(session, actor, referral) else None


async def visible_notes(
    session: AsyncSession, actor: Principal, referral: Referral
) -> list[ReferralNote]:
    """Note entries, oldest first: all of them, or only the receiver's own without consent."""
    if actor.is_auditor or not is_party(actor, referral):
        return []
    query = select(ReferralNote).where(ReferralNote.referral_id == referral.id)
    if not await sees_client(session, actor, referral):
        query = query.where(
            col(ReferralNote.author_organization_id) == referral.receiver_organization_id
        )
    found = await session.exec(query.order_by(col(ReferralNote.created_at)))
    return list(found)


async def sender_contact(
    session: AsyncSession, actor: Principal, referral: Referral
) -> SenderContact | None:
    """The sender's work contact for the parties (staff details are not for auditors)."""
    if actor.is_auditor or not is_party(actor, referral):
        return None
    user = (
        await session.get(User, referral.sender_user_id)
        if referral.sender_user_id is not None
        else None
    )
    return SenderContact(
        organization_id=referral.sender_organization_id,
        name=user.name if user is not None else None,
        email=user.email if user is not None else None,
    )
