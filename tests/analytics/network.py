"""A generated fixture network for analytics tests: two audited networks, an outside partner,
hundreds of referrals with consistent history, client data full of marker strings, search log
rows and directory changes. Deterministic (seeded); rows are written as the domain writes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.identity.models import Network, NetworkOrganization
from providers.models import Address, Location, Metadata, Organization, Service
from referrals.models import (
    AccessLog,
    Client,
    ClientReport,
    EventKind,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralNote,
)
from referrals.notifications.models import SlaNotice, SlaNoticeKind
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus
from search.log import SearchLog

S = ReferralStatus
MARK = "ZZPII"  # every client datum and free text carries it; no response may contain it
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 7, 1, tzinfo=UTC)
NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
NEEDS = ("food", "housing", "childcare", "transportation")
CODED_REASONS = ("no_capacity", "not_eligible", "could_not_contact", "out of area")
# (sender, receiver, referrals); names index ORGS.
FLOWS = (
    ("a0", "a1", 90),
    ("a0", "a2", 60),
    ("a1", "a2", 45),
    ("a2", "a3", 30),
    ("a3", "a0", 6),
    ("a0", "x", 20),
    ("x", "a1", 4),
    ("b0", "b1", 70),
    ("b1", "b2", 25),
    ("b2", "b0", 3),
    ("b0", "x", 15),
)
ORGS = {
    "a0": ("Alameda Job Center", "CA", "94601"),
    "a1": ("Oakland Food Bank", "CA", "94607"),
    "a2": ("East Bay Housing", "CA", "94612"),
    "a3": ("Fremont Child Care", "CA", "94536"),
    "b0": ("King County Works", "WA", "98101"),
    "b1": ("Seattle Food Share", "WA", "98104"),
    "b2": ("Tacoma Shelter", "WA", "98402"),
    "x": ("Statewide Legal Aid", "OR", "97201"),
}
PATHS = (
    ("waiting", 12),
    ("rejected", 12),
    ("accepted", 8),
    ("in_progress", 8),
    ("completed", 35),
    ("failed", 10),
    ("cancelled", 10),
    ("error", 5),
)


@dataclass
class FixtureNetwork:
    """What the generator made."""

    network_a: Network
    network_b: Network
    orgs: dict[str, Organization]
    services: dict[str, Service]
    referral_ids: list[str] = field(default_factory=list)

    def ids(self, *keys: str) -> set[str]:
        """Organization ids by key."""
        return {self.orgs[k].id for k in keys}


class _History:
    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        self.rows: list[ReferralEvent] = []

    def add(
        self,
        kind: EventKind,
        role: ActorRole,
        at: datetime,
        frm: S | None = None,
        to: S | None = None,
        reason: str | None = None,
        outcome: ReferralOutcome | None = None,
    ) -> None:
        if kind == EventKind.STATUS_CHANGE:
            self.referral.version += 1
        self.rows.append(
            ReferralEvent(
                referral_id=self.referral.id,
                kind=kind,
                actor_type="client" if role == ActorRole.CLIENT else "user",
                role=role,
                from_status=frm,
                to_status=to,
                reason=reason,
                outcome=outcome,
                version=self.referral.version,
                detail={},
                occurred_at=at,
            )
        )


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.randint(int(low * 3600), int(high * 3600)))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _reason(rng: random.Random, i: int) -> str:
    return rng.choice(CODED_REASONS) if rng.random() < 0.6 else f"{MARK} free text reason {i}"


def _lifecycle(rng: random.Random, r: Referral, h: _History, path: str, i: int) -> None:
    sent = r.sent_at
    assert sent is not None
    h.add(EventKind.STATUS_CHANGE, ActorRole.SENDER, sent, S.DRAFT, S.REQUESTED)
    acted = path not in ("waiting", "cancelled", "error")
    if acted or rng.random() < 0.4:
        r.viewed_at = sent + _hours(rng, 0.1, 30)
        h.add(EventKind.VIEWED, ActorRole.RECEIVER, r.viewed_at)
    if not acted:
        if path == "cancelled":
            r.status, r.status_reason = S.CANCELLED, f"{MARK} client moved {i}"
            r.closed_at = sent + _hours(rng, 40, 90)
            h.add(
                EventKind.STATUS_CHANGE,
                ActorRole.SENDER,
                r.closed_at,
                S.REQUESTED,
                S.CANCELLED,
                r.status_reason,
            )
        elif path == "error":
            r.status = S.ENTERED_IN_ERROR
            at = sent + _hours(rng, 1, 5)
            h.add(EventKind.STATUS_CHANGE, ActorRole.SENDER, at, S.REQUESTED, S.ENTERED_IN_ERROR)
        return
    first = (r.viewed_at or sent) + _hours(rng, 0.5, 120)
    r.first_action_at = first
    if path == "rejected":
        r.status, r.status_reason, r.closed_at = S.REJECTED, _reason(rng, i), first
        h.add(
            EventKind.STATUS_CHANGE,
            ActorRole.RECEIVER,
            first,
            S.REQUESTED,
            S.REJECTED,
            r.status_reason,
        )
        return
    r.status = S.ACCEPTED
    h.add(EventKind.STATUS_CHANGE, ActorRole.RECEIVER, first, S.REQUESTED, S.ACCEPTED)
    if path == "accepted":
        return
    at = first + _hours(rng, 1, 48)
    h.add(EventKind.STATUS_CHANGE, ActorRole.RECEIVER, at, S.ACCEPTED, S.IN_PROGRESS)
    r.status = S.IN_PROGRESS
    if path == "in_progress":
        return
    closed = at + _hours(rng, 2, 400)
    if path == "completed":
        r.status, r.outcome = S.COMPLETED, ReferralOutcome.GOT_HELP
        h.add(
            EventKind.STATUS_CHANGE,
            ActorRole.RECEIVER,
            closed,
            S.IN_PROGRESS,
            S.COMPLETED,
            outcome=r.outcome,
        )
    else:
        r.status, r.status_reason = S.FAILED, _reason(rng, i)
        r.outcome = rng.choice([ReferralOutcome.COULD_NOT_CONTACT, ReferralOutcome.NOT_ELIGIBLE])
        h.add(
            EventKind.STATUS_CHANGE,
            ActorRole.RECEIVER,
            closed,
            S.IN_PROGRESS,
            S.FAILED,
            r.status_reason,
            r.outcome,
        )
    r.closed_at = closed
    if rng.random() < 0.5:
        r.client_report = rng.choice(list(ClientReport))
        h.add(EventKind.CLIENT_OUTCOME, ActorRole.CLIENT, closed + timedelta(hours=1))
    if rng.random() < 0.6:
        r.client_helped = rng.random() < 0.7
        h.add(EventKind.CLIENT_RATING, ActorRole.CLIENT, closed + timedelta(hours=2))


async def _organizations(
    session: AsyncSession,
) -> tuple[dict[str, Organization], dict[str, Service]]:
    orgs: dict[str, Organization] = {}
    services: dict[str, Service] = {}
    for key, (name, state, zip_code) in ORGS.items():
        org = Organization(name=name, description=f"{name} partner")
        session.add(org)
        await session.flush()
        location = Location(organization_id=org.id, name=f"{name} office")
        session.add(location)
        await session.flush()
        session.add(
            Address(
                location_id=location.id,
                address_1="1 Main St",
                city="City",
                state_province=state,
                postal_code=zip_code,
            )
        )
        service = Service(
            organization_id=org.id,
            name=f"{name} intake",
            accepts_referrals=True,
            last_verified_at=NOW - timedelta(days=30 if key != "a3" else 300),
        )
        session.add(service)
        orgs[key], services[key] = org, service
    await session.flush()
    return orgs, services


async def build_network(session: AsyncSession, seed: int = 7) -> FixtureNetwork:
    """Write the fixture network (flushes; the caller commits)."""
    rng = random.Random(seed)
    orgs, services = await _organizations(session)
    net_a = Network(name="Alameda Workforce Board", description="A")
    net_b = Network(name="King County Board", description="B")
    session.add_all([net_a, net_b])
    await session.flush()
    for key in ("a0", "a1", "a2", "a3"):
        session.add(NetworkOrganization(network_id=net_a.id, organization_id=orgs[key].id))
    for key in ("b0", "b1", "b2"):
        session.add(NetworkOrganization(network_id=net_b.id, organization_id=orgs[key].id))
    fixture = FixtureNetwork(net_a, net_b, orgs, services)
    # Rows by insert stage (the tables have no ORM relationships to order the inserts).
    stages: list[list[Any]] = [[], [], []]
    i = 0
    for sender, receiver, count in FLOWS:
        for _ in range(count):
            i += 1
            _referral(stages, rng, fixture, sender, receiver, i)
    # Two drafts that were never sent: outside every report.
    for k in range(2):
        _referral(stages, rng, fixture, "a0", "a1", 10_000 + k, send=False)
    for stage in stages:
        session.add_all(stage)
        await session.flush()
    _searches(session, rng)
    _directory_changes(session, fixture)
    await session.flush()
    return fixture


def _referral(
    stages: list[list[Any]],
    rng: random.Random,
    fixture: FixtureNetwork,
    sender: str,
    receiver: str,
    i: int,
    send: bool = True,
) -> None:
    org = fixture.orgs[sender]
    client = Client(
        organization_id=org.id,
        name=f"{MARK} Name {i}",
        phone=f"{MARK}-555-{i}",
        email=f"{MARK.lower()}{i}@example.org",
    )
    stages[0].append(client)
    sent = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds()) - 1))
    r = Referral(
        client_id=client.id,
        sender_organization_id=org.id,
        service_id=fixture.services[receiver].id,
        receiver_organization_id=fixture.orgs[receiver].id,
        notes=f"{MARK} note about the client {i}",
        status=S.REQUESTED if send else S.DRAFT,
        sent_at=sent if send else None,
        created_at=sent - timedelta(minutes=30),
        updated_at=sent,
    )
    h = _History(r)
    h.add(EventKind.CREATED, ActorRole.SENDER, r.created_at, None, S.DRAFT)
    if send:
        _lifecycle(rng, r, h, _pick(rng, PATHS), i)
        if r.status == S.REQUESTED and rng.random() < 0.6:
            stages[2].append(
                SlaNotice(
                    referral_id=r.id,
                    kind=SlaNoticeKind.REMIND,
                    created_at=sent + timedelta(hours=30),
                )
            )
        fixture.referral_ids.append(r.id)
    stages[1].append(r)
    stages[2].extend(h.rows)
    for code in rng.sample(NEEDS, rng.choice((1, 1, 2))):
        stages[2].append(ReferralNeed(referral_id=r.id, need_code=code))
    stages[2].append(ReferralNote(referral_id=r.id, body=f"{MARK} staff note {i}", created_at=sent))
    stages[2].append(
        AccessLog(client_id=client.id, referral_id=r.id, through="test", accessed_at=sent)
    )


def _searches(session: AsyncSession, rng: random.Random) -> None:
    plan = (  # need, zip, state, searches, of which found nothing, of which asked for capacity
        ("food", "94601", "CA", 40, 25, 12),
        ("housing", "94612", "CA", 30, 14, 3),
        ("childcare", "94536", "CA", 8, 6, 0),
        ("food", "98101", "WA", 50, 35, 20),
    )
    for need, zip_code, state, total, empty, capacity in plan:
        for k in range(total):
            filters = ["capacity"] if k < capacity else (["free"] if k % 2 else [])
            session.add(
                SearchLog(
                    created_at=START + timedelta(days=rng.randint(0, 150)),
                    need_codes=[need],
                    postal_code=zip_code,
                    state=state,
                    radius_km=10.0,
                    result_count=0 if k < empty else 3,
                    filters=filters,
                )
            )


def _directory_changes(session: AsyncSession, fixture: FixtureNetwork) -> None:
    for key, service in fixture.services.items():
        session.add(
            Metadata(
                resource_id=service.id,
                resource_type="service",
                last_action_date=START + timedelta(days=3),
                last_action_type="update",
                field_name="capacity_status",
                previous_value=f"{MARK} old",
                replacement_value=f"{MARK} new",
                updated_by=f"user-{key}",
            )
        )
