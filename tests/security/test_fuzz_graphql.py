"""Fuzzing the real app: generated operations from the committed SDL and a corpus of hostile bodies.

Every answer must be below 500 and carry no `INTERNAL` code, for every kind of caller, over a
demo directory. Bounded (examples per property, no deadline) so the file runs in well under a
minute; set HUB_FUZZ_RANDOM=1 to draw new examples instead of the fixed (derandomized) ones.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any, NamedTuple

import hypothesis_graphql
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes
from starlette.testclient import TestClient

from hub import migrate
from hub.app import create_app
from hub.container import Container, build_container
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, run_demo
from schema.relay import to_global_id

SDL = (Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8")
RANDOM = os.environ.get("HUB_FUZZ_RANDOM") == "1"
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "Time": st.times().map(lambda t: nodes.String(t.isoformat())),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
        lambda d: nodes.String(str(d))
    ),
    "JSON": st.from_type(str).map(nodes.String),
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def codes(body: Any) -> list[str]:
    """Every error code in a GraphQL answer."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str((e.get("extensions") or {}).get("code")) for e in errors or []]


def check(response: Any, sent: object) -> None:
    """No server error, no masked internal error, whatever was sent."""
    assert response.status_code < 500, (sent, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert "INTERNAL" not in codes(response.json()), (sent, response.text[:300])


# Tables whose rows become real global ids for the generated `ID` arguments.
ID_TABLES = {
    "Organization": "organization",
    "Service": "service",
    "Location": "location",
    "ServiceAtLocation": "service_at_location",
    "Phone": "phone",
    "Schedule": "schedule",
    "Program": "program",
    "TaxonomyTerm": "taxonomy_term",
    "Referral": "referral",
    "Client": "referral_client",
    "Consent": "referral_consent",
    "ReferralNote": "referral_note",
    "ClientLink": "referral_client_link",
    "User": "user_account",
    "Network": "network",
}


class Demo(NamedTuple):
    """The app over a demo directory, the demo users' tokens and real global ids."""

    http: TestClient
    tokens: list[str]
    ids: list[str]


async def _global_ids(container: Container) -> list[str]:
    ids: list[str] = []
    async with container.session_factory() as session:
        connection = await session.connection()
        for type_name, table in ID_TABLES.items():
            rows = await connection.execute(sa.text(f"SELECT id FROM {table} LIMIT 5"))
            ids.extend(str(to_global_id(type_name, row[0])) for row in rows)
    return ids


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The real app over a migrated demo directory; with the demo users' tokens."""
    data = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{data / 'hub.sqlite3'}"
    migrate.upgrade(url)
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data,
        database_url=url,
        secret_key="fuzz-secret-key-0123456789",  # type: ignore[arg-type]
        log_format="console",
    )

    async def build() -> tuple[list[str], list[str]]:
        container = build_container(config)
        try:
            keys = {"needs", "directory", "users", "referrals", "search"}
            ctx = await run_demo(container, steps=[s for s in DEMO_STEPS if s.key in keys])
            return [user.token for user in ctx.users], await _global_ids(container)
        finally:
            await container.close()

    tokens, ids = asyncio.run(build())
    assert len(ids) > 40, ids
    app = create_app(config, notifications=False, fill_search_index=False)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield Demo(http, ["", *tokens], ids)


def _caller(tokens: list[str], index: int) -> dict[str, str]:
    token = tokens[index % len(tokens)]
    return {"Authorization": f"Bearer {token}"} if token else {}


def _post(http: TestClient, query: str, headers: dict[str, str]) -> None:
    check(http.post("/graphql", json={"query": query}, headers=headers), query)


def _scalars(ids: list[str]) -> dict[str, st.SearchStrategy[Any]]:
    """The custom scalars, and `ID` mostly drawn from real rows (else resolvers are not reached)."""
    some_id = st.sampled_from(ids) | st.text(max_size=30)
    return {**SCALARS, "ID": some_id.map(nodes.String)}


def test_generated_queries_never_fail_the_server(demo: Demo) -> None:
    http, tokens, ids = demo

    @FUZZ
    @given(
        query=hypothesis_graphql.queries(SDL, custom_scalars=_scalars(ids)), who=st.integers(0, 50)
    )
    def run(query: str, who: int) -> None:
        _post(http, query, _caller(tokens, who))

    run()


