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
from typing import Any

import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes
from starlette.testclient import TestClient

from hub import migrate
from hub.app import create_app
from hub.container import build_container
from hub.core.settings import Settings
from hub.demo.steps import DEMO_STEPS, run_demo

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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
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

    async def build() -> list[str]:
        container = build_container(config)
        try:
            keys = {"needs", "directory", "users", "referrals", "search"}
            ctx = await run_demo(container, steps=[s for s in DEMO_STEPS if s.key in keys])
            return [user.token for user in ctx.users]
        finally:
            await container.close()

    tokens = asyncio.run(build())
    app = create_app(config, notifications=False, fill_search_index=False)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http, ["", *tokens]


def _caller(tokens: list[str], index: int) -> dict[str, str]:
    token = tokens[index % len(tokens)]
    return {"Authorization": f"Bearer {token}"} if token else {}


def _post(http: TestClient, query: str, headers: dict[str, str]) -> None:
    check(http.post("/graphql", json={"query": query}, headers=headers), query)


QUERIES = hypothesis_graphql.queries(SDL, custom_scalars=SCALARS)
MUTATIONS = hypothesis_graphql.mutations(SDL, custom_scalars=SCALARS)
INVALID = hypothesis_graphql.from_schema(SDL, custom_scalars=SCALARS, mode=Mode.NEGATIVE)


def test_generated_queries_never_fail_the_server(demo: tuple[TestClient, list[str]]) -> None:
    http, tokens = demo

    @FUZZ
    @given(query=QUERIES, who=st.integers(0, 50))
    def run(query: str, who: int) -> None:
        _post(http, query, _caller(tokens, who))

    run()


def test_generated_mutations_never_fail_the_server(demo: tuple[TestClient, list[str]]) -> None:
    http, tokens = demo

    @FUZZ
    @given(query=MUTATIONS, who=st.integers(0, 50))
    def run(query: str, who: int) -> None:
        _post(http, query, _caller(tokens, who))

    run()


def test_invalid_operations_are_bad_queries(demo: tuple[TestClient, list[str]]) -> None:
    http, tokens = demo

    @FUZZ
    @given(query=INVALID, who=st.integers(0, 50))
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
def test_any_json_variables_are_handled(demo: tuple[TestClient, list[str]], variables: Any) -> None:
    http, _ = demo
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


def test_the_hostile_corpus_is_answered_without_server_errors(
    demo: tuple[TestClient, list[str]],
) -> None:
    http, tokens = demo
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
