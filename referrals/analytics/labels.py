"""Readable labels for report coordinates: organization and need names, 'none' for empty values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.models import Organization
from providers.needs_taxonomy import shipped_needs
from referrals.analytics.dimensions import Dimension, GroupValue

NONE_LABEL = "none"


class Labeler:
    """Looks up names once per report."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._orgs: dict[str, str] = {}
        self._needs = {n.code: n.name for n in shipped_needs().needs}

    async def organizations(self, ids: Sequence[str]) -> dict[str, str]:
        """Names of organizations by id (unknown ids map to themselves)."""
        missing = [i for i in set(ids) if i not in self._orgs]
        if missing:
            found = await self._session.exec(
                select(Organization.id, Organization.name).where(col(Organization.id).in_(missing))
            )
            self._orgs.update({i: n for i, n in found.all()})
        return {i: self._orgs.get(i, i) for i in ids}

    async def prefetch(
        self, dimensions: Sequence[Dimension], keys: Sequence[Sequence[Any]]
    ) -> None:
        """Look up every organization named in a report's row keys with one query."""
        ids = [
            str(key[i])
            for key in keys
            for i, d in enumerate(dimensions)
            if d in (Dimension.SENDER, Dimension.RECEIVER) and key[i] is not None
        ]
        await self.organizations(ids)

    async def label_need(self, code: str) -> str:
        """The name of a need code."""
        return self._needs.get(code, code)

    async def label(self, dimension: Dimension, value: Any) -> str:
        """The label of one value of one dimension."""
        if value is None:
            return NONE_LABEL
        text = str(value)
        if dimension in (Dimension.SENDER, Dimension.RECEIVER):
            if text in self._orgs:
                return self._orgs[text]
            return (await self.organizations([text]))[text]
        if dimension in (Dimension.NEED, Dimension.NEED_CATEGORY):
            return self._needs.get(text, text)
        return text

    async def group(
        self, dimensions: Sequence[Dimension], key: Sequence[Any]
    ) -> tuple[GroupValue, ...]:
        """Label every coordinate of a row key."""
        values = []
        for dimension, value in zip(dimensions, key, strict=True):
            label = await self.label(dimension, value)
            values.append(GroupValue(dimension, None if value is None else str(value), label))
        return tuple(values)
