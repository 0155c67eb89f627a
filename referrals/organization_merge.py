"""Merging a duplicate organization (often from two imports of one agency) into the one kept.

In `referrals` because the merge moves referrals and rebuilds their analytics; it is the highest
domain package that needs nothing from the importers.

Everything that names the duplicate moves to the kept organization in one transaction: its
services, programs, locations, contacts, phones, identifiers and funding, the staff's
memberships (the higher role wins when someone belongs to both), referrals sent and received,
clients, webhooks, invitations, network memberships, import keys (so a re-import updates the
kept organization instead of recreating the duplicate) and the analytics read model (whose
monthly rollups are rebuilt). The duplicate is then deleted. The change log records the merge
on the kept organization and the deletion of the duplicate, with their events, so the search
index re-reads the moved listings.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.identity.models import Membership, NetworkOrganization, OrgRole
from hub.identity.principal import Principal
from providers.changelog import record_change
from providers.models import Organization
from referrals.analytics.rollup import rebuild_rollup

# Tables handled apart: a unique key includes the organization, or they are derived.
_SPECIAL = {"membership", "network_organization", "organization"}
_DERIVED_PREFIX = "analytics_referral_"


@dataclass(frozen=True, slots=True)
class MergeResult:
    """How many rows moved from the duplicate, by table."""

    kept_id: str
    removed_id: str
    moved: dict[str, int]


def _references() -> list[tuple[sa.Table, sa.Column[str]]]:
    """Every column that points at an organization (foreign keys and the analytics tables).

    Read from the loaded table metadata (the app and `hub.tables` load every table module), so
    a table another package adds later is moved too.
    """
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _SPECIAL:
            continue
        for column in table.columns:
            points = any(fk.column.table.name == "organization" for fk in column.foreign_keys)
            # The fact table moves; its rollups are keyed by organization and rebuilt instead.
            derived = (
                table.name.startswith(_DERIVED_PREFIX)
                and not table.name.endswith("_rollup")
                and column.name.endswith("organization_id")
            )
            if points or derived:
                found.append((table, column))
    return found


async def _memberships(session: AsyncSession, keep: str, drop: str) -> int:
    kept = {
        m.user_id: m
        for m in (await session.exec(select(Membership).where(Membership.organization_id == keep)))
    }
    moved = 0
    for m in (
        await session.exec(select(Membership).where(Membership.organization_id == drop))
    ).all():
        other = kept.get(m.user_id)
        if other is None:
            m.organization_id = keep
            session.add(m)
        else:
            if m.role == OrgRole.ADMIN:
                other.role = OrgRole.ADMIN
                session.add(other)
            await session.delete(m)
        moved += 1
    return moved


async def _networks(session: AsyncSession, keep: str, drop: str) -> int:
    links = (
        await session.exec(
            select(NetworkOrganization).where(NetworkOrganization.organization_id == drop)
        )
    ).all()
    for link in links:
        if await session.get(NetworkOrganization, (link.network_id, keep)) is None:
            session.add(NetworkOrganization(network_id=link.network_id, organization_id=keep))
        await session.delete(link)
    return len(links)


async def merge_organizations(
    *, session: AsyncSession, actor: Principal, clock: Clock, keep_id: str, duplicate_id: str
) -> MergeResult:
    """Move everything of `duplicate_id` to `keep_id`, then delete the duplicate (hub admins)."""
    actor.require_hub_admin()
    if keep_id == duplicate_id:
        raise ValidationFailed.single(
            "duplicate", ErrorCode.INVALID, "Choose two different organizations."
        )
    keep = await session.get(Organization, keep_id)
    duplicate = await session.get(Organization, duplicate_id)
    if keep is None:
        raise NotFound("Organization", keep_id)
    if duplicate is None:
        raise NotFound("Organization", duplicate_id)
    moved: dict[str, int] = {}
    connection = await session.connection()
    for table, column in _references():
        if table.name == "organization":
            continue
        result = await connection.execute(
            sa.update(table).where(column == duplicate_id).values({column.name: keep_id})
        )
        if result.rowcount:
            moved[f"{table.name}.{column.name}"] = result.rowcount
    children = await connection.execute(
        sa.update(Organization.__table__)  # type: ignore[attr-defined]
        .where(col(Organization.parent_organization_id) == duplicate_id)
        .values(parent_organization_id=keep_id)
    )
    if children.rowcount:
        moved["organization.parent_organization_id"] = children.rowcount
    # The importers sit above this package: their key table is found by name, not imported.
    keys_table = SQLModel.metadata.tables.get("import_key")
    if keys_table is not None:
        keys = await connection.execute(
            sa.update(keys_table)
            .where(keys_table.c.entity == "organization", keys_table.c.internal_id == duplicate_id)
            .values(internal_id=keep_id)
        )
        if keys.rowcount:
            moved["import_key.internal_id"] = keys.rowcount
    moved["membership"] = await _memberships(session, keep_id, duplicate_id)
    moved["network_organization"] = await _networks(session, keep_id, duplicate_id)
    name = duplicate.name
    await session.delete(duplicate)
    await session.flush()
    record_change(
        session, actor=actor, clock=clock, aggregate="organization", verb="merged",
        row_id=keep_id, before={"merged_from": ""},
        after={"merged_from": f"{name} ({duplicate_id})"},
    )  # fmt: skip
    record_change(
        session, actor=actor, clock=clock, aggregate="organization", verb="deleted",
        row_id=duplicate_id, before={"name": name, "merged_into": ""},
        after={"merged_into": keep_id},
    )  # fmt: skip
    # Rollup rows are keyed by organization: merging two keys is a rebuild (rare, admin-only).
    await rebuild_rollup(session)
    return MergeResult(keep_id, duplicate_id, {k: v for k, v in moved.items() if v})
