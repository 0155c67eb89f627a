"""Helpers of the board and admin page tests: a signed-in HTTP client and demo ids."""

from __future__ import annotations

import re

import httpx
import sqlalchemy as sa

from hub.core.settings import Settings
from tests.web.demo_world import PASSWORD, demo_email

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token of the form on a page."""
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, local: str) -> None:
    """Sign a demo user in through the form."""
    token = await csrf_of(client, "/login")
    form = {"csrf": token, "email": demo_email(local), "password": PASSWORD}
    answer = await client.post("/login", data=form)
    assert answer.status_code == 303, answer.text


def scalar(settings: Settings, statement: str, **params: object) -> list[tuple[object, ...]]:
    """Rows of a read-only query on the test's demo database (to find ids and names)."""
    url = sa.make_url(settings.resolved_database_url())
    sync = url.set(
        drivername="sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    )
    engine = sa.create_engine(sync)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(statement), params).all()]
    finally:
        engine.dispose()


def network_id(settings: Settings, county: str) -> str:
    """The id of a demo county's network ("Alameda", "Cook", "King")."""
    rows = scalar(settings, "SELECT id FROM network WHERE name LIKE :n", n=f"{county}%")
    assert rows, county
    return str(rows[0][0])


def organization_names(settings: Settings, county: str) -> set[str]:
    """Names of the organizations in a demo county's network."""
    rows = scalar(
        settings,
        "SELECT o.name FROM organization o JOIN network_organization n"
        " ON n.organization_id = o.id JOIN network w ON w.id = n.network_id"
        " WHERE w.name LIKE :n",
        n=f"{county}%",
    )
    return {str(r[0]) for r in rows}