def test_generated_mutations_never_fail_the_server(demo: Demo) -> None:
    http, tokens, ids = demo
    mutations = hypothesis_graphql.mutations(SDL, custom_scalars=_scalars(ids))

    @FUZZ
    @given(query=mutations, who=st.integers(0, 50))
    def run(query: str, who: int) -> None:
        _post(http, query, _caller(tokens, who))

    run()


def test_invalid_operations_are_bad_queries(demo: Demo) -> None:
    http, tokens, ids = demo
    invalid = hypothesis_graphql.from_schema(SDL, custom_scalars=_scalars(ids), mode=Mode.NEGATIVE)

    @FUZZ
    @given(query=invalid, who=st.integers(0, 50))
    def run(query: str, who: int) -> None:
        response = http.post("/graphql", json={"query": query}, headers=_caller(tokens, who))
        check(response, query)
        found = codes(response.json()) if response.status_code == 200 else ["BAD_QUERY"]
        assert found, query
        assert set(found) <= {"BAD_QUERY"}, (query, response.text[:300])

    run()


@given(
    variables=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
@FUZZ
def test_any_json_variables_are_handled(demo: Demo, variables: Any) -> None:
    http = demo.http
    query = (
        "query($t: String, $a: String, $f: Int, $i: SearchServicesInput!) {"
        " organizations(text: $t, after: $a, first: $f) { edges { cursor } }"
        " searchServices(input: $i) { __typename } }"
    )
    body = json.dumps({"query": query, "variables": {"i": variables, "t": variables}})
    check(http.post("/graphql", content=body, headers={"Content-Type": "application/json"}), body)


CORPUS: list[tuple[str, str, bytes | None]] = [
    ("POST", "/graphql", b"null"),
    ("POST", "/graphql", b"true"),
    ("POST", "/graphql", b"42"),
    ("POST", "/graphql", b'"{ me { name } }"'),
    ("POST", "/graphql", b'{"query": "{ me { name } }\xff"}'),
    (
        "POST",
        "/graphql",
        b'{"query": "query($n: Int) { organizations(first: $n) { edges '
        b'{ cursor } } }", "variables": {"n": ' + b"9" * 5001 + b"}}",
    ),
    (
        "POST",
        "/graphql",
        b'{"query": "{ me { name } }", "variables": {"x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
    ),
    (
        "POST",
        "/graphql",
        b'{"query": "query($t: String) { organizations(text: $t) '
        b'{ edges { cursor } } }", "variables": {"t": "\\ud800"}}',
    ),
    (
        "POST",
        "/graphql",
        json.dumps(
            {"query": '{ organizations(after: "' + "[" * 5000 + '") { edges { cursor } } }'}
        ).encode(),
    ),
    (
        "POST",
        "/graphql",
        json.dumps(
            {"query": '{ organizations(text: "' + "a" * 50_000 + '") { edges { cursor } } }'}
        ).encode(),
    ),
    (
        "POST",
        "/graphql",
        json.dumps({"query": "subscription { referralEvents { topic } }"}).encode(),
    ),
    ("POST", "/graphql", json.dumps({"query": "{" * 10_000}).encode()),
    ("POST", "/graphql", json.dumps({"query": "{ __schema { types { name } } }"}).encode()),
    ("GET", "/graphql?query=" + "{" * 3000, None),
    ("GET", "/graphql?query={me{name}}&variables=[1]", None),
    ("GET", "/hsds/services?search=" + "a" * 50_000, None),
    ("GET", "/hsds/services?page=99999999999999999999", None),
    ("GET", "/hsds/service_at_locations?lat=1e999&lng=nan&radius_km=-1", None),
    ("GET", "/hsds/services/%00", None),
    ("GET", "/r/" + "x" * 5000, None),
    ("POST", "/r/abc", b"csrf=%C3%A9%C3%A9&action=confirm"),
    ("GET", "/reports/network.csv?from=2026-99-99&to=x", None),
]


def test_the_hostile_corpus_is_answered_without_server_errors(demo: Demo) -> None:
    http, tokens, _ = demo
    for n, (method, path, body) in enumerate(CORPUS):
        headers = (
            {"Content-Type": "application/json"}
            if path == "/graphql"
            else {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = http.request(
            method, path, content=body, headers={**headers, **_caller(tokens, n)}
        )
        check(response, (method, path[:80]))
