"""Referral use cases that change state: create, send, change status (optimistically), add notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.db import SessionFactory
from hub.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from hub.core.unit_of_work import Row, SessionStatements, run_unit
from hub.identity.principal import Principal
from providers.models import Service
from referrals.access import acting_role, require_visible
from referrals.history import write_history
from referrals.models import Client, EventKind, Referral, ReferralNeed, ReferralNote
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus
from referrals.transitions import SELECT_REFERRAL, StatusChange, unbound_referral
from referrals.transitions import change_status as change_status_in

_NEED_CODE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
MAX_NEEDS = 20


@dataclass(frozen=True, slots=True)
class ReferralData:
    """What a sender gives to draft a referral."""

    client_id: str
    service_id: str
    need_codes: list[str] = field(default_factory=list)
    notes: str = ""


async def load_referral(session: AsyncSession, referral_id: str) -> Referral:
    """Fetch a referral by id, fresh from the database, or raise NotFound."""
    referral = await session.run_sync(_load, referral_id)
    if referral is None:
        raise NotFound("Referral", referral_id)
    return referral


def _load(session: Session, referral_id: str) -> Referral | None:
    # A Core select skips the ORM's loading machinery (a transition's hottest read); the row is
    # then placed in the session as if loaded, refreshing any copy it already holds.
    session.flush()
    row = session.connection().execute(SELECT_REFERRAL, {"id": referral_id}).first()
    return None if row is None else _as_loaded(session, row._mapping)


def _as_loaded(session: Session, values: Row) -> Referral:
    held = session.identity_map.get(identity_key(Referral, values["id"]))
    if isinstance(held, Referral):
        for key, value in values.items():
            set_committed_value(held, key, value)
        return held
    # Made persistent and clean, as `session.get` would leave it: later edits flush as UPDATEs.
    referral = unbound_referral(values)
    make_transient_to_detached(referral)
    session.add(referral)
    return referral


async def create_referral(
    *, session: AsyncSession, actor: Principal, clock: Clock, data: ReferralData
) -> Referral:
    """Draft a referral of one of the actor's organization's clients to a service."""
    actor.require_staff()
    client = await session.get(Client, data.client_id)
    if client is None or not (
        actor.is_member(client.organization_id) or actor.is_hub_admin or actor.is_system
    ):
        raise NotFound("Client", data.client_id)
    errors = Collector()
    codes = list(dict.fromkeys(c.strip().lower() for c in data.need_codes if c.strip()))
    if not codes:
        errors.add("needCodes", ErrorCode.REQUIRED, "Name at least one need.")
    if len(codes) > MAX_NEEDS:
        errors.add("needCodes", ErrorCode.TOO_LONG, f"Name at most {MAX_NEEDS} needs.")
    for code in codes:
        if not _NEED_CODE.match(code):
            errors.add("needCodes", ErrorCode.UNKNOWN_NEED, f"{code!r} is not a need code.")
    if len(data.notes) > 5000:
        errors.add("notes", ErrorCode.TOO_LONG, "Keep notes under 5,000 characters.")
    service = await session.get(Service, data.service_id)
    if service is None:
        errors.add("serviceId", ErrorCode.NOT_FOUND, "That service does not exist.")
    errors.raise_if_any()
    assert service is not None
    now = clock.now()
    referral = Referral(
        client_id=client.id,
        sender_organization_id=client.organization_id,
        sender_user_id=actor.user_id,
        service_id=service.id,
        receiver_organization_id=service.organization_id,
        notes=data.notes.strip(),
        status=ReferralStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.add_all(ReferralNeed(referral_id=referral.id, need_code=c) for c in codes)
    write_history(
        session,
        referral=referral,
        kind=EventKind.CREATED,
        role=ActorRole.SYSTEM if actor.is_system else ActorRole.SENDER,
        actor=actor,
        at=now,
        to_status=ReferralStatus.DRAFT,
    )
    await session.flush()
    return referral


async def send_referral(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    referral_id: str,
    expected_version: int | None = None,
) -> Referral:
    """Send a draft to the receiving organization (needs consent and an accepting service)."""
    return await update_status(
        session=session,
        actor=actor,
        clock=clock,
        referral_id=referral_id,
        status=ReferralStatus.REQUESTED,
        expected_version=expected_version,
    )


async def update_status(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    referral_id: str,
    status: ReferralStatus,
    expected_version: int | None,
    reason: str | None = None,
    outcome: ReferralOutcome | None = None,
) -> Referral:
    """Move a referral to a new status if it is still at `expected_version` (else Conflict).

    Joins the session's transaction: the change commits (and is published) with the caller's.
    """
    change = StatusChange(referral_id, status, expected_version, reason, outcome)

    def in_session(sync: Session) -> Referral:
        row = change_status_in(SessionStatements(sync), actor=actor, clock=clock, change=change)
        return _as_loaded(sync, row)

    return await session.run_sync(in_session)


async def change_status(
    *, factory: SessionFactory, actor: Principal, clock: Clock, change: StatusChange
) -> Referral:
    """`update_status` in a transaction of its own, committed before it returns (the API's way).

    On SQLite the whole change is one trip to the connection's thread.
    """
    row = await run_unit(
        factory, lambda db: change_status_in(db, actor=actor, clock=clock, change=change)
    )
    return unbound_referral(row)


async def add_note(
    *, session: AsyncSession, actor: Principal, clock: Clock, referral_id: str, body: str
) -> ReferralNote:
    """Add a note for both sides' staff (see `disclosure.visible_notes`; never notified)."""
    referral = await load_referral(session, referral_id)
    await require_visible(session, actor, referral)
    role = acting_role(actor, referral)
    text = body.strip()
    if not text or len(text) > 5000:
        raise ValidationFailed.single("body", ErrorCode.REQUIRED, "Write 1 to 5,000 characters.")
    now = clock.now()
    org_id = (
        referral.sender_organization_id
        if role == ActorRole.SENDER
        else referral.receiver_organization_id
    )
    note = ReferralNote(
        referral_id=referral.id,
        author_user_id=actor.user_id,
        author_organization_id=org_id if not actor.is_system else None,
        body=text,
        created_at=now,
    )
    session.add(note)
    write_history(
        session,
        referral=referral,
        kind=EventKind.NOTE,
        role=role,
        actor=actor,
        at=now,
        detail={"note_id": note.id},
    )
    await session.flush()
    return note


async def mark_viewed(
    *, session: AsyncSession, actor: Principal, clock: Clock, referral: Referral
) -> bool:
    """Record the receiver's first look at a sent referral; True when this call was the first."""
    if referral.viewed_at is not None or referral.sent_at is None:
        return False
    if not actor.is_member(referral.receiver_organization_id) or actor.is_auditor:
        return False
    now = clock.now()
    result = await session.exec(
        update(Referral)
        .where(col(Referral.id) == referral.id, col(Referral.viewed_at).is_(None))
        .values(viewed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(referral, "viewed_at", now)
    write_history(
        session,
        referral=referral,
        kind=EventKind.VIEWED,
        role=ActorRole.RECEIVER,
        actor=actor,
        at=now,
    )
    await session.flush()
    return True
