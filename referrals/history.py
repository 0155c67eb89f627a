"""Writes a referral's history entry and its outbox event together, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.events import record_event
from hub.core.ids import new_id
from hub.identity.principal import Principal
from referrals.models import EventKind, Referral, ReferralEvent
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus

# Outbox topics by history kind; anything a client does through the link is one topic.
TOPICS: dict[EventKind, str] = {
    EventKind.CREATED: "referral.created",
    EventKind.STATUS_CHANGE: "referral.status_changed",
    EventKind.VIEWED: "referral.viewed",
    EventKind.NOTE: "referral.note_added",
    EventKind.CLIENT_CONFIRMED: "referral.client_action",
    EventKind.CLIENT_OUTCOME: "referral.client_action",
    EventKind.CLIENT_RATING: "referral.client_action",
    EventKind.CLIENT_CHANNEL: "referral.client_action",
    EventKind.LINK_ISSUED: "referral.link_issued",
    EventKind.LINK_REVOKED: "referral.link_revoked",
}


INSERT_HISTORY = sa.insert(ReferralEvent.__table__)  # type: ignore[attr-defined]


def actor_type(actor: Principal | None) -> str:
    """Tell whether a user, the client (no principal) or the system acted."""
    if actor is None:
        return "client"
    if actor.is_system or actor.user_id is None:
        return "system"
    return "user"


class HistoryFields(TypedDict):
    """What one history entry records (the keyword arguments of both writers below)."""

    referral: Referral
    kind: EventKind
    role: ActorRole
    actor: Principal | None
    at: datetime
    from_status: NotRequired[ReferralStatus | None]
    to_status: NotRequired[ReferralStatus | None]
    reason: NotRequired[str | None]
    outcome: NotRequired[ReferralOutcome | None]
    topic: NotRequired[str | None]
    detail: NotRequired[dict[str, Any] | None]


def history_rows(**fields: Unpack[HistoryFields]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The history row and the outbox event of one entry, as column values."""
    referral, kind, role = fields["referral"], fields["kind"], fields["role"]
    actor = fields["actor"]
    from_status, to_status = fields.get("from_status"), fields.get("to_status")
    reason, outcome, detail = fields.get("reason"), fields.get("outcome"), fields.get("detail")
    at, topic = fields["at"], fields.get("topic")
    history_id = new_id()
    history = {
        "id": history_id,
        "referral_id": referral.id,
        "kind": kind,
        "actor_user_id": actor.user_id if actor is not None else None,
        "actor_type": actor_type(actor),
        "role": role,
        "from_status": from_status,
        "to_status": to_status,
        "reason": reason,
        "outcome": outcome,
        "version": referral.version,
        "detail": detail or {},
        "occurred_at": at,
    }
    event = {
        "topic": topic or TOPICS[kind],
        "aggregate_type": "referral",
        "aggregate_id": referral.id,
        "version": referral.version,
        "payload": {
            "referral_id": referral.id,
            "history_id": history_id,
            "kind": kind.value,
            "sender_org_id": referral.sender_organization_id,
            "receiver_org_id": referral.receiver_organization_id,
            "service_id": referral.service_id,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value if to_status else None,
            "status": referral.status.value,
            "reason": reason,
            "outcome": outcome.value if outcome else None,
            "version": referral.version,
            "actor_role": role.value,
            "detail": detail or {},
        },
    }
    return history, event


def write_history(session: AsyncSession, **fields: Unpack[HistoryFields]) -> ReferralEvent:
    """Append a history entry and the matching outbox event (no client personal data in either).

    Through the ORM session (flushed with the caller's other rows); `history_rows` gives the
    same rows for Core writes (a status change, `referrals.transitions`).
    """
    history, event = history_rows(**fields)
    entry = ReferralEvent(**history)
    session.add(entry)
    record_event(session, **event)
    return entry
