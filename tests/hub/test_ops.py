"""Operations endpoints, request metrics and structured logs, through the real app."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from hub import migrate
from hub.app import create_app
from hub.core.settings import Settings
from hub.logging_setup import ConsoleFormatter, FirstLineOnly, JsonFormatter, logging_config
from hub.web.observability import UNMATCHED, HttpMetrics, ObservabilityMiddleware


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The hub app over the migrated test database."""
    with TestClient(create_app(settings, notifications=False)) as test_client:
        yield test_client


def test_healthz_answers_without_touching_the_database(tmp_path: Path) -> None:
    broken = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}")  # a directory, not a file
    with TestClient(create_app(broken, notifications=False)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_readyz_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    fresh = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}")
    with TestClient(create_app(fresh, notifications=False)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "hub migrate" in body["reason"]
    assert set(body["missing"]) == migrate.head_revisions()


def test_readyz_refuses_when_the_database_is_unreachable(tmp_path: Path) -> None:
    broken = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}")
    with TestClient(create_app(broken, notifications=False)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page")
    text = client.get("/metrics").text
    assert 'hub_http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in text
    assert f'hub_http_requests_total{{method="GET",route="{UNMATCHED}",status="404"}} 1.0' in text
    assert 'hub_http_request_duration_seconds_count{method="GET",route="/healthz"} 2.0' in text
    assert "/no/such/page" not in text


def test_request_ids_are_echoed_only_when_well_formed(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"
    assert len(forged.headers["x-request-id"]) == 32


async def _secret(request: Request) -> Response:
    return PlainTextResponse("ok")


def _tiny_app(metrics: HttpMetrics) -> Starlette:
    routes = [
        Route("/r/{token}", _secret),
        Mount("/hsds", routes=[Route("/services/{id}", _secret)]),
    ]
    return Starlette(
        routes=routes, middleware=[Middleware(ObservabilityMiddleware, metrics=metrics)]
    )


def test_paths_are_logged_and_counted_by_template_never_raw(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = HttpMetrics()
    secret = "s3cr3t-client-link-token"
    with (
        caplog.at_level(logging.INFO, logger="hub.access"),
        TestClient(_tiny_app(metrics)) as client,
    ):
        client.get(f"/r/{secret}")
        client.get("/hsds/services/42")
    routes = [r.__dict__["route"] for r in caplog.records if r.name == "hub.access"]
    assert routes == ["/r/{token}", "/hsds/services/{id}"]
    assert all(
        secret not in r.getMessage() and secret not in str(r.__dict__) for r in caplog.records
    )
    sample = metrics.registry.get_sample_value(
        "hub_http_requests_total", {"method": "GET", "route": "/r/{token}", "status": "200"}
    )
    assert sample == 1.0


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("hub.test", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_fields_and_redact_secrets() -> None:
    line = JsonFormatter().format(_record(route="/graphql", password="hunter2", token="hub_x"))
    entry = json.loads(line)
    assert entry["level"] == "warning"
    assert entry["logger"] == "hub.test"
    assert entry["message"] == "hello you"
    assert entry["route"] == "/graphql"
    assert entry["password"] == "[redacted]"
    assert entry["token"] == "[redacted]"
    assert "hunter2" not in line


def test_console_lines_are_readable_and_redacted() -> None:
    line = ConsoleFormatter().format(_record(status=200, email="a@b.org"))
    assert "WARNING" in line
    assert "hello you" in line
    assert "status=200" in line
    assert "a@b.org" not in line


def test_graphql_error_logs_keep_only_their_first_line(tmp_path: Path) -> None:
    config = logging_config(_settings(tmp_path, ""))
    assert config["loggers"]["strawberry.execution"]["filters"] == ["first_line"]
    assert config["filters"]["first_line"]["()"].endswith("FirstLineOnly")
    source = 'Syntax Error.\n\n1 | mutation { login(password: "hunter2") }'
    record = logging.LogRecord(
        "strawberry.execution", logging.ERROR, __file__, 1, source, None, None
    )
    assert FirstLineOnly().filter(record)
    assert record.getMessage() == "Syntax Error."


def test_logging_config_follows_the_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "")
    assert logging_config(settings)["formatters"]["hub"]["()"].endswith("JsonFormatter")
    console = settings.model_copy(update={"log_format": "console", "log_level": "debug"})
    config = logging_config(console)
    assert config["formatters"]["hub"]["()"].endswith("ConsoleFormatter")
    assert config["root"]["level"] == "DEBUG"
