"""Demo listing changes for the board's change log: partners and the hub admin editing listings.

Written as `metadata` rows, the per-field change log every directory edit leaves (values are
invented but plausible: capacity, descriptions, verification, opening hours).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.ids import new_id
from hub.identity.models import Membership, OrgRole, User
from providers.models import Metadata, Schedule, Service

MONTHS = 14
PER_EDITOR = 24
SERVICE_FIELDS = (
    ("capacity_status", ("capacity", "waitlist", "no-capacity")),
    ("description", ("Updated intake steps.", "Now open to walk-ins.", "New eligibility rules.")),
    ("last_verified_at", ("verified",)),
)
HOURS = ("opens_at", "closes_at", "byday")


async def _editors(session: AsyncSession) -> list[tuple[str, str | None]]:
    """(user id, organization id) of every org admin, and hub admins (editing any listing)."""
    admins = await session.exec(
        select(Membership.user_id, Membership.organization_id).where(
            Membership.role == OrgRole.ADMIN
        )
    )
    hub = await session.exec(select(User.id).where(col(User.is_hub_admin).is_(True)))
    return [(u, o) for u, o in admins.all()] + [(u, None) for u in hub.all()]


async def add_changes(session: AsyncSession, *, rng: random.Random, now: datetime) -> int:
    """Insert a year of listing changes; returns how many change-log rows were written."""
    services: dict[str, list[str]] = {}
    for service_id, owner in (
        await session.exec(select(Service.id, Service.organization_id))
    ).all():
        services.setdefault(owner, []).append(service_id)
    schedules: dict[str, list[str]] = {}
    found = await session.exec(
        select(Schedule.id, Service.organization_id).join(
            Service, col(Service.id) == col(Schedule.service_id)
        )
    )
    for schedule_id, owner in found.all():
        schedules.setdefault(owner, []).append(schedule_id)
    every_org = sorted(services)
    rows: list[dict[str, Any]] = []
    for user_id, org_id in await _editors(session):
        for _ in range(PER_EDITOR):
            org = org_id or rng.choice(every_org)
            at = now - timedelta(minutes=rng.randint(60, int(MONTHS * 30.4 * 1440)))
            if schedules.get(org) and rng.random() < 0.35:
                kind, target = "schedule", rng.choice(schedules[org])
                name, old, new = rng.choice(HOURS), "09:00", rng.choice(("08:30", "10:00"))
            elif services.get(org):
                kind, target = "service", rng.choice(services[org])
                name, values = rng.choice(SERVICE_FIELDS)
                old, new = "", rng.choice(values)
            else:
                continue
            rows.append(
                {
                    "id": new_id(),
                    "resource_id": target,
                    "resource_type": kind,
                    "last_action_date": at,
                    "last_action_type": "update",
                    "field_name": name,
                    "previous_value": old,
                    "replacement_value": at.isoformat() if new == "verified" else new,
                    "updated_by": user_id,
                }
            )
    if rows:
        connection = await session.connection()
        await connection.execute(sa.insert(Metadata.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)
