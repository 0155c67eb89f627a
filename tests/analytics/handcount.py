"""Counts the report's figures by hand from the raw referral tables, in plain Python."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.analytics.dimensions import Dimension
from referrals.analytics.percentiles import MEDIAN, P90, nearest_rank
from referrals.analytics.report import MEASURES
from referrals.analytics.suppression import THRESHOLD
from referrals.models import Referral, ReferralEvent, ReferralNeed
from referrals.notifications.models import SlaNotice
from referrals.state_machine import ReferralStatus as S


@dataclass
class Raw:
    """One sent referral as the hand count sees it."""

    row: Referral
    needs: list[str]
    accepted: bool
    breached: bool


async def load_raw(session: AsyncSession) -> list[Raw]:
    """Every referral with its needs, whether it was ever accepted and whether the SLA fired."""
    referrals = list((await session.exec(select(Referral))).all())
    needs: dict[str, list[str]] = defaultdict(list)
    for n in (await session.exec(select(ReferralNeed))).all():
        needs[n.referral_id].append(n.need_code)
    accepted = {
        e.referral_id
        for e in (await session.exec(select(ReferralEvent))).all()
        if e.to_status == S.ACCEPTED
    }
    breached = {n.referral_id for n in (await session.exec(select(SlaNotice))).all()}
    return [Raw(r, needs[r.id], r.id in accepted, r.id in breached) for r in referrals]


def population(raw: list[Raw], start: datetime, end: datetime, orgs: set[str] | None) -> list[Raw]:
    """Sent in [start, end), not entered in error, sender or receiver in `orgs` (None: all)."""
    return [
        x
        for x in raw
        if x.row.sent_at is not None
        and start <= x.row.sent_at < end
        and x.row.status != S.ENTERED_IN_ERROR
        and (
            orgs is None
            or x.row.sender_organization_id in orgs
            or x.row.receiver_organization_id in orgs
        )
    ]


def _key(x: Raw, dimension: Dimension, need: str | None) -> Any:
    r = x.row
    assert r.sent_at is not None
    return {
        Dimension.SENDER: r.sender_organization_id,
        Dimension.RECEIVER: r.receiver_organization_id,
        Dimension.NEED: need,
        Dimension.NEED_CATEGORY: need,
        Dimension.STATUS: r.status.value,
        Dimension.OUTCOME: r.outcome.value if r.outcome else None,
        Dimension.MONTH: r.sent_at.strftime("%Y-%m"),
    }[dimension]


def measures(rows: list[Raw]) -> dict[str, Any]:
    """Every count, and the timings in seconds, of a list of referrals."""

    def seconds(a: datetime | None, b: datetime | None) -> int | None:
        return None if a is None or b is None else round((b - a).total_seconds())

    first = [s for x in rows if (s := seconds(x.row.sent_at, x.row.first_action_at)) is not None]
    close = [s for x in rows if (s := seconds(x.row.sent_at, x.row.closed_at)) is not None]
    r = [x.row for x in rows]
    return {
        "referrals": len(rows),
        "viewed": sum(1 for y in r if y.viewed_at or y.first_action_at),
        "accepted": sum(1 for x in rows if x.accepted),
        "completed": sum(1 for y in r if y.status == S.COMPLETED),
        "closed_loop": sum(1 for y in r if y.status in (S.COMPLETED, S.FAILED) and y.outcome),
        "sla_breached": sum(1 for x in rows if x.breached),
        "client_got_help": sum(1 for y in r if y.client_report == "got_help"),
        "client_could_not_reach": sum(1 for y in r if y.client_report == "could_not_reach"),
        "client_no_longer_needed": sum(1 for y in r if y.client_report == "no_longer_needed"),
        "rated": sum(1 for y in r if y.client_helped is not None),
        "rated_helpful": sum(1 for y in r if y.client_helped is True),
        "first_n": len(first),
        "first_median": nearest_rank(first, MEDIAN),
        "first_p90": nearest_rank(first, P90),
        "close_n": len(close),
        "close_median": nearest_rank(close, MEDIAN),
        "close_p90": nearest_rank(close, P90),
    }


def grouped(rows: list[Raw], dims: tuple[Dimension, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Measures per group key (a referral with two needs is in two need groups, and in one
    category group per top-level need: `food.pantry` and `food.meals` count once in `food`)."""
    groups: dict[tuple[Any, ...], list[Raw]] = defaultdict(list)
    for x in rows:
        values: list[str | None]
        if Dimension.NEED in dims:
            values = [*x.needs]
        elif Dimension.NEED_CATEGORY in dims:
            values = [*sorted({n.split(".", 1)[0] for n in x.needs})]
        else:
            values = [None]
        for need in values:
            groups[tuple(_key(x, d, need) for d in dims)].append(x)
    return {k: measures(v) for k, v in groups.items()}


def check_row(counts: dict[str, Any], first: Any, closure: Any, hand: dict[str, Any]) -> None:
    """Assert a report row's counts and timings against the hand count (allowing suppression)."""
    for name in MEASURES:
        cell = counts[name]
        if hand[name] < THRESHOLD:
            assert cell.suppressed, name
            assert cell.value is None, name
        if not cell.suppressed:
            assert cell.value == hand[name], name
    for timing, prefix in ((first, "first"), (closure, "close")):
        if hand[f"{prefix}_n"] < THRESHOLD:
            assert timing.suppressed
            assert timing.median_hours is None
        else:
            assert not timing.suppressed
            assert timing.median_hours == round(hand[f"{prefix}_median"] / 3600, 2)
            assert timing.p90_hours == round(hand[f"{prefix}_p90"] / 3600, 2)
