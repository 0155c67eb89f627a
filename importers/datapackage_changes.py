"""The change log (HSDS `metadata`) rows an export may publish: public records, HSDS fields only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa

from hub.core.db import SessionFactory
from importers.datapackage import resource_rules
from importers.entities import ENTITY_ORDER
from importers.hsds_nested import table
from importers.sql import execute
from providers.models import Metadata
from providers.models.enums import AddressType

_CHUNK = 1000
# A confidential location is published without these; its change log must not give them away.
_PRIVATE_PLACE_FIELDS = ("latitude", "longitude")


def _public_condition(entity: str, include_private: bool) -> sa.ColumnElement[bool]:
    """Change-log rows of one entity that are safe to publish."""
    log: sa.Table = Metadata.__table__  # type: ignore[attr-defined]
    records = table(entity)
    fields = [f.name for f in resource_rules()[entity].fields if f.name != "id"]
    where = [log.c.resource_type == entity, log.c.field_name.in_(fields)]
    if include_private:
        return sa.and_(*where)
    places = table("location")
    private = sa.select(places.c.id).where(places.c.is_private.is_(True))
    if entity in ("address", "phone"):
        public = sa.select(records.c.id).where(records.c.is_private.is_(False))
        if entity == "address":  # a confidential place's street address, even if not marked
            public = public.where(
                sa.or_(
                    records.c.address_type == AddressType.POSTAL,
                    records.c.location_id.is_(None),
                    records.c.location_id.not_in(private),
                )
            )
        where.append(log.c.resource_id.in_(public))
    if entity == "location":
        where.append(
            sa.not_(
                sa.and_(log.c.field_name.in_(_PRIVATE_PLACE_FIELDS), log.c.resource_id.in_(private))
            )
        )
    return sa.and_(*where)


async def public_changes(
    factory: SessionFactory, *, include_private: bool
) -> AsyncIterator[dict[str, Any]]:
    """Every publishable change-log row, entity by entity, in id order (constant memory)."""
    log: sa.Table = Metadata.__table__  # type: ignore[attr-defined]
    for entity in ENTITY_ORDER:
        condition, last = _public_condition(entity, include_private), ""
        while True:
            query = (
                sa.select(log).where(condition, log.c.id > last).order_by(log.c.id).limit(_CHUNK)
            )
            async with factory() as session:
                rows = [dict(r) for r in (await execute(session, query)).mappings()]
            for row in rows:
                yield row
            if len(rows) < _CHUNK:
                break
            last = rows[-1]["id"]
