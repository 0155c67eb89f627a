"""Finding a returning client by name, phone or email, within the searcher's own organizations."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import ErrorCode, Forbidden, NotFound, ValidationFailed
from hub.identity.principal import Principal
from referrals.access import log_access
from referrals.models import Client

MIN_SEARCH = 2
MAX_SEARCH = 100
MAX_RESULTS = 50
_DIGITS = re.compile(r"\D+")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _digits_of(column: ColumnElement[str]) -> ColumnElement[str]:
    # Phones are stored as typed ("(510) 555-0100"): compare their digits only, on any dialect.
    expression: ColumnElement[str] = column
    for mark in (" ", "-", "(", ")", ".", "+"):
        expression = sa.func.replace(expression, mark, "")
    return expression


def _scope(actor: Principal, organization_id: str | None) -> list[str]:
    """The organizations whose clients the actor may search (auditors never may)."""
    actor.require_staff()
    if actor.is_auditor:
        raise Forbidden("Auditors cannot see clients.")
    if organization_id is not None:
        if not (actor.is_member(organization_id) or actor.is_hub_admin or actor.is_system):
            raise NotFound("Organization", organization_id)
        return [organization_id]
    if not actor.organization_ids:
        raise ValidationFailed.single(
            "organizationId", ErrorCode.REQUIRED, "Choose the organization to search."
        )
    return sorted(actor.organization_ids)


async def search_clients(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    text: str,
    organization_id: str | None = None,
    limit: int = 20,
    through: str = "client_search",
) -> list[Client]:
    """Clients of the actor's organization(s) whose name, email or phone matches `text`.

    Names and emails match anywhere, ignoring case; phones match on their digits. Every client
    returned is an access to personal data and is logged as one.
    """
    orgs = _scope(actor, organization_id)
    query_text = " ".join(text.split())
    if not MIN_SEARCH <= len(query_text) <= MAX_SEARCH:
        raise ValidationFailed.single(
            "search",
            ErrorCode.OUT_OF_RANGE,
            f"Type {MIN_SEARCH} to {MAX_SEARCH} characters of a name, phone or email.",
        )
    if not 1 <= limit <= MAX_RESULTS:
        raise ValidationFailed.single(
            "first", ErrorCode.OUT_OF_RANGE, f"Ask for 1 to {MAX_RESULTS} clients."
        )
    pattern = f"%{_escape(query_text.lower())}%"
    matches: list[ColumnElement[bool]] = [
        sa.func.lower(col(Client.name)).like(pattern, escape="\\"),
        sa.func.lower(sa.func.coalesce(col(Client.email), "")).like(pattern, escape="\\"),
    ]
    digits = _DIGITS.sub("", query_text)
    if len(digits) >= 3:
        phone = _digits_of(sa.func.coalesce(col(Client.phone), ""))
        matches.append(phone.like(f"%{digits}%"))
    query = (
        select(Client)
        .where(col(Client.organization_id).in_(orgs), sa.or_(*matches))
        .order_by(col(Client.name), col(Client.id))
        .limit(limit)
    )
    found = list(await session.exec(query))
    now = clock.now()
    for client in found:
        log_access(
            session, actor=actor, client_id=client.id, referral_id=None, through=through, at=now
        )
    await session.flush()
    return found
