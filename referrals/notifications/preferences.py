"""Staff members' choice of which referral emails they receive (every kind is on by default).

Only emails addressed to a person are affected; an organization's shared referral address
(`referral_email`) always receives its messages.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, ValidationFailed
from hub.core.model_base import utc_field
from hub.identity.principal import Principal

# Email templates a staff member may receive, in the order the settings page lists them.
EMAIL_KINDS: tuple[str, ...] = ("new_referral", "status_changed", "sla_reminder", "sla_escalated")


class EmailPreference(SQLModel, table=True):
    """Whether one user wants one kind of referral email; no row means yes."""

    __tablename__ = "notification_email_preference"

    user_id: str = Field(
        primary_key=True, foreign_key="user_account.id", ondelete="CASCADE", max_length=64
    )
    kind: str = Field(primary_key=True, max_length=50)
    enabled: bool = True
    updated_at: datetime = utc_field()


async def email_preferences(*, session: AsyncSession, actor: Principal) -> dict[str, bool]:
    """The signed-in user's choices, one per kind (True unless they turned it off)."""
    actor.require_authenticated()
    if actor.user_id is None:
        return dict.fromkeys(EMAIL_KINDS, True)
    rows = await session.exec(
        select(EmailPreference).where(col(EmailPreference.user_id) == actor.user_id)
    )
    chosen = {row.kind: row.enabled for row in rows}
    return {kind: chosen.get(kind, True) for kind in EMAIL_KINDS}


async def set_email_preferences(
    *, session: AsyncSession, actor: Principal, clock: Clock, enabled: Collection[str]
) -> dict[str, bool]:
    """Keep exactly the `enabled` kinds on for the signed-in user (the others off)."""
    actor.require_authenticated()
    unknown = sorted(set(enabled) - set(EMAIL_KINDS))
    if unknown:
        raise ValidationFailed.single(
            "enabled", ErrorCode.INVALID_CHOICE, f"Unknown email kinds: {', '.join(unknown)}."
        )
    if actor.user_id is None:
        raise ValidationFailed.single(
            "enabled", ErrorCode.INVALID, "Only a person's account has email preferences."
        )
    now = clock.now()
    for kind in EMAIL_KINDS:
        row = await session.get(EmailPreference, (actor.user_id, kind))
        if row is None:
            row = EmailPreference(user_id=actor.user_id, kind=kind)
        row.enabled = kind in enabled
        row.updated_at = now
        session.add(row)
    await session.flush()
    return await email_preferences(session=session, actor=actor)


async def opted_out(session: AsyncSession, user_ids: Sequence[str]) -> set[tuple[str, str]]:
    """The (user id, email kind) pairs these users turned off (used when planning emails)."""
    if not user_ids:
        return set()
    rows = await session.exec(
        select(EmailPreference.user_id, EmailPreference.kind).where(
            col(EmailPreference.user_id).in_(list(user_ids)),
            col(EmailPreference.enabled).is_(False),
        )
    )
    return {(user_id, kind) for user_id, kind in rows}
