"""Client mistakes are logged at INFO without their input; only server faults are ERROR."""

from __future__ import annotations

import logging

import httpx
import pytest
import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from schema.error_logging import HubSchema
from schema.relay import to_global_id
from tests.builders import make_organization, make_person
from tests.security.log_privacy import REGISTRY

NAME = "Quentin Ravensworth"
PHONE = "+1 312 555 0147"
EMAIL = "quentin.ravensworth@example.net"
CREATE = """
mutation($input: ClientCreateInput!) { clientCreate(input: $input) {
  __typename ... on ValidationFailed { errors { field code } } } }
"""


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("hub", "strawberry"))]


async def test_rejected_client_input_is_info_and_never_quoted(
    session: AsyncSession, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Registered so the session-wide log-privacy check looks for them in every line too.
    REGISTRY.add(NAME, PHONE, EMAIL)
    org = await make_organization(session, "Eastside Career Center")
    coach = await make_person(session, "coach@east.example", organization=org)
    await session.commit()
    org_id = to_global_id("Organization", org.id)
    bad_variables = {"organizationId": org_id, "name": NAME, "phone": PHONE, "email": 7}
    invalid_email = {"organizationId": org_id, "name": NAME, "phone": PHONE, "email": "q@@x"}
    with caplog.at_level(logging.INFO):
        # A variable of the wrong type: graphql-core's message quotes the whole input.
        typed = await client.post(
            "/graphql",
            json={"query": CREATE, "variables": {"input": bad_variables}},
            headers=coach.headers,
        )
        # A domain rule broken: a typed ValidationFailed.
        ruled = await client.post(
            "/graphql",
            json={"query": CREATE, "variables": {"input": invalid_email}},
            headers=coach.headers,
        )
        # A query that does not parse, with the client's name inline.
        broken = await client.post(
            "/graphql", json={"query": f'mutation {{ clientCreate(input: {{name: "{NAME}"'}
        )
    assert typed.json()["errors"][0]["extensions"]["code"] == "BAD_QUERY"
    assert ruled.json()["data"]["clientCreate"]["__typename"] == "ValidationFailed"
    assert broken.json()["errors"]
    records = _lines(caplog)
    rejected = [r for r in records if r.getMessage().startswith("graphql request rejected")]
    assert len(rejected) >= 2
    assert all(r.levelno == logging.INFO for r in rejected)
    assert all(r.exc_info is None for r in rejected)
    for record in records:
        assert record.levelno < logging.ERROR, record.getMessage()
        text = f"{record.getMessage()} {record.__dict__}"
        for secret in (NAME, PHONE, EMAIL, "q@@x", "Ravensworth"):
            assert secret not in text


def test_an_unexpected_resolver_exception_is_an_error_with_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self, name: str) -> str:
            raise RuntimeError("the index file is gone")

    schema = HubSchema(query=Query)
    with caplog.at_level(logging.INFO, logger="hub.graphql"):
        result = schema.execute_sync(f'{{ broken(name: "{NAME}") }}')
    assert result.errors
    (record,) = [r for r in caplog.records if r.name == "hub.graphql"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.getMessage() == "graphql resolver failed: RuntimeError"
    assert record.__dict__["path"] == "broken"
    assert NAME not in record.getMessage()
