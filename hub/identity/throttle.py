"""Sign-in throttling: attempts per account and per client address, counted in the database.

Every attempt is counted before the password is checked (so parallel guesses count too), in a
transaction of its own (so a refused attempt is still counted); a success forgets the account's
count and one attempt of the address. The counters live in the database, shared by every worker
and replica.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import SessionFactory
from hub.core.errors import ErrorCode, Unauthenticated
from hub.core.settings import Settings
from hub.identity.models import LoginAttemptCounter

_COUNTER: sa.Table = LoginAttemptCounter.__table__  # type: ignore[attr-defined]


class TooManyAttempts(Unauthenticated):
    """Too many sign-in attempts for this account or from this address; wait for the window."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self) -> None:
        super().__init__("Too many sign-in attempts. Wait a few minutes, then try again.")


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many attempts an account and an address get per window."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        """Take the limits from the hub's settings."""
        return cls(
            per_account=settings.login_max_failures_per_account,
            per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_seconds),
        )


def _key(kind: str, value: str) -> str:
    # Digests only: the table must not become a list of emails and addresses.
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()[:64]}"


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """Counts sign-in attempts through its own transactions of `factory`."""

    factory: SessionFactory
    limits: LoginLimits = LoginLimits()

    def keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        """The counters an attempt touches, each with its limit."""
        keys = [(_key("a", email), self.limits.per_account)]
        if address:
            keys.append((_key("i", address), self.limits.per_address))
        return keys

    async def count_attempt(self, *, email: str, address: str | None, now: datetime) -> None:
        """Count one attempt (committed at once); raise TooManyAttempts over a limit."""
        over = False
        async with self.factory() as session:
            connection = await session.connection()
            for key, limit in self.keys(email, address):
                attempts = (await connection.execute(self._bump(connection, key, now))).scalar_one()
                over = over or attempts > limit
            await session.commit()
        if over:
            raise TooManyAttempts

    async def succeeded(
        self, *, session: AsyncSession, email: str, address: str | None, now: datetime
    ) -> None:
        """After a good password (in the caller's transaction): forget the account's attempts."""
        connection = await session.connection()
        keys = self.keys(email, address)
        await connection.execute(sa.delete(_COUNTER).where(_COUNTER.c.key == keys[0][0]))
        if len(keys) > 1:
            await connection.execute(
                sa.update(_COUNTER)
                .where(_COUNTER.c.key == keys[1][0], _COUNTER.c.attempts > 0)
                .values(attempts=_COUNTER.c.attempts - 1)
            )
        # Old windows are dead weight: drop them now and then (here, on a success).
        await connection.execute(
            sa.delete(_COUNTER).where(_COUNTER.c.window_started_at < now - 2 * self.limits.window)
        )

    def _bump(self, connection: AsyncConnection, key: str, now: datetime) -> sa.Executable:
        """One atomic upsert: a new window at 1, else one more attempt; returns the count."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        stamp = sa.bindparam("stamp", now, type_=_COUNTER.c.window_started_at.type)
        stale = _COUNTER.c.window_started_at < now - self.limits.window
        insert = dialect.insert(_COUNTER).values(key=key, attempts=1, window_started_at=now)
        upsert: sa.Executable = insert.on_conflict_do_update(
            index_elements=[_COUNTER.c.key],
            set_={
                "attempts": sa.case((stale, 1), else_=_COUNTER.c.attempts + 1),
                "window_started_at": sa.case((stale, stamp), else_=_COUNTER.c.window_started_at),
            },
        ).returning(_COUNTER.c.attempts)
        return upsert
