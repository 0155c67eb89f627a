"""Masked unexpected errors, coded domain errors, query limits, and the committed SDL."""

from __future__ import annotations

from pathlib import Path

import strawberry
from httpx import ASGITransport, AsyncClient

from hub.app import create_app
from hub.container import build_container
from hub.core.errors import Forbidden
from hub.core.settings import Settings
from schema.export import DEFAULT_PATH, main, sdl
from schema.root import schema_extensions
from tests.schema.conftest import GQL


@strawberry.type
class _Broken:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("password=hunter2 at /srv/secret.py line 3")

    @strawberry.field
    def refused(self) -> str:
        raise Forbidden("Not for you.")


async def test_unexpected_errors_are_masked_and_domain_errors_coded(settings: Settings) -> None:
    schema = strawberry.Schema(query=_Broken, extensions=schema_extensions(settings))

    boom = await schema.execute("{ boom }")
    refused = await schema.execute("{ refused }")

    assert boom.errors is not None
    assert boom.errors[0].message == "Unexpected error."
    assert boom.errors[0].extensions == {"code": "INTERNAL"}
    assert "hunter2" not in str(boom.errors[0].formatted)
    assert refused.errors is not None
    assert refused.errors[0].message == "Not for you."
    assert refused.errors[0].extensions == {"code": "FORBIDDEN"}


async def test_depth_alias_and_token_limits(gql: GQL) -> None:
    deep = (
        "{ services { edges { node { "
        + "organization { services { " * 6
        + "name"
        + " } }" * 6
        + " } } } }"
    )
    aliases = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(40)) + " }"
    tokens = "{ " + " ".join("me { email }" for _ in range(700)) + " }"

    for query in (deep, aliases, tokens, deep, aliases, tokens):  # again, from the caches
        body = await gql(query)
        assert body.get("data") is None, query[:40]
        assert body["errors"], query[:40]
        assert "Traceback" not in str(body)


@strawberry.type
class _Node:
    @strawberry.field
    def child(self) -> _Node:
        return _Node()

    @strawberry.field
    def name(self) -> str:
        return "n"


async def test_cached_validation_keeps_each_schemas_own_limits(settings: Settings) -> None:
    # The parse and validation caches are shared by the process; a document validated under
    # one schema's limits must not pass under another's.
    strict = strawberry.Schema(
        query=_Node,
        extensions=schema_extensions(settings.model_copy(update={"graphql_max_depth": 3})),
    )
    lenient = strawberry.Schema(query=_Node, extensions=schema_extensions(settings))
    five_deep = "{ child { child { child { child { name } } } } }"
    for _ in range(2):
        allowed = await lenient.execute(five_deep)
        refused = await strict.execute(five_deep)
        assert allowed.errors is None
        assert allowed.data == {"child": {"child": {"child": {"child": {"name": "n"}}}}}
        assert refused.errors is not None
        assert "exceeds maximum operation depth" in refused.errors[0].message


async def test_graphiql_only_in_debug(gql: GQL) -> None:
    response = await gql.http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 404


def test_committed_schema_matches_the_code() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8")

    assert committed == sdl(), "schema.graphql is stale: run `python -m schema.export`"


def test_export_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: Int }\n", encoding="utf-8")

    assert main(["--check", str(stale)]) == 1
    assert main([str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0


async def test_queries_work_over_get_but_mutations_do_not(gql: GQL) -> None:
    query = await gql.http.get("/graphql", params={"query": "{ taxonomyTerms { code } }"})
    mutation = await gql.http.get(
        "/graphql",
        params={"query": 'mutation { login(email: "a@b.c", password: "x") { __typename } }'},
    )

    assert query.status_code == 200
    assert query.json()["data"]["taxonomyTerms"]
    assert mutation.status_code == 400
    assert "not allowed" in mutation.text


async def test_graphiql_is_served_when_debug_is_on(settings: Settings) -> None:
    container = build_container(settings.model_copy(update={"debug": True}))
    try:
        app = create_app(container=container, notifications=False)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            response = await http.get("/graphql", headers={"Accept": "text/html"})
    finally:
        await container.close()

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
