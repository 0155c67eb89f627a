"""Schemathesis drives the real app in-process with requests generated from OpenAPI documents.

Against the OFFICIAL HSDS 3.0 openapi.json (tests/data/hsds-official, unmodified; its schema
URLs are pointed at the local copies): no server errors, and every 200 body, content type and
header conforms, with one exclusion: the official document's own inconsistency, where
`GET /service_at_locations/{id}` declares `compiled/service.json` (a service) as its body. We
answer with a service_at_location, as the path and the HSDS objects say; that body is checked
against `compiled/service_at_location.json` by the second test, through our own document.
The official document declares no error responses, so status codes are checked against OUR
OpenAPI document (/hsds/openapi.json, which declares the 400s and 404s) in the second test.
Generated ids are mixed with real ones of the demo directory (and generated filters are
sometimes dropped), so the 200 bodies of every operation are exercised, not only 404s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from hub.app import create_app
from hub.container import Container
from hub.core.settings import Settings
from hub.web.hsds.openapi import openapi_document
from hub.web.hsds.profile import HSDS_SCHEMA_BASE
from providers import models as m

OFFICIAL = Path(__file__).resolve().parents[2] / "data" / "hsds-official"
EXAMPLES_PER_OPERATION = 25
INCONSISTENT = ("GET", "/service_at_locations/{id}")
FILTERS = ("search", "taxonomy_term_id", "taxonomy_id", "organization_id", "parent_id")
ID_TABLES = {
    "/services/{id}": m.Service,
    "/service_at_locations/{id}": m.ServiceAtLocation,
    "/organizations/{id}": m.Organization,
    "/taxonomies/{id}": m.Taxonomy,
    "/taxonomy_terms/{id}": m.TaxonomyTerm,
}
Checks = Callable[[Case], list[Any]]


def _local(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the official schema URLs pointed at the local copies."""
    text = json.dumps(document).replace(HSDS_SCHEMA_BASE, (OFFICIAL / "schema").as_uri())
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@pytest.fixture
async def real_ids(demo: Container) -> dict[str, list[str]]:
    """Some ids of every kind of record in the demo directory, by item path."""
    ids: dict[str, list[str]] = {}
    async with demo.session_factory() as session:
        connection = await session.connection()
        for path, model in ID_TABLES.items():
            column = model.__table__.c.id  # type: ignore[attr-defined]
            found = await connection.execute(sa.select(column).order_by(column).limit(40))
            ids[path] = list(found.scalars())
    return ids


@pytest.fixture
def app(demo: Container, settings: Settings) -> Iterator[Starlette]:
    """The real app over the demo directory; schemathesis runs it (and its lifespan) itself."""
    yield create_app(settings, notifications=False, fill_search_index=False)
    shutdown_lifespans()


def _with_real_values(case: Case, real_id: str | None, broaden: bool) -> Case:
    if real_id is not None and case.path_parameters is not None:
        case.path_parameters["id"] = real_id
    if broaden and case.query:
        for name in FILTERS:
            case.query.pop(name, None)
    return case


def _run(
    schema: schemathesis.schemas.BaseSchema,
    app: Starlette,
    real_ids: dict[str, list[str]],
    checks_for: Checks,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> dict[str, str]:
    """Every operation, a bounded number of generated cases each; failures by operation."""
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        ids = real_ids.get(operation.path)
        cases = st.builds(
            _with_real_values,
            operation.as_strategy(generation_mode=mode),
            st.one_of(st.none(), st.sampled_from(ids)) if ids else st.none(),
            st.booleans(),
        )

        @given(case=cases)
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Case) -> None:
            response = case.call(app=app)
            case.validate_response(response, checks=checks_for(case))

        try:
            check()
        except Unsatisfiable:
            # No negative case exists for an operation whose parameters accept any string.
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # every operation runs; the failures are reported together
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:3000]
    return failures


def test_the_facade_conforms_to_the_official_openapi(
    app: Starlette, real_ids: dict[str, list[str]]
) -> None:
    document = json.loads((OFFICIAL / "openapi.json").read_text("utf-8"))
    schema = schemathesis.openapi.from_dict(_local(document))
    schema.config.update(base_url="http://testserver/hsds")

    def checks_for(case: Case) -> list[Any]:
        checks = [not_a_server_error, content_type_conformance, response_headers_conformance]
        if (case.operation.method.upper(), case.operation.path) != INCONSISTENT:
            checks.append(response_schema_conformance)
        return checks

    assert _run(schema, app, real_ids, checks_for) == {}


def test_the_facade_conforms_to_its_own_openapi(
    app: Starlette, real_ids: dict[str, list[str]]
) -> None:
    schema = schemathesis.openapi.from_dict(_local(openapi_document("http://testserver/hsds")))

    def checks_for(case: Case) -> list[Any]:
        return [
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ]

    assert _run(schema, app, real_ids, checks_for) == {}


def test_the_facade_refuses_what_its_openapi_forbids(
    app: Starlette, real_ids: dict[str, list[str]]
) -> None:
    """Negative cases (values outside our declared types and bounds) get a 4xx, never a 5xx."""
    schema = schemathesis.openapi.from_dict(_local(openapi_document("http://testserver/hsds")))

    def checks_for(case: Case) -> list[Any]:
        return [not_a_server_error, negative_data_rejection, status_code_conformance]

    assert _run(schema, app, real_ids, checks_for, GenerationMode.NEGATIVE) == {}
