"""The monthly rollups: facts summed per cell, rebuilt block by block from the fact table.

Four tables share the measures (models.RollupMeasures): ReferralRollup, one row per (month,
sender, receiver, status, outcome, reason code); ReferralPairRollup, one row per (month,
sender, receiver); ReferralNeedRollup, one row per (month, sender, receiver, need); and
ReferralCategoryRollup, one row per (month, sender, receiver, need category), where a referral
counts once per category however many of its needs fall under it.

A block is one (sending month, sender, receiver): every cell of a block is recomputed together,
so the fact refresh only names the blocks whose facts it touched (before and after the change,
in case a referral moved between blocks) and rebuilds them in the same transaction.

Durations are packed as little-endian int32 seconds (sorted, so equal cells are equal bytes).
A report concatenates the packed arrays of a group in the database and reads them with one
`np.frombuffer`; percentiles need no order (see percentiles.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.analytics.models import (
    NO_VALUE,
    ReferralCategoryRollup,
    ReferralFact,
    ReferralNeedRollup,
    ReferralPairRollup,
    ReferralRollup,
)
from referrals.analytics.need_categories import category_of
from referrals.analytics.percentiles import Values
from referrals.models import ReferralNeed

_f: sa.Table = ReferralFact.__table__  # type: ignore[attr-defined]
_u: sa.Table = ReferralRollup.__table__  # type: ignore[attr-defined]
_pu: sa.Table = ReferralPairRollup.__table__  # type: ignore[attr-defined]
_nu: sa.Table = ReferralNeedRollup.__table__  # type: ignore[attr-defined]
_cu: sa.Table = ReferralCategoryRollup.__table__  # type: ignore[attr-defined]
_n: sa.Table = ReferralNeed.__table__  # type: ignore[attr-defined]

Block = tuple[str, str, str]
# Tuple-IN lists stay well under every database's bound-parameter limit.
BLOCK_CHUNK = 300
COUNTS = (
    "referrals",
    "viewed",
    "accepted",
    "completed",
    "closed_loop",
    "sla_breached",
    "client_got_help",
    "client_could_not_reach",
    "client_no_longer_needed",
    "rated",
    "rated_helpful",
)
_CLIENT_REPORTS = {"got_help": 6, "could_not_reach": 7, "no_longer_needed": 8}


async def run(session: AsyncSession, statement: sa.Executable) -> sa.CursorResult[*tuple[Any, ...]]:
    """Execute a Core statement in the session's transaction."""
    connection = await session.connection()
    return await connection.execute(statement)


PACKED = np.dtype("<i4")


def pack(values: Iterable[int]) -> bytes:
    """Ascending int32 little-endian bytes of `values`."""
    return np.sort(np.fromiter(values, dtype=PACKED)).tobytes()


def unpack(data: bytes | None) -> Values:
    """The values of one or more concatenated packed arrays (order as stored), as int64."""
    if not data:
        return np.empty(0, dtype=np.int64)
    return np.frombuffer(data, dtype=PACKED).astype(np.int64)


def block_filter(table: sa.Table, blocks: Sequence[Block]) -> ColumnElement[bool]:
    """SQL condition: the row's (month, sender, receiver) is one of `blocks`."""
    c = table.c
    key = sa.tuple_(c.sent_month, c.sender_organization_id, c.receiver_organization_id)
    return key.in_(list(blocks))


async def blocks_of(session: AsyncSession, referral_ids: Sequence[str]) -> set[Block]:
    """The blocks the current facts of these referrals belong to."""
    select = (
        sa.select(_f.c.sent_month, _f.c.sender_organization_id, _f.c.receiver_organization_id)
        .where(_f.c.referral_id.in_(referral_ids))
        .distinct()
    )
    return {(str(m), str(s), str(r)) for m, s, r in (await run(session, select)).all()}


_FACT_COLUMNS = (
    _f.c.referral_id,
    _f.c.sent_month,
    _f.c.sender_organization_id,
    _f.c.receiver_organization_id,
    _f.c.status,
    _f.c.outcome,
    _f.c.reason_code,
    _f.c.viewed,
    _f.c.accepted,
    _f.c.completed,
    _f.c.closed_loop,
    _f.c.sla_breached,
    _f.c.client_report,
    _f.c.client_helped,
    _f.c.first_action_seconds,
    _f.c.close_seconds,
)


class _Cell:
    __slots__ = ("close", "counts", "first")

    def __init__(self) -> None:
        self.counts = [0] * len(COUNTS)
        self.first: list[int] = []
        self.close: list[int] = []


