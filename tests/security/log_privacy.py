"""The standing log-privacy check: every log line of a test run, scanned for client data and tokens.

`tests/conftest.py` installs `CAPTURE` on the root logger for the whole session (re-attaching it
after any test that reconfigures logging), registers every client the ORM inserts and every
token minted, and at the end calls `verdict`, which fails the run when a line holds a client's
name, phone or email or any link or API token. Secrets are shown masked in the report.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

from hub.core.settings import Settings
from hub.logging_setup import JsonFormatter, logging_config
from referrals.models import Client

# Any link (`rl_`) or API (`hub_`) token: 32 random bytes, URL-safe base64.
TOKEN_SHAPE = re.compile(r"\b(?:rl|hub)_[A-Za-z0-9_-]{40,}")
PROBE_LOGGER = "tests.log_privacy.probe"
PROBE_MESSAGE = "log-privacy probe: capture attached at the end of a test"
# Loggers of the test stand-ins at the far end of a wire (aiosmtpd's SMTP server): what a remote
# server logs is not the hub's log.
STANDIN_LOGGERS = frozenset({"mail.log"})
# Shorter values (a first name, a short phone) would match unrelated text by chance.
MIN_LENGTH = 6


def mask(secret: str) -> str:
    """Show only the ends of a secret, enough to find it in the fixtures."""
    if len(secret) <= 6:
        return "*" * len(secret)
    return f"{secret[:2]}{'*' * (len(secret) - 4)}{secret[-2:]}"


@dataclass
class Registry:
    """What must never be logged: the test clients' details and every issued token."""

    values: set[str] = field(default_factory=set)
    clients: int = 0
    tokens: int = 0

    def add(self, *values: str | None) -> None:
        """Register personal values (each also as its digits, for phones)."""
        for value in values:
            if not value:
                continue
            text = value.strip().lower()
            if len(text) >= MIN_LENGTH:
                self.values.add(text)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 10:
                self.values.add(digits)

    def add_client(self, client: Client) -> None:
        """Register a client's name, phone and email."""
        self.clients += 1
        self.add(client.name, client.phone, client.email)

    def add_token(self, token: str) -> None:
        """Register a freshly minted token."""
        self.tokens += 1
        self.values.add(token.lower())


REGISTRY = Registry()
# Log files of hub processes the tests start (`hub worker` in a subprocess): scanned too.
CHILD_LOGS: list[Path] = []


def scan_child_log(path: Path) -> None:
    """Have the end-of-run check scan a log file a child process writes."""
    CHILD_LOGS.append(path)


def leaks_in(line: str, registry: Registry) -> list[str]:
    """The registered values and token-shaped strings a line contains."""
    lowered = line.lower()
    found = {value for value in registry.values if value in lowered}
    found.update(match.group(0).lower() for match in TOKEN_SHAPE.finditer(line))
    return sorted(found)


class CaptureHandler(logging.FileHandler):
    """Writes every record as the production JSON formatter renders it, one per line."""

    def __init__(self, path: Path) -> None:
        # Appending: `dictConfig` closes every handler, and a closed "w" handler never reopens.
        super().__init__(path, mode="a", encoding="utf-8", delay=False)
        self.setLevel(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.addFilter(lambda record: record.name not in STANDIN_LOGGERS)
        self.path = path

    def format(self, record: logging.LogRecord) -> str:
        """Render a record on a single line (tracebacks included, newlines escaped)."""
        return super().format(record).replace("\n", "\\n")


def new_capture() -> CaptureHandler:
    """A capture handler writing to a fresh file in the temporary directory."""
    handle, name = tempfile.mkstemp(prefix=f"hub-test-log-{os.getpid()}-", suffix=".jsonl")
    os.close(handle)
    return CaptureHandler(Path(name))


def attach(handler: logging.Handler) -> None:
    """Put the handler on the root logger at INFO (the production default), if it is not there."""
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def production_levels() -> None:
    """Give loggers the levels production's logging configuration gives them."""
    loggers = logging_config(Settings(_env_file=None))["loggers"]
    for name, spec in loggers.items():
        if "level" in spec:
            logging.getLogger(name).setLevel(spec["level"])


def probe() -> None:
    """Log one probe line: proof the capture was still attached when a test ended."""
    logging.getLogger(PROBE_LOGGER).info(PROBE_MESSAGE)


def watch_clients(registry: Registry) -> None:
    """Register every client the ORM inserts (builders, GraphQL, the demo all go through it)."""

    def inserted(_mapper: Any, _connection: Any, target: Client) -> None:
        registry.add_client(target)

    event.listen(Client, "before_insert", inserted)


def recording(mint: Callable[[str], tuple[str, str]]) -> Callable[[str], tuple[str, str]]:
    """Wrap a token minting function so every plain token is registered."""

    def wrapped(prefix: str) -> tuple[str, str]:
        plain, digest = mint(prefix)
        REGISTRY.add_token(plain)
        return plain, digest

    return wrapped


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of the scan: problems (each a printable line) and what was scanned."""

    problems: list[str]
    lines: int
    probes: int


def verdict(
    path: Path, registry: Registry, *, tests_ran: int, children: Iterable[Path] = ()
) -> Verdict:
    """Scan the captured log; every problem is described without showing a secret in full."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    probes = sum(PROBE_MESSAGE in line for line in lines)
    problems: list[str] = []
    if tests_ran and probes < tests_ran:
        problems.append(
            f"the capture missed the end of {tests_ran - probes} of {tests_ran} tests:"
            " something removed the log handler"
        )
    if registry.clients and not registry.values:
        problems.append("clients were created but nothing was registered to look for")
    sample = next(iter(registry.values), None)
    if sample is not None and not leaks_in(f"self-test {sample}", registry):
        problems.append("the scanner does not find a registered value: the check is broken")
    problems.extend(_leaks(path, lines, registry))
    for child in children:
        if child.exists():
            child_lines = child.read_text(encoding="utf-8", errors="replace").splitlines()
            problems.extend(_leaks(child, child_lines, registry))
    return Verdict(problems, len(lines), probes)


def _leaks(path: Path, lines: list[str], registry: Registry) -> list[str]:
    problems = []
    for number, line in enumerate(lines, 1):
        found = leaks_in(line, registry)
        if found:
            shown = _masked(line, found)
            problems.append(f"{path}:{number}: {', '.join(mask(f) for f in found)}: {shown}")
    return problems


def _masked(line: str, secrets: Iterable[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        line = re.sub(re.escape(secret), mask(secret), line, flags=re.IGNORECASE)
    return line[:400]
