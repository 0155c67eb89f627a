"""Strict query parameters, declared 400s, CORS and OPTIONS of the facade."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from hub.app import create_app
from hub.container import build_container
from hub.core.settings import Settings

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
LISTS = ("/services", "/service_at_locations", "/organizations", "/taxonomies", "/taxonomy_terms")


@pytest.fixture
def client(settings: Settings) -> Client:
    """An HTTP client on an app built with these settings (an empty directory)."""

    @asynccontextmanager
    async def make(**changes: object) -> AsyncIterator[httpx.AsyncClient]:
        container = build_container(settings.model_copy(update=changes))
        transport = httpx.ASGITransport(app=create_app(container=container))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                yield http
        finally:
            await container.close()

    return make


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("minimal=null", "minimal", "INVALID"),
        ("minimal=null&minimal=null", "minimal", "DUPLICATE"),
        ("full=1", "full", "INVALID"),
        ("full=", "full", "INVALID"),
        ("page=", "page", "INVALID"),
        ("page=2&page=3", "page", "DUPLICATE"),
        ("per_page=0", "per_page", "OUT_OF_RANGE"),
        ("per_page=101", "per_page", "OUT_OF_RANGE"),
        ("page=two", "page", "INVALID"),
        ("format=xml", "format", "INVALID_CHOICE"),
        ("modified_after=yesterday", "modified_after", "INVALID"),
        ("search=" + "a" * 201, "search", "TOO_LONG"),
        ("taxonomy_term_id=" + "x" * 101, "taxonomy_term_id", "TOO_LONG"),
    ],
)
async def test_bad_parameters_are_typed_400s(
    client: Client, query: str, field: str, code: str
) -> None:
    async with client() as http:
        response = await http.get(f"/hsds/services?{query}")
    assert response.status_code == 400
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]


async def test_every_endpoint_is_strict(client: Client) -> None:
    async with client() as http:
        for path in (*LISTS, "/services/x", "/organizations/x", "/"):
            response = await http.get(f"/hsds{path}?full_service=null&full_service=true")
            assert response.status_code == 400, path
        near = await http.get("/hsds/service_at_locations?lat=37.7&radius_km=nan")
        fields = {e["field"] for e in near.json()["errors"]}
        assert fields == {"lat", "radius_km"}
        assert (await http.get("/hsds/service_at_locations?proximity=-5")).status_code == 400
        # The strict values are accepted.
        for query in ("minimal=true", "minimal=false&full=true", "format=json", "page=1"):
            assert (await http.get(f"/hsds/services?{query}")).status_code == 200, query


async def test_our_openapi_declares_the_400s(client: Client) -> None:
    async with client() as http:
        document = (await http.get("/hsds/openapi.json")).json()
    operations = [op["get"] for path, op in document["paths"].items() if path != "/openapi.json"]
    for operation in operations:
        assert "400" in operation["responses"], operation["summary"]
        error = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Errors"}
    parameters = document["components"]["parameters"]
    assert parameters["minimal"]["schema"] == {"type": "boolean"}
    assert parameters["per_page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


async def test_cors_allows_any_origin_by_default(client: Client) -> None:
    async with client() as http:
        plain = await http.get("/hsds/services")
        assert plain.headers["access-control-allow-origin"] == "*"
        bad = await http.get("/hsds/services?page=0")
        assert bad.headers["access-control-allow-origin"] == "*"
        preflight = await http.options(
            "/hsds/services",
            headers={
                "Origin": "https://directory.example",
                "Access-Control-Request-Method": "GET",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "GET" in preflight.headers["access-control-allow-methods"]
        options = await http.options("/hsds/services/some-id")
        assert options.status_code == 204
        assert options.headers["allow"] == "GET, HEAD, OPTIONS"
        # Only the facade is opened up: GraphQL keeps its own rules.
        graphql = await http.get("/graphql", headers={"Origin": "https://directory.example"})
        assert "access-control-allow-origin" not in graphql.headers


async def test_cors_origins_are_configurable(client: Client) -> None:
    async with client(hsds_cors_origins="https://a.example, https://b.example") as http:
        allowed = await http.get("/hsds/services", headers={"Origin": "https://b.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://b.example"
        other = await http.get("/hsds/services", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        assert "access-control-allow-origin" not in (await http.get("/hsds/services")).headers
    async with client(hsds_cors_origins="") as http:
        closed = await http.get("/hsds/services", headers={"Origin": "https://a.example"})
        assert closed.status_code == 200
        assert "access-control-allow-origin" not in closed.headers
