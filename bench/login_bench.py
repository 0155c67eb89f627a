"""Time the `login` mutation: a known email with a wrong password against an unknown email.

Both must cost one argon2 verification, so their medians should be close; also times a
30-alias login document (refused by validation before any password check) and a locked
account's refusal. In-process ASGI over a fresh SQLite database in a temporary directory:
`python bench/login_bench.py [rounds]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hub import migrate
from hub.app import create_app
from hub.container import build_container
from hub.core.db import transaction
from hub.core.settings import Settings
from hub.identity.service import create_user

LOGIN = 'mutation($e: String!) { login(email: $e, password: "wrong password") { __typename } }'
ALIASES = (
    "mutation { "
    + " ".join(f'a{i}: login(email: "x@y.org", password: "p") {{ __typename }}' for i in range(30))
    + " }"
)


async def _median_ms(client: httpx.AsyncClient, body: dict[str, object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post("/graphql", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(timings)


async def main(rounds: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="hub-login-"))
    url = f"sqlite+aiosqlite:///{workdir / 'hub.sqlite3'}"
    migrate.upgrade(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=workdir,
        database_url=url,
        login_max_failures_per_account=10**9,  # measure the checks, not the lockout
        login_max_failures_per_address=10**9,
    )
    container = build_container(settings)
    async with transaction(container.session_factory) as session:
        await create_user(session=session, email="known@example.org", name="K", password="x" * 12)
    app = create_app(container=container, notifications=False, fill_search_index=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        # Alternate the two kinds so load on the machine affects both alike.
        known_times: list[float] = []
        unknown_times: list[float] = []
        for _ in range(rounds):
            for email, into in (
                ("known@example.org", known_times),
                ("nobody@example.org", unknown_times),
            ):
                into.append(
                    await _median_ms(client, {"query": LOGIN, "variables": {"e": email}}, 1)
                )
        known, unknown = statistics.median(known_times), statistics.median(unknown_times)
        aliases = await _median_ms(client, {"query": ALIASES}, rounds)
    await container.close()
    print(f"login, known email, wrong password: median {known:.1f} ms over {rounds}")
    print(f"login, unknown email:               median {unknown:.1f} ms over {rounds}")
    print(f"30 aliased logins (refused):        median {aliases:.1f} ms over {rounds}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
