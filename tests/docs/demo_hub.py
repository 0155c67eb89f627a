"""A demo hub for the documentation's examples: `hub demo`, then `hub serve` on a free port.

Runs exactly what the README tells a newcomer, in a directory that looks like the repository
(its top-level entries linked) but has its own `./data`, so `hub` commands in examples find the
demo database the server uses. On PostgreSQL runs (HUB_TEST_DATABASE_URL) the demo goes into a
database of its own on that server.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.docs.markdown_examples import ROOT

DOCUMENTED_PORT = "8000"
# Not linked into the work directory: its own data, and nothing a run could write into git.
_NOT_LINKED = {"data", ".git", ".venv", ".ci", ".env", "demo-users.txt"}
_USER_LINE = re.compile(r"^(?P<role>\S+)\s+(?P<email>\S+@\S+)")


def token_variable(email: str) -> str:
    """`coach.alameda@demo.example.org` -> `COACH_ALAMEDA_TOKEN` (the docs' convention)."""
    local = email.split("@", 1)[0]
    return re.sub(r"[^A-Z0-9]+", "_", local.upper()) + "_TOKEN"


def demo_tokens(stdout: str) -> dict[str, str]:
    """Every demo user's token from `hub demo`'s output, by the docs' variable names."""
    tokens: dict[str, str] = {}
    lines = stdout.splitlines()
    for line, following in itertools.pairwise(lines):
        user = _USER_LINE.match(line)
        if user and following.strip().startswith("hub_"):
            tokens[token_variable(user.group("email"))] = following.strip()
    tokens["TOKEN"] = tokens["COACH_ALAMEDA_TOKEN"]  # `$TOKEN` in the README: a coach
    return tokens


@dataclass
class DemoHub:
    """A served demo network: where it runs, its environment and its users' tokens."""

    workdir: Path
    port: int
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """The server's address (examples say 127.0.0.1:8000; the runner rewrites it)."""
        return f"http://127.0.0.1:{self.port}"

    def localize(self, text: str) -> str:
        """An example's text pointed at this server instead of the documented port."""
        return re.sub(
            rf"\b(?:127\.0\.0\.1|localhost):{DOCUMENTED_PORT}\b", f"127.0.0.1:{self.port}", text
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_env(workdir: Path) -> dict[str, str]:
    # A newcomer's shell: no HUB_* settings of the developer's, the venv's `hub` on PATH.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HUB_LOG_FORMAT"] = "console"
    env["HOME"] = str(workdir)
    return env


@contextmanager
def _database(env: dict[str, str]) -> Iterator[None]:
    pg_url = os.environ.get("HUB_TEST_DATABASE_URL", "").strip()
    if not pg_url:
        yield
        return
    name = f"hub_docs_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(
        sa.make_url(pg_url).set(database="postgres"),  # psycopg 3 serves sync engines too
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        env["HUB_DATABASE_URL"] = (
            sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait_ready(hub: DemoHub, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"hub serve exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{hub.base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"hub serve was not ready in 90 s: {log.read_text()[-3000:]}")


@contextmanager
def demo_hub(workdir: Path) -> Iterator[DemoHub]:
    """Load the demo with `hub demo`, serve it with `hub serve --port`, stop it afterwards."""
    for entry in ROOT.iterdir():
        if entry.name not in _NOT_LINKED:
            (workdir / entry.name).symlink_to(entry)
    env = _clean_env(workdir)
    with _database(env):
        loaded = subprocess.run(
            ["hub", "demo"], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
        )
        if loaded.returncode != 0:
            raise RuntimeError(f"hub demo failed: {loaded.stderr[-3000:]}")
        (workdir / "demo-users.txt").write_text(loaded.stdout, encoding="utf-8")
        hub = DemoHub(workdir=workdir, port=_free_port(), env=env)
        hub.tokens = demo_tokens(loaded.stdout)
        log = workdir / "serve.log"
        with log.open("wb") as sink:
            server = subprocess.Popen(
                ["hub", "serve", "--port", str(hub.port)],
                cwd=workdir,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_ready(hub, server, log)
            yield hub
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
