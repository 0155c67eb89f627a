"""pytest hooks of the log-privacy check (imported by `tests/conftest.py` for every test run)."""

from __future__ import annotations

import logging.config
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import hub.identity.service
import referrals.links
from hub.core import security
from tests.security import log_privacy
from tests.security.log_privacy import REGISTRY, CaptureHandler

_CAPTURE = pytest.StashKey[CaptureHandler]()
_started = [0]
_PATCH: list[pytest.MonkeyPatch | None] = [None]


def _keep_attached(
    configure: Callable[[Any], None], handler: CaptureHandler
) -> Callable[[Any], None]:
    # `dictConfig` replaces the root logger's handlers (the CLI and serve tests configure
    # logging): put the capture back at once so no line escapes the scan.
    def configured(config: Any) -> None:
        configure(config)
        log_privacy.attach(handler)

    return configured


def pytest_configure(config: pytest.Config) -> None:
    """Start capturing every log line and registering every client and token."""
    handler = log_privacy.new_capture()
    config.stash[_CAPTURE] = handler
    log_privacy.attach(handler)
    log_privacy.production_levels()
    log_privacy.watch_clients(REGISTRY)
    patch = _PATCH[0] = pytest.MonkeyPatch()
    patch.setattr(logging.config, "dictConfig", _keep_attached(logging.config.dictConfig, handler))
    for module in (referrals.links, hub.identity.service):
        patch.setattr(module, "new_token", log_privacy.recording(security.new_token))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo the session's patches."""
    if _PATCH[0] is not None:
        _PATCH[0].undo()


@pytest.fixture(autouse=True)
def log_privacy_capture(request: pytest.FixtureRequest) -> Iterator[None]:
    """Make sure the capture is attached for the test, and prove it still was at its end."""
    log_privacy.attach(request.config.stash[_CAPTURE])
    _started[0] += 1
    yield
    log_privacy.probe()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when any captured line holds client data or a token."""
    handler = session.config.stash.get(_CAPTURE, None)
    if handler is None:
        return
    handler.flush()
    found = log_privacy.verdict(
        handler.path, REGISTRY, tests_ran=_started[0], children=log_privacy.CHILD_LOGS
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not found.problems:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if reporter is not None:
        reporter.write_line("")
        reporter.write_sep("=", "log privacy: client data or tokens reached the log", red=True)
        for problem in found.problems[:50]:
            reporter.write_line(problem)
        reporter.write_line(
            f"{len(found.problems)} problems in {found.lines} lines"
            f" ({REGISTRY.clients} clients, {REGISTRY.tokens} tokens registered)"
        )
