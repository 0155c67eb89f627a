"""The authorization matrix: every role against every mutation and sensitive query.

Each case runs on a fresh copy of one world (built once per session) through the real app.
A mutation added to the committed schema without a row here fails
`test_every_mutation_of_the_schema_is_in_the_matrix`.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from hub.app import create_app
from hub.container import build_container
from hub.core.db import create_engine, create_session_factory
from hub.core.settings import Settings
from tests.conftest import _pg_execute
from tests.security.matrix_operations import MUTATIONS, QUERIES, outcome
from tests.security.matrix_world import ROLES, MatrixWorld, build_matrix_world

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"

UNAUTH, FORBID, MISSING = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"


def row(default: str, **by_role: str) -> dict[str, str]:
    """Expected outcome per role: `default` for every role not named."""
    return {role: by_role.get(role, default) for role in ROLES}


async def _build(url: str) -> MatrixWorld:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return await build_matrix_world(session)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def matrix_template(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, MatrixWorld]]:
    """The world, built once into a database that every case copies."""
    parsed = sa.make_url(migrated_template)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_matrix_{uuid.uuid4().hex[:8]}"
        _pg_execute(migrated_template, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        url = parsed.set(database=name).render_as_string(hide_password=False)
        yield url, asyncio.run(_build(url))
        _pg_execute(migrated_template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    assert parsed.database is not None
    target = tmp_path_factory.mktemp("matrix") / "hub.sqlite3"
    shutil.copyfile(parsed.database, target)
    url = f"sqlite+aiosqlite:///{target}"
    yield url, asyncio.run(_build(url))


def _copy(template: str, directory: Path) -> tuple[str, str | None]:
    """A fresh copy of the world's database: its URL, and the PostgreSQL name to drop after."""
    parsed = sa.make_url(template)
    if parsed.get_backend_name() == "postgresql":
        name = f"hub_m_{uuid.uuid4().hex[:12]}"
        _pg_execute(template, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        return parsed.set(database=name).render_as_string(hide_password=False), name
    assert parsed.database is not None
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(parsed.database, directory / "hub.sqlite3")
    return f"sqlite+aiosqlite:///{directory / 'hub.sqlite3'}", None


@asynccontextmanager
async def fresh_app(template: str, directory: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over a fresh copy of the world."""
    url, pg_name = _copy(template, directory)
    settings = Settings(
        _env_file=None,
        data_dir=directory,
        database_url=url,
        secret_key=SecretStr("matrix-secret-key-0123456789-abcdef"),
    )
    container = build_container(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(container=container))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http
    finally:
        await container.close()
        if pg_name is not None:
            _pg_execute(template, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def _run(http: httpx.AsyncClient, world: MatrixWorld, name: str, role: str) -> str:
    operation = MUTATIONS.get(name) or QUERIES[name]
    response = await http.post(
        "/graphql",
        json={"query": operation.document, "variables": operation.variables(world.ids)},
        headers=world.headers(role),
    )
    assert response.status_code < 500, response.text
    field = "node" if name.startswith("node(") else name
    return outcome(response.json(), field)


# Directory writes: the receiving organization's admins and hub admins; a coach is staff, not
# an admin; auditors and other organizations may not.
LISTING = row(FORBID, anonymous=UNAUTH, receiver_admin="ok", hub_admin="ok")
# The sending side's client work: its staff (a coach) and hub admins. Auditors are not staff;
# other organizations do not see the client at all.
CLIENT_WORK = row(
    MISSING,
    anonymous=UNAUTH,
    sender_coach="ok",
    hub_admin="ok",
    network_auditor=FORBID,
    other_auditor=FORBID,
)
# Acts on a sent referral either side may take: both parties and hub admins.
EITHER_SIDE = row(MISSING, anonymous=UNAUTH, sender_coach="ok", receiver_admin="ok", hub_admin="ok")
# Webhooks belong to the receiving organization's admins.
WEBHOOKS = row(MISSING, anonymous=UNAUTH, receiver_admin="ok", hub_admin="ok")
# Network analytics: auditors (of their own network) and hub admins.
ANALYTICS = row(FORBID, anonymous=UNAUTH, network_auditor="ok", other_auditor="ok", hub_admin="ok")

MUTATION_TABLE: dict[str, dict[str, str]] = {
    # Wrong credentials are refused alike for everyone (login needs no token).
    "login": row(UNAUTH),
    # Own tokens only; hub admins may revoke anyone's.
    "tokenRevoke": row(MISSING, anonymous=UNAUTH, sender_coach="ok", hub_admin="ok"),
    "organizationCreate": row(FORBID, anonymous=UNAUTH, hub_admin="ok"),
    "organizationUpdate": LISTING,
    "organizationDelete": row(FORBID, anonymous=UNAUTH, hub_admin="ok"),
    **{
        name: LISTING
        for name in (
            "programCreate",
            "programUpdate",
            "programDelete",
            "serviceCreate",
            "serviceUpdate",
            "serviceDelete",
            "locationCreate",
            "locationUpdate",
            "locationDelete",
            "serviceAtLocationCreate",
            "serviceAtLocationDelete",
            "scheduleCreate",
            "scheduleUpdate",
            "scheduleDelete",
            "phoneCreate",
            "phoneUpdate",
            "phoneDelete",
            "serviceCapacityUpdate",
            "serviceMarkVerified",
            "webhookSubscriptionCreate",
        )
    },
    "webhookSubscriptionDelete": WEBHOOKS | {"anonymous": MISSING},
    "webhookRedeliver": WEBHOOKS,
    "webhookSubscriptionSetActive": WEBHOOKS,
    # Everyone signed in chooses their own email; there is nobody else's to touch.
    "emailPreferencesUpdate": row("ok", anonymous=UNAUTH),
    "clientCreate": CLIENT_WORK,
    "consentRecord": CLIENT_WORK,
    "consentRevoke": CLIENT_WORK,
    "referralCreate": CLIENT_WORK,
    # Sending is the sender's act; auditors cannot act on what they only audit.
    "referralSend": CLIENT_WORK | {"network_auditor": MISSING, "other_auditor": MISSING},
    # ACCEPTED is the receiver's to set: the sender may see but not accept.
    "referralUpdateStatus": row(
        MISSING, anonymous=UNAUTH, sender_coach=FORBID, receiver_admin="ok", hub_admin="ok"
    ),
    "referralNoteAdd": EITHER_SIDE | {"network_auditor": FORBID},
    "clientLinkIssue": EITHER_SIDE | {"network_auditor": FORBID},
    "clientLinkRevoke": EITHER_SIDE,
}

# `ok` shows the client; `redacted` is the referral without the client (the receiver has no
# share-with-receiver consent here; auditors never see clients); `hidden` is null or empty.
REFERRAL_READ = row(
    "hidden",
    anonymous=UNAUTH,
    sender_coach="ok",
    receiver_admin="redacted",
    network_auditor="redacted",
    hub_admin="ok",
)
CLIENT_READ = row(
    "hidden",
    anonymous=UNAUTH,
    sender_coach="ok",
    hub_admin="ok",
    network_auditor=FORBID,
    other_auditor=FORBID,
)
QUERY_TABLE: dict[str, dict[str, str]] = {
    "referral": REFERRAL_READ,
    "referrals": REFERRAL_READ,
    "node(Referral)": REFERRAL_READ,
    "client": CLIENT_READ,
    # Hub admins must name the organization whose clients they search.
    "clients": CLIENT_READ | {"hub_admin": "INVALID"},
    "clientAccessLog": row(FORBID, anonymous=UNAUTH, hub_admin="ok"),
    # The other network's auditor sees its own (empty) trail, never this network's.
    "referralAuditTrail": ANALYTICS | {"other_auditor": "hidden"},
    "networkReport": ANALYTICS,
    "referralFlows": ANALYTICS,
    "unmetDemand": ANALYTICS,
    "listingHealth": ANALYTICS,
    "directoryChangeLog": ANALYTICS,
    "webhookSubscriptions": WEBHOOKS
    | {
        role: FORBID
        for role in ("sender_coach", "unrelated_admin", "network_auditor", "other_auditor")
    },
    "webhookDeliveries": WEBHOOKS,
}


def _schema_mutations() -> set[str]:
    text = SCHEMA.read_text(encoding="utf-8")
    body = re.search(r"^type Mutation \{\n(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    assert body is not None
    return set(re.findall(r"^  ([a-zA-Z]+)\(", body.group(1), re.MULTILINE))


def test_every_mutation_of_the_schema_is_in_the_matrix() -> None:
    mutations = _schema_mutations()
    assert len(mutations) > 30
    assert mutations == set(MUTATION_TABLE), "add the new mutation to MUTATION_TABLE"
    assert set(MUTATIONS) == set(MUTATION_TABLE)
    assert set(QUERIES) == set(QUERY_TABLE)
    assert all(set(expected) == set(ROLES) for expected in MUTATION_TABLE.values())


@pytest.mark.parametrize("name", sorted(MUTATION_TABLE))
async def test_mutation_outcome_for_every_role(
    name: str, matrix_template: tuple[str, MatrixWorld], tmp_path: Path
) -> None:
    template, world = matrix_template
    expected = MUTATION_TABLE[name]
    found: dict[str, str] = {}
    # Refused calls change nothing, so they share one copy; each allowed call gets its own.
    async with fresh_app(template, tmp_path / "refused") as http:
        for role in ROLES:
            if expected[role] != "ok":
                found[role] = await _run(http, world, name, role)
    for role in ROLES:
        if expected[role] == "ok":
            async with fresh_app(template, tmp_path / role) as http:
                found[role] = await _run(http, world, name, role)
    assert found == expected


@pytest.mark.parametrize("name", sorted(QUERY_TABLE))
async def test_sensitive_query_outcome_for_every_role(
    name: str, matrix_template: tuple[str, MatrixWorld], tmp_path: Path
) -> None:
    template, world = matrix_template
    async with fresh_app(template, tmp_path) as http:
        found = {role: await _run(http, world, name, role) for role in ROLES}
    assert found == QUERY_TABLE[name]
