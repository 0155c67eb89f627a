"""A referral's status change as one synchronous unit of work: load, check, decide, write.

Written over `hub.core.unit_of_work.Statements`, so the same rules run joined to a caller's
session (`service.update_status`) or as a transaction of their own (`service.change_status`,
one trip to SQLite's thread). Every read and write is a prebuilt Core statement.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import instance_dict

from hub.core.clock import Clock
from hub.core.errors import Collector, Conflict, ErrorCode, NotFound
from hub.core.events import INSERT_OUTBOX, outbox_rows
from hub.core.guarded_writes import WriteStep
from hub.core.unit_of_work import Row, Statements
from hub.identity.principal import Principal
from providers.models import Service, ServiceStatus
from referrals.access import role_for
from referrals.clients import ACTIVE_CONSENT
from referrals.history import INSERT_HISTORY, history_rows
from referrals.models import ConsentScope, EventKind, Referral
from referrals.state_machine import (
    ActorRole,
    ReferralOutcome,
    ReferralStatus,
    Transition,
    transition,
)

_REFERRAL: sa.Table = Referral.__table__  # type: ignore[attr-defined]
_MAPPER = sa.inspect(Referral)
SELECT_REFERRAL = sa.select(_REFERRAL).where(_REFERRAL.c.id == sa.bindparam("id"))
_SELECT_VERSION = sa.select(_REFERRAL.c.version).where(_REFERRAL.c.id == sa.bindparam("id"))
_SERVICE: sa.Table = Service.__table__  # type: ignore[attr-defined]
_SELECT_SERVICE = sa.select(_SERVICE.c.accepts_referrals, _SERVICE.c.status).where(
    _SERVICE.c.id == sa.bindparam("id")
)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What a caller asks for: the referral, the status, the version it saw, reason, outcome."""

    referral_id: str
    status: ReferralStatus
    expected_version: int | None
    reason: str | None = None
    outcome: ReferralOutcome | None = None


def unbound_referral(values: Row) -> Referral:
    """A Referral holding a row's values, built as the ORM builds loaded rows (no constructor)."""
    referral: Referral = _MAPPER.class_manager.new_instance()
    instance_dict(referral).update(values)
    return referral


def change_status(
    db: Statements, *, actor: Principal, clock: Clock, change: StatusChange
) -> dict[str, Any]:
    """Move a referral to a new status if still at the expected version (else Conflict).

    Returns the referral's row after the change.
    """
    actor.require_authenticated()
    row = db.fetch_one(SELECT_REFERRAL, {"id": change.referral_id})
    if row is None:
        raise NotFound("Referral", change.referral_id)
    referral = unbound_referral(row)
    # NotFound for anyone who is not a party: auditors may read a referral but never act on it.
    role = role_for(actor, referral, change.status)
    version = referral.version if change.expected_version is None else change.expected_version
    if version != referral.version:
        raise Conflict("Referral", referral.id, version, referral.version)
    step = transition(
        referral.status, change.status, role, reason=change.reason, outcome=change.outcome
    )
    if step.to_status == ReferralStatus.REQUESTED:
        _check_sendable(db, referral)
    values = _changed_columns(referral, step, version, clock)
    update = WriteStep(
        _update_statement(tuple(values)),
        {
            "where_id": referral.id,
            "where_version": version,
            **{f"set_{k}": v for k, v in values.items()},
        },
        expect_rows=1,
    )
    # The history rows describe the referral after the change.
    instance_dict(referral).update(values)
    history, event = history_rows(
        referral=referral,
        kind=EventKind.STATUS_CHANGE,
        role=step.role,
        actor=actor,
        at=values["updated_at"],
        from_status=step.from_status,
        to_status=step.to_status,
        reason=step.reason,
        outcome=step.outcome,
        topic="referral.sent" if step.to_status == ReferralStatus.REQUESTED else None,
    )
    outbox = outbox_rows([event])
    # The version check and the write are one statement, so of two concurrent writers holding
    # the same version exactly one matches the row (PostgreSQL re-checks the WHERE after the
    # row lock; SQLite serialises writers). The guarded write stops if it matched nothing.
    counts = db.write(
        [update, WriteStep(INSERT_HISTORY, history), WriteStep(INSERT_OUTBOX, outbox[0])]
    )
    if counts[0] != 1:
        current = db.fetch_one(_SELECT_VERSION, {"id": referral.id})
        if current is None:
            raise NotFound("Referral", referral.id)
        raise Conflict("Referral", referral.id, version, current["version"])
    db.publish_after_commit(outbox)
    return {**row, **values}


def _check_sendable(db: Statements, referral: Referral) -> None:
    errors = Collector()
    consent = db.fetch_one(
        ACTIVE_CONSENT, {"client_id": referral.client_id, "scope": ConsentScope.REFERRAL}
    )
    if consent is None:
        errors.add("clientId", ErrorCode.NO_CONSENT, "Record the client's consent to refer first.")
    service = db.fetch_one(_SELECT_SERVICE, {"id": referral.service_id})
    if (
        service is None
        or not service["accepts_referrals"]
        or service["status"] != ServiceStatus.ACTIVE
    ):
        errors.add(
            "serviceId", ErrorCode.NOT_ACCEPTING, "This service does not take referrals right now."
        )
    errors.raise_if_any()


def _changed_columns(
    referral: Referral, step: Transition, version: int, clock: Clock
) -> dict[str, Any]:
    now = clock.now()
    values: dict[str, Any] = {
        "status": step.to_status,
        "version": version + 1,
        "updated_at": now,
        "status_reason": step.reason,
    }
    if step.outcome is not None:
        values["outcome"] = step.outcome
    if step.to_status == ReferralStatus.REQUESTED and referral.sent_at is None:
        values["sent_at"] = now
    if step.role == ActorRole.RECEIVER and referral.first_action_at is None:
        values["first_action_at"] = now
    if step.closes:
        values["closed_at"] = now
    return values


@functools.cache
def _update_statement(columns: tuple[str, ...]) -> sa.Update:
    # One prebuilt statement per set of changed columns: SQLAlchemy computes its cache key once.
    return (
        sa.update(_REFERRAL)
        .where(
            _REFERRAL.c.id == sa.bindparam("where_id"),
            _REFERRAL.c.version == sa.bindparam("where_version"),
        )
        .values({name: sa.bindparam(f"set_{name}") for name in columns})
    )
