"""The hub's secret key: configured, or generated once and kept in the data directory.

The key signs client-page CSRF tokens and keys the audit trail's referral pseudonyms
(`HMAC(key, referral_id)`): an empty or guessable key makes pseudonyms reversible by anyone who
can list referral ids. `HUB_SECRET_KEY` wins when set. Otherwise the first process to start
writes 32 random bytes to `<data dir>/secret_key` (mode 0600) and every later process, and every
replica sharing the data directory, reads the same file. In production (`HUB_ENV=production`)
the key must be configured: a key that appeared by itself next to the database is not one an
operator manages, rotates or backs up.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from pydantic import SecretStr

from hub.core.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
MIN_PRODUCTION_LENGTH = 32


class SecretKeyError(RuntimeError):
    """The secret key is missing or unusable; the process must not start."""


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_PRODUCTION_LENGTH:
        raise SecretKeyError(
            f"The secret key file {path} holds fewer than {MIN_PRODUCTION_LENGTH} characters: "
            "delete it to have a new one generated, or set HUB_SECRET_KEY."
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the secret key file %s is readable by other users: chmod 600 it", path)
    return key


def load_or_create_key(data_dir: Path) -> str:
    """Read `<data_dir>/secret_key`, creating it (0600, 64 hex characters) if it is missing."""
    path = data_dir / KEY_FILE
    if path.exists():
        return _read(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written under a private name, then linked into place: a replica starting at the same
    # moment either wins the link or reads the winner's complete file, never a half-written one.
    temporary = data_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
            log.info("generated a new secret key in %s", path)
        except FileExistsError:
            pass  # another process won: use its key
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def require_secret_key(settings: Settings) -> None:
    """Refuse production settings without a configured key of a usable length."""
    configured = settings.secret_key.get_secret_value()
    if settings.is_production() and len(configured) < MIN_PRODUCTION_LENGTH:
        raise SecretKeyError(
            "HUB_ENV is production, so HUB_SECRET_KEY must be set to a random value of at "
            f"least {MIN_PRODUCTION_LENGTH} characters (for example: openssl rand -hex 32)."
        )


def resolve_secret_key(settings: Settings) -> Settings:
    """Settings with the key every part of the hub uses; refuse a missing key in production."""
    require_secret_key(settings)
    if settings.secret_key.get_secret_value():
        return settings
    key = load_or_create_key(settings.data_dir)
    return settings.model_copy(update={"secret_key": SecretStr(key)})
