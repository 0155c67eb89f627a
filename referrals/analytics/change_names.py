"""The change log in people's words: which organization's listing, named, and who, by name.

Also which change-log rows belong to a set of organizations: services, locations, programs and
the rows hanging off them (hours, phones, service-at-location links), so an auditor of a
network sees every change to its listings, not only those made to the top-level records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.models import User
from providers.models import (
    Location,
    Organization,
    Phone,
    Program,
    Schedule,
    Service,
    ServiceAtLocation,
)
from referrals.analytics.refresh import run

_o: sa.Table = Organization.__table__  # type: ignore[attr-defined]
_svc: sa.Table = Service.__table__  # type: ignore[attr-defined]
_loc: sa.Table = Location.__table__  # type: ignore[attr-defined]
_prog: sa.Table = Program.__table__  # type: ignore[attr-defined]
_sal: sa.Table = ServiceAtLocation.__table__  # type: ignore[attr-defined]
_sched: sa.Table = Schedule.__table__  # type: ignore[attr-defined]
_phone: sa.Table = Phone.__table__  # type: ignore[attr-defined]
_user: sa.Table = User.__table__  # type: ignore[attr-defined]
# Records with a name and an organization of their own.
NAMED: dict[str, sa.Table] = {"service": _svc, "location": _loc, "program": _prog}


def owned_by(metadata: sa.Table, organizations: Sequence[str]) -> sa.ColumnElement[bool]:
    """SQL condition: the change-log row is about a record of one of these organizations."""
    orgs = list(organizations)
    services = sa.select(_svc.c.id).where(_svc.c.organization_id.in_(orgs))
    locations = sa.select(_loc.c.id).where(_loc.c.organization_id.in_(orgs))
    links = sa.select(_sal.c.id).where(
        sa.or_(_sal.c.service_id.in_(services), _sal.c.location_id.in_(locations))
    )

    def attached(table: sa.Table, *extra: sa.ColumnElement[bool]) -> Any:
        return sa.select(table.c.id).where(
            sa.or_(
                table.c.service_id.in_(services),
                table.c.location_id.in_(locations),
                table.c.service_at_location_id.in_(links),
                *extra,
            )
        )

    m = metadata.c
    owned = {
        **{k: sa.select(t.c.id).where(t.c.organization_id.in_(orgs)) for k, t in NAMED.items()},
        "service_at_location": links,
        "schedule": attached(_sched),
        "phone": attached(_phone, _phone.c.organization_id.in_(orgs)),
    }
    conditions = [sa.and_(m.resource_type == "organization", m.resource_id.in_(orgs))]
    conditions += [
        sa.and_(m.resource_type == kind, m.resource_id.in_(ids)) for kind, ids in owned.items()
    ]
    return sa.or_(*conditions)


async def _lookup(session: AsyncSession, stmt: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (await run(session, stmt)).all() if v is not None}


async def resource_names(session: AsyncSession, rows: Sequence[Any]) -> dict[tuple[str, str], str]:
    """A readable name per (resource_type, resource_id): the record's or its parent's name."""
    wanted: dict[str, set[str]] = {}
    for r in rows:
        wanted.setdefault(r.resource_type, set()).add(r.resource_id)
    names: dict[tuple[str, str], str] = {}

    async def named(kind: str, table: sa.Table, ids: set[str]) -> dict[str, str]:
        found = await _lookup(
            session, sa.select(table.c.id, table.c.name).where(table.c.id.in_(ids))
        )
        names.update({(kind, i): n for i, n in found.items()})
        return found

    for kind, table in (("organization", _o), *NAMED.items()):
        if wanted.get(kind):
            await named(kind, table, wanted[kind])
    # Rows without a name of their own take their service's (or location's) name.
    for kind, table in (("schedule", _sched), ("phone", _phone), ("service_at_location", _sal)):
        ids = wanted.get(kind)
        if not ids:
            continue
        parent = sa.func.coalesce(
            sa.select(_svc.c.name).where(_svc.c.id == table.c.service_id).scalar_subquery(),
            sa.select(_loc.c.name).where(_loc.c.id == table.c.location_id).scalar_subquery(),
        )
        found = await _lookup(session, sa.select(table.c.id, parent).where(table.c.id.in_(ids)))
        names.update({(kind, i): n for i, n in found.items()})
    return names


async def people(session: AsyncSession, who: Sequence[str]) -> dict[str, str]:
    """Names of the users a change log names by id; other actors (system, imports) as they are."""
    ids = sorted(set(who))
    found = await _lookup(session, sa.select(_user.c.id, _user.c.name).where(_user.c.id.in_(ids)))
    return {w: found.get(w, w) for w in ids}