def _add(cell: _Cell, fact: Sequence[Any]) -> None:
    counts = cell.counts
    counts[0] += 1
    for i, flag in enumerate(fact[7:12], start=1):
        if flag:
            counts[i] += 1
    if fact[12] in _CLIENT_REPORTS:
        counts[_CLIENT_REPORTS[fact[12]]] += 1
    if fact[13] is not None:
        counts[9] += 1
        if fact[13]:
            counts[10] += 1
    if fact[14] is not None:
        cell.first.append(int(fact[14]))
    if fact[15] is not None:
        cell.close.append(int(fact[15]))


def _rows(cells: dict[tuple[str, ...], _Cell], names: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            **dict(zip(names, key, strict=True)),
            **dict(zip(COUNTS, cell.counts, strict=True)),
            "first_action_seconds": pack(cell.first),
            "close_seconds": pack(cell.close),
        }
        for key, cell in cells.items()
    ]


def _cell(cells: dict[tuple[str, ...], _Cell], key: tuple[str, ...]) -> _Cell:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = _Cell()
    return cell


_BLOCK = ("sent_month", "sender_organization_id", "receiver_organization_id")
_KEY = (*_BLOCK, "status", "outcome", "reason_code")
_NEED_KEY = (*_BLOCK, "need")
_CATEGORY_KEY = (*_BLOCK, "category")


async def _rebuild(
    session: AsyncSession, where: Callable[[sa.Table], ColumnElement[bool]], *, delete: bool
) -> int:
    """Recompute every cell of the facts matching `where` (a condition on a block's columns)."""
    if delete:
        await run(session, sa.delete(_u).where(where(_u)))
        await run(session, sa.delete(_pu).where(where(_pu)))
        await run(session, sa.delete(_nu).where(where(_nu)))
        await run(session, sa.delete(_cu).where(where(_cu)))
    facts = (await run(session, sa.select(*_FACT_COLUMNS).where(where(_f)))).all()
    needs: dict[str, list[str]] = {}
    need_select = (
        sa.select(_n.c.referral_id, _n.c.need_code)
        .select_from(_n.join(_f, _f.c.referral_id == _n.c.referral_id))
        .where(where(_f))
    )
    for referral_id, code in (await run(session, need_select)).all():
        needs.setdefault(str(referral_id), []).append(str(code))
    cells: dict[tuple[str, ...], _Cell] = {}
    pair_cells: dict[tuple[str, ...], _Cell] = {}
    need_cells: dict[tuple[str, ...], _Cell] = {}
    category_cells: dict[tuple[str, ...], _Cell] = {}
    for fact in facts:
        block = (str(fact[1]), str(fact[2]), str(fact[3]))
        key = (*block, str(fact[4]), fact[5] or NO_VALUE, fact[6] or NO_VALUE)
        _add(_cell(cells, key), fact)
        _add(_cell(pair_cells, block), fact)
        codes = needs.get(str(fact[0]), ())
        for need in codes:
            _add(_cell(need_cells, (*block, need)), fact)
        for category in {category_of(need) for need in codes}:
            _add(_cell(category_cells, (*block, category)), fact)
    connection = await session.connection()
    written = 0
    for table, found, names in (
        (_u, cells, _KEY),
        (_pu, pair_cells, _BLOCK),
        (_nu, need_cells, _NEED_KEY),
        (_cu, category_cells, _CATEGORY_KEY),
    ):
        if found:
            await connection.execute(sa.insert(table), _rows(found, names))
            written += len(found)
    return written


async def rebuild_blocks(session: AsyncSession, blocks: Iterable[Block]) -> int:
    """Recompute the cells of these blocks from the facts; returns cells written."""
    ordered = sorted(set(blocks))
    written = 0
    for start in range(0, len(ordered), BLOCK_CHUNK):
        chunk = ordered[start : start + BLOCK_CHUNK]

        def where(t: sa.Table, chunk: list[Block] = chunk) -> ColumnElement[bool]:
            return block_filter(t, chunk)

        written += await _rebuild(session, where, delete=True)
    return written


async def rebuild_rollup(session: AsyncSession) -> int:
    """Rebuild the whole rollup from the facts, a month at a time; returns cells written."""
    for table in (_u, _pu, _nu, _cu):
        await run(session, sa.delete(table))
    months = sa.select(_f.c.sent_month).distinct().order_by(_f.c.sent_month)
    written = 0
    for (month,) in (await run(session, months)).all():

        def where(t: sa.Table, month: str = str(month)) -> ColumnElement[bool]:
            return t.c.sent_month == month

        written += await _rebuild(session, where, delete=False)
    return written
