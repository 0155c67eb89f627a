"""Walks every query field an auditor can reach and proves no client data or free text comes back.

Every client datum and every free text of the fixture (names, phones, emails, referral notes,
staff notes, free-text reasons, change-log values) carries the marker `ZZPII`. The walk
introspects the schema, then for every root query field selects every reachable field (cycles
cut), passing every kind of id the fixture has (referrals of both networks, clients, notes,
organizations, services, networks) to fields taking ids. No response may contain the marker.
The same walk as a hub admin (a party to every referral) does find markers, so the walk reaches
the data it would leak.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.settings import Settings
from referrals.models import Client, Referral, ReferralNote
from schema.relay import to_global_id
from tests.analytics.conftest import Readers
from tests.analytics.network import END, MARK, START, FixtureNetwork
from tests.analytics.schema_walk import INTROSPECTION, Schema
from tests.builders import Person
from tests.schema.conftest import GQL


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Test settings with the query limits raised, so one query may select every field."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key-0123456789",
        debug=False,
        log_format="console",
        graphql_max_depth=40,
        graphql_max_tokens=200_000,
        graphql_max_aliases=100_000,
    )


async def _ids(session: AsyncSession, network: FixtureNetwork) -> list[str]:
    a_orgs = network.ids("a0", "a1", "a2", "a3")
    b_orgs = network.ids("b0", "b1", "b2")
    referrals = list((await session.exec(select(Referral))).all())
    # Network A referrals in several statuses (the auditor may see them), and some of B's.
    picked: dict[str, Referral] = {}
    for r in referrals:
        if r.sent_at and r.sender_organization_id in a_orgs:
            picked.setdefault(f"a:{r.status.value}", r)
        if r.sent_at and r.sender_organization_id in b_orgs:
            picked.setdefault(f"b:{r.status.value}", r)
    chosen = list(picked.values())[:8]
    ids: list[str] = [to_global_id("Referral", r.id) for r in chosen]
    ids += [to_global_id("Client", r.client_id) for r in chosen[:3]]
    note = (
        await session.exec(select(ReferralNote).where(ReferralNote.referral_id == chosen[0].id))
    ).first()
    assert note is not None
    ids.append(to_global_id("ReferralNote", note.id))
    ids += [to_global_id("Organization", network.orgs[k].id) for k in ("a0", "b0")]
    ids.append(to_global_id("Service", network.services["a1"].id))
    ids += [to_global_id("Network", n.id) for n in (network.network_a, network.network_b)]
    client = (await session.exec(select(Client))).first()
    assert client is not None
    return ids


SCALARS = {
    "String": json.dumps("food"),
    "Int": "5",
    "Float": "10.0",
    "Boolean": "false",
    "DateTime": json.dumps(START.isoformat()),
    "JSON": "{}",
}


async def _walk(
    gql: GQL, person: Person, ids: list[str], optional_ids: list[str]
) -> tuple[list[str], dict[str, Any]]:
    intro = await gql(INTROSPECTION, headers=person.headers)
    schema = Schema.load(intro["data"])
    scalars = dict(SCALARS)
    bodies: list[str] = []
    reached: dict[str, Any] = {}
    for field, query in schema.root_queries(scalars, ids, optional_ids):
        # Date ranges: `from` gets START above; `to` must be after it.
        query = query.replace(
            f"to: {json.dumps(START.isoformat())}", f"to: {json.dumps(END.isoformat())}"
        )
        body = await gql(query, headers=person.headers)
        errors = [
            e
            for e in body.get("errors") or []
            if e.get("extensions", {}).get("code") == "BAD_QUERY"
        ]
        assert not errors, (field, errors, query[:300])
        bodies.append(json.dumps(body))
        if (body.get("data") or {}).get(field) is not None:
            reached[field] = body["data"][field]
    return bodies, reached


async def test_an_auditor_never_sees_client_data_or_free_text(
    gql: GQL, session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    ids = await _ids(session, network)
    nets: list[str] = [
        to_global_id("Network", n.id) for n in (network.network_a, network.network_b)
    ]
    bodies, reached = await _walk(gql, readers.auditor_a, ids, nets)
    leaks = [b for b in bodies if MARK.lower() in b.lower()]
    assert not leaks, leaks[0][:3000]
    # The walk really reached the auditor's data: reports, audit trail and referrals.
    assert reached["networkReport"]["total"]["sent"]["value"] > 200
    assert reached["referralAuditTrail"]["edges"]
    assert reached["referralFlows"]["cells"]
    assert reached["unmetDemand"]["cells"]
    assert reached["directoryChangeLog"]["edges"]
    assert "clientAccessLog" not in reached  # hub admins only


async def test_the_walk_finds_client_data_where_it_is_visible(
    gql: GQL, session: AsyncSession, network: FixtureNetwork, readers: Readers
) -> None:
    ids = await _ids(session, network)
    bodies, reached = await _walk(gql, readers.admin, ids[:3], [])
    assert any(MARK.lower() in b.lower() for b in bodies)
    assert reached["clientAccessLog"]["edges"]
