"""The log-privacy check itself finds leaks, masks them and refuses to pass on an empty capture."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.links import issue_link
from tests.referrals.builders import CLOCK, make_referral, make_world
from tests.security.log_privacy import (
    PROBE_MESSAGE,
    REGISTRY,
    CaptureHandler,
    Registry,
    attach,
    leaks_in,
    mask,
    new_capture,
    verdict,
)

TOKEN = "rl_" + "Ab3-" * 11


def _registry() -> Registry:
    registry = Registry()
    registry.add("Maria Lopez", "+1 408 555 0199", "maria@example.net")
    registry.add_token(TOKEN)
    registry.clients = 1
    return registry


def test_registered_values_phones_as_digits_and_any_token_are_found() -> None:
    registry = _registry()
    assert leaks_in("created client MARIA LOPEZ", registry) == ["maria lopez"]
    assert leaks_in("to 14085550199", registry) == ["14085550199"]
    assert leaks_in("link /r/rl_" + "Zz9_" * 11, registry) == ["rl_" + "zz9_" * 11]
    assert leaks_in("delivery 42 sent to ************99", registry) == []


def test_a_leaking_line_fails_the_verdict_without_showing_the_secret(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text(f"{PROBE_MESSAGE}\nok line\nsms body /r/{TOKEN} for maria@example.net\n")
    found = verdict(log, _registry(), tests_ran=1)
    assert found.lines == 3
    (problem,) = found.problems
    assert ":3:" in problem
    assert TOKEN not in problem
    assert TOKEN.lower() not in problem
    assert "maria@example.net" not in problem
    assert mask("maria@example.net") in problem


def test_a_capture_that_missed_tests_fails(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text("")
    found = verdict(log, _registry(), tests_ran=2)
    assert any("missed the end of 2 of 2 tests" in p for p in found.problems)


def test_the_session_capture_is_attached_and_writes_lines() -> None:
    root = logging.getLogger()
    captures = [h for h in root.handlers if isinstance(h, CaptureHandler)]
    assert len(captures) == 1
    assert root.getEffectiveLevel() <= logging.INFO
    logging.getLogger("hub.test").info("log-privacy self test line")
    captures[0].flush()
    assert "log-privacy self test line" in captures[0].path.read_text()


def test_a_fresh_capture_renders_json_lines_and_skips_stand_in_servers() -> None:
    handler = new_capture()
    logger = logging.getLogger("hub.test.capture")
    logger.propagate = False
    logger.addHandler(handler)
    attach(handler)
    try:
        logger.warning("first\nsecond")
        logging.getLogger("mail.log").info("rcpt TO:<maria@example.net>")
        handler.flush()
        lines = handler.path.read_text().splitlines()
    finally:
        logger.removeHandler(handler)
        logging.getLogger().removeHandler(handler)
        handler.close()
        handler.path.unlink()
    assert len(lines) == 1
    # One line per record: the newline is escaped, not written.
    assert '"message": "first\\nsecond"' in lines[0]


def test_a_child_process_log_is_scanned_too(tmp_path: Path) -> None:
    main = tmp_path / "run.jsonl"
    main.write_text(f"{PROBE_MESSAGE}\n")
    child = tmp_path / "worker.log"
    child.write_text("05:00:00 INFO referrals.notifications.sms: sms to +14085550199\n")
    found = verdict(main, _registry(), tests_ran=1, children=[child])
    (problem,) = found.problems
    assert problem.startswith(f"{child}:1:")


async def test_clients_and_link_tokens_made_anywhere_are_registered(session: AsyncSession) -> None:
    clients, tokens = REGISTRY.clients, REGISTRY.tokens
    world = await make_world(session)
    referral = await make_referral(session, world)
    issued = await issue_link(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        referral_id=referral.id,
        ttl=timedelta(days=1),
    )
    assert REGISTRY.clients == clients + 1
    assert REGISTRY.tokens > tokens
    assert {"maria lopez", "maria@example.net", "15550102000"} <= REGISTRY.values
    assert issued.token.lower() in REGISTRY.values
