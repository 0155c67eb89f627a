"""A year and more of demo history for the board: referrals between partners and search logs.

Written as plain rows (like an import of past records, not through the referral use cases: they
would take minutes and send notifications). Referrals flow mostly inside each county's network,
from a few busy senders to a few busy receivers, so the board's tables have cells above the
suppression threshold; searches leave some needs unmet in some ZIP codes ("service deserts").
Clients are fictional and carry no contact details.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.ids import new_id
from hub.demo.directory import DemoOrganization
from hub.demo.places import COUNTIES, County
from referrals.models import Client, Referral, ReferralEvent, ReferralNeed
from referrals.notifications.models import SlaNotice
from search.log import SearchLog

MONTHS = 14
PER_COUNTY = 420
SEARCHES_PER_COUNTY = 1300
NEEDS = (
    "food.pantry",
    "housing.shelter",
    "housing.rent_assistance",
    "childcare.center",
    "transportation",
    "employment",
    "legal",
)
# (path, weight): how a referral ended.
PATHS = (
    ("waiting", 6),
    ("rejected", 10),
    ("accepted", 8),
    ("completed", 56),
    ("failed", 12),
    ("cancelled", 8),
)
REJECT = ("no_capacity", "not_eligible", "out_of_area", "Program is full until spring")


@dataclass
class _Rows:
    clients: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    events: list[dict[str, Any]]
    needs: list[dict[str, Any]]
    notices: list[dict[str, Any]]


def _event(
    rid: str, kind: str, role: str, at: datetime, version: int, **more: Any
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "referral_id": rid,
        "kind": kind,
        "actor_type": "user",
        "role": role,
        "from_status": more.get("from_status"),
        "to_status": more.get("to_status"),
        "reason": more.get("reason"),
        "outcome": more.get("outcome"),
        "version": version,
        "detail": {},
        "occurred_at": at,
        "actor_user_id": None,
    }


def _referral(rows: _Rows, rng: random.Random, now: datetime, pair: tuple[Any, ...]) -> None:
    sender, receiver, service_id, need = pair
    rid, cid = new_id(), new_id()
    # More referrals in recent months, as a network that grows.
    days = int((MONTHS * 30.4) * (1 - rng.random() ** 1.4))
    sent = now - timedelta(days=days, minutes=rng.randint(0, 1439))
    path = rng.choices([p for p, _ in PATHS], [w for _, w in PATHS])[0]
    if days < 10:
        path = "waiting" if rng.random() < 0.5 else path
    rows.clients.append(
        {
            "id": cid,
            "organization_id": sender,
            "name": f"Demo client {len(rows.clients) + 1}",
            "preferred_language": "es" if rng.random() < 0.3 else "en",
            "preferred_channel": "none",
            "created_at": sent,
            "updated_at": sent,
        }
    )
    events = [
        _event(rid, "created", "sender", sent - timedelta(minutes=15), 1, to_status="draft"),
        _event(rid, "status_change", "sender", sent, 2, from_status="draft", to_status="requested"),
    ]
    status, outcome, reason = "requested", None, None
    viewed = first = closed = None
    report = helped = None
    if (path != "cancelled" or rng.random() < 0.3) and (path != "waiting" or rng.random() < 0.4):
        viewed = sent + timedelta(minutes=rng.randint(5, 36 * 60))
        events.append(_event(rid, "viewed", "receiver", viewed, 2))
    if path == "cancelled":
        status, reason = "cancelled", "Client found a job and no longer needs this"
        closed = sent + timedelta(hours=rng.randint(3, 240))
        events.append(
            _event(
                rid,
                "status_change",
                "sender",
                closed,
                3,
                from_status="requested",
                to_status="cancelled",
                reason=reason,
            )
        )
    elif path == "rejected":
        first = closed = (viewed or sent) + timedelta(hours=rng.randint(1, 96))
        status, reason = "rejected", rng.choice(REJECT)
        events.append(
            _event(
                rid,
                "status_change",
                "receiver",
                first,
                3,
                from_status="requested",
                to_status="rejected",
                reason=reason,
            )
        )
    elif path != "waiting":
        first = (viewed or sent) + timedelta(hours=rng.randint(1, 120))
        status = "accepted"
        events.append(
            _event(
                rid,
                "status_change",
                "receiver",
                first,
                3,
                from_status="requested",
                to_status="accepted",
            )
        )
        if path in ("completed", "failed"):
            closed = first + timedelta(hours=rng.randint(24, 40 * 24))
            status = path
            if path == "completed":
                outcome = rng.choice(("got_help", "got_help", "got_help", "referred_elsewhere"))
            else:
                outcome = rng.choice(("could_not_contact", "not_eligible", "no_capacity"))
                reason = outcome
            events.append(
                _event(
                    rid,
                    "status_change",
                    "receiver",
                    closed,
                    4,
                    from_status="accepted",
                    to_status=path,
                    reason=reason,
                    outcome=outcome,
                )
            )
            if rng.random() < 0.45:
                report = rng.choice(("got_help", "got_help", "could_not_reach", "no_longer_needed"))
                helped = rng.random() < 0.75
    if closed is not None and closed > now:
        closed = now - timedelta(minutes=5)
    rows.referrals.append(
        {
            "id": rid,
            "client_id": cid,
            "sender_organization_id": sender,
            "sender_user_id": None,
            "service_id": service_id,
            "receiver_organization_id": receiver,
            "notes": "",
            "status": status,
            "outcome": outcome,
            "status_reason": reason,
            "version": len(events),
            "sent_at": sent,
            "viewed_at": viewed,
            "first_action_at": first,
            "closed_at": closed,
            "client_report": report,
            "client_helped": helped,
            "created_at": sent - timedelta(minutes=15),
            "updated_at": closed or first or viewed or sent,
        }
    )
    rows.needs.append({"referral_id": rid, "need_code": need})
    for e in events:
        e["occurred_at"] = min(e["occurred_at"], now - timedelta(minutes=1))
    rows.events.extend(events)
    if path == "waiting" and sent < now - timedelta(days=3):
        rows.notices.append(
            {
                "id": new_id(),
                "referral_id": rid,
                "kind": "remind",
                "created_at": sent + timedelta(days=2),
            }
        )


def _county_pairs(
    rng: random.Random, orgs: Sequence[DemoOrganization], offered: dict[str, list[tuple[str, str]]]
) -> list[tuple[str, str, str, str]]:
    """Sender, receiver, service, need: a few busy senders and receivers carry most referrals."""
    senders = [o.id for o in orgs]
    receivers = [o.id for o in orgs if o.id in offered]
    rng.shuffle(senders)
    rng.shuffle(receivers)
    busy_senders, busy_receivers = senders[:4], receivers[:5]
    pairs = []
    for _ in range(PER_COUNTY):
        if rng.random() < 0.8:
            sender, receiver = rng.choice(busy_senders), rng.choice(busy_receivers)
        else:
            sender, receiver = rng.choice(senders), rng.choice(receivers)
        if sender == receiver:
            continue
        service_id, need = rng.choice(offered[receiver])
        pairs.append((sender, receiver, service_id, need))
    return pairs


def _searches(rng: random.Random, now: datetime, county: County) -> list[dict[str, Any]]:
    """Anonymous searches; a few need x ZIP combinations find nothing most of the time."""
    zips = [z for z in county.zips][:40]
    deserts = {(rng.choice(NEEDS), rng.choice(zips).code) for _ in range(4)}
    rows = []
    for _ in range(SEARCHES_PER_COUNTY):
        if rng.random() < 0.4:
            need, code = rng.choice(sorted(deserts))
            found = 0 if rng.random() < 0.65 else rng.randint(1, 3)
        else:
            need, code = rng.choice(NEEDS), rng.choice(zips).code
            found = 0 if rng.random() < 0.05 else rng.randint(2, 40)
        rows.append(
            {
                "id": new_id(),
                "created_at": now - timedelta(minutes=rng.randint(1, int(MONTHS * 30.4 * 1440))),
                "need_codes": [need],
                "postal_code": code,
                "state": county.state,
                "radius_km": rng.choice((5.0, 10.0, 25.0)),
                "result_count": found,
                "has_text": rng.random() < 0.3,
                "filters": ["capacity"] if rng.random() < 0.3 else [],
                "sort": "relevance",
            }
        )
    return rows


async def add_history(
    session: AsyncSession,
    *,
    rng: random.Random,
    now: datetime,
    organizations: Sequence[DemoOrganization],
    offered: dict[str, list[tuple[str, str]]],
) -> tuple[int, int]:
    """Insert the history; returns (referrals, searches) written."""
    rows = _Rows([], [], [], [], [])
    searches: list[dict[str, Any]] = []
    for county in COUNTIES:
        orgs = [o for o in organizations if o.county == county.key]
        for pair in _county_pairs(rng, orgs, offered):
            _referral(rows, rng, now, pair)
        searches += _searches(rng, now, county)
    connection = await session.connection()
    for model, values in (
        (Client, rows.clients),
        (Referral, rows.referrals),
        (ReferralNeed, rows.needs),
        (ReferralEvent, rows.events),
        (SlaNotice, rows.notices),
        (SearchLog, searches),
    ):
        table: sa.Table = model.__table__  # type: ignore[union-attr]
        if values:
            # executemany on the session's connection: one statement per table.
            await connection.execute(sa.insert(table), values)
    return len(rows.referrals), len(searches)
