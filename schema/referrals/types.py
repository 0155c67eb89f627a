"""GraphQL types of referrals, clients, consents, history entries, notes and client links."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from hub.core.db import transaction
from hub.core.errors import NotFound
from providers import batch
from referrals import disclosure, queries
from referrals import models as m
from referrals.clients import list_consents
from referrals.links import links_of
from referrals.state_machine import ActorRole, ReferralOutcome, ReferralStatus
from schema.context import Info
from schema.directory.organization import Organization, organization
from schema.directory.service import Service, visible_service
from schema.relay import Node, register_node, to_global_id

for _enum in (ReferralStatus, ReferralOutcome, ActorRole):
    strawberry.enum(_enum)
strawberry.enum(m.NotifyChannel)
strawberry.enum(m.ClientReport)
strawberry.enum(m.EventKind, name="ReferralEventKind")
strawberry.enum(m.ConsentScope)


@strawberry.type(description="A client's consent for one scope; revoked consents stay listed.")
class Consent(Node):
    row: strawberry.Private[m.Consent]
    scope: m.ConsentScope
    given_at: datetime
    revoked_at: datetime | None

    @strawberry.field
    def active(self) -> bool:
        return self.row.revoked_at is None


def consent(row: m.Consent) -> Consent:
    """Wrap a consent row."""
    return Consent(
        row=row,
        id=to_global_id("Consent", row.id),
        scope=row.scope,
        given_at=row.given_at,
        revoked_at=row.revoked_at,
    )


@strawberry.type(description="A person being referred (personal data: every read is logged).")
class Client(Node):
    row: strawberry.Private[m.Client]
    name: str
    phone: str | None
    email: str | None
    preferred_language: str
    preferred_channel: m.NotifyChannel
    created_at: datetime

    @strawberry.field
    async def consents(self, info: Info) -> list[Consent]:
        async with info.context.session() as session:
            rows = await list_consents(session=session, client_id=self.row.id)
        return [consent(r) for r in rows]


def client(row: m.Client) -> Client:
    """Wrap a client row (the caller has checked access and logged it)."""
    return Client(
        row=row,
        id=to_global_id("Client", row.id),
        name=row.name,
        phone=row.phone,
        email=row.email,
        preferred_language=row.preferred_language,
        preferred_channel=row.preferred_channel,
        created_at=row.created_at,
    )


@strawberry.type(description="One entry of a referral's append-only history.")
class ReferralHistoryEntry:
    kind: m.EventKind
    role: ActorRole
    actor_type: str = strawberry.field(description="`user`, `client` or `system`.")
    actor_user_id: strawberry.ID | None
    from_status: ReferralStatus | None
    to_status: ReferralStatus | None
    reason: str | None
    outcome: ReferralOutcome | None
    version: int
    detail: JSON
    occurred_at: datetime


def history_entry(row: m.ReferralEvent, *, free_text: bool = True) -> ReferralHistoryEntry:
    """Wrap a history row (the free-text reason is left out unless `free_text`)."""
    return ReferralHistoryEntry(
        kind=row.kind,
        role=row.role,
        actor_type=row.actor_type,
        actor_user_id=to_global_id("User", row.actor_user_id) if row.actor_user_id else None,
        from_status=row.from_status,
        to_status=row.to_status,
        reason=row.reason if free_text else None,
        outcome=row.outcome,
        version=row.version,
        detail=row.detail,  # type: ignore[arg-type]
        occurred_at=row.occurred_at,
    )


@strawberry.type(description="A note by sender or receiver staff.")
class ReferralNote(Node):
    body: str
    author_user_id: strawberry.ID | None
    author_organization_id: strawberry.ID | None
    created_at: datetime


def note(row: m.ReferralNote) -> ReferralNote:
    """Wrap a note row."""
    return ReferralNote(
        id=to_global_id("ReferralNote", row.id),
        body=row.body,
        author_user_id=to_global_id("User", row.author_user_id) if row.author_user_id else None,
        author_organization_id=(
            to_global_id("Organization", row.author_organization_id)
            if row.author_organization_id
            else None
        ),
        created_at=row.created_at,
    )


@strawberry.type(
    description="A client's link to a referral (the token itself is never shown again)."
)
class ClientLink(Node):
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def client_link(row: m.ClientLink) -> ClientLink:
    """Wrap a link row."""
    return ClientLink(
        id=to_global_id("ClientLink", row.id),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


@strawberry.type(description="The sending organization's staff member to contact.")
class ReferralSenderContact:
    organization_id: strawberry.ID
    name: str | None
    email: str | None


@strawberry.type(description="A client referred by one organization to another's service.")
class Referral(Node):
    row: strawberry.Private[m.Referral]
    status: ReferralStatus
    outcome: ReferralOutcome | None
    version: int = strawberry.field(description="Send it back as `expectedVersion`.")
    sent_at: datetime | None
    viewed_at: datetime | None
    first_action_at: datetime | None
    closed_at: datetime | None
    client_confirmed_at: datetime | None
    client_report: m.ClientReport | None
    client_helped: bool | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def need_codes(self, info: Info) -> list[str]:
        async with info.context.session() as session:
            found = await queries.needs_of(session=session, referral_ids=[self.row.id])
        return found[self.row.id]

    @strawberry.field
    async def sender_organization(self, info: Info) -> Organization | None:
        row = await info.context.loaders.get(batch.organization_by_id).load(
            self.row.sender_organization_id
        )
        return organization(row) if row is not None else None

    @strawberry.field
    async def receiver_organization(self, info: Info) -> Organization | None:
        row = await info.context.loaders.get(batch.organization_by_id).load(
            self.row.receiver_organization_id
        )
        return organization(row) if row is not None else None

    @strawberry.field
    async def service(self, info: Info) -> Service | None:
        row = await info.context.loaders.get(batch.service_by_id).load(self.row.service_id)
        return visible_service(info, row)

    @strawberry.field(
        description="The client; null for auditors, and for the receiver unless the client gave "
        "`share-with-receiver` consent. Every read is access-logged."
    )
    async def client(self, info: Info) -> Client | None:
        actor = info.context.principal
        async with transaction(info.context.container.session_factory) as session:
            row = await disclosure.read_client(
                session,
                actor=actor,
                referral=self.row,
                through="graphql:Referral.client",
                at=info.context.clock.now(),
            )
        return client(row) if row is not None else None

    @strawberry.field(
        description="Free-text notes of the sender; null for auditors, and for the receiver "
        "without the client's `share-with-receiver` consent."
    )
    async def notes(self, info: Info) -> str | None:
        async with info.context.session() as session:
            return await disclosure.sender_notes(session, info.context.principal, self.row)

    @strawberry.field(
        description="Notes added by both sides; empty for auditors. Without the client's "
        "`share-with-receiver` consent the receiver sees only its own."
    )
    async def note_entries(self, info: Info) -> list[ReferralNote]:
        async with info.context.session() as session:
            rows = await disclosure.visible_notes(session, info.context.principal, self.row)
        return [note(r) for r in rows]

    @strawberry.field(
        description="Whom to contact about this referral at the sending organization; null "
        "for auditors."
    )
    async def sender_contact(self, info: Info) -> ReferralSenderContact | None:
        async with info.context.session() as session:
            found = await disclosure.sender_contact(session, info.context.principal, self.row)
        if found is None:
            return None
        return ReferralSenderContact(
            organization_id=to_global_id("Organization", found.organization_id),
            name=found.name,
            email=found.email,
        )

    @strawberry.field(description="The history, oldest first.")
    async def history(self, info: Info) -> list[ReferralHistoryEntry]:
        async with info.context.session() as session:
            rows = await queries.list_history(session=session, referral_id=self.row.id)
        # Reasons are free text staff may fill with client details: auditors never get them.
        free_text = not info.context.principal.is_auditor
        return [history_entry(r, free_text=free_text) for r in rows]

    @strawberry.field(description="Why it was rejected, cancelled, put on hold or failed (free "
                      "text); null for auditors.")  # fmt: skip
    def status_reason(self, info: Info) -> str | None:
        return None if info.context.principal.is_auditor else self.row.status_reason

    @strawberry.field(
        description="Client links issued for this referral; empty for auditors, and for the "
        "receiver without the client's `share-with-receiver` consent."
    )
    async def client_links(self, info: Info) -> list[ClientLink]:
        async with info.context.session() as session:
            if not await disclosure.sees_client(session, info.context.principal, self.row):
                return []
            rows = await links_of(session=session, referral_id=self.row.id)
        return [client_link(r) for r in rows]


def referral(row: m.Referral) -> Referral:
    """Wrap a referral row (the caller has checked visibility)."""
    return Referral(
        row=row,
        id=to_global_id("Referral", row.id),
        status=row.status,
        outcome=row.outcome,
        version=row.version,
        sent_at=row.sent_at,
        viewed_at=row.viewed_at,
        first_action_at=row.first_action_at,
        closed_at=row.closed_at,
        client_confirmed_at=row.client_confirmed_at,
        client_report=row.client_report,
        client_helped=row.client_helped,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _fetch(info: Info, ident: str) -> Referral | None:
    try:
        async with transaction(info.context.container.session_factory) as session:
            row = await queries.get_referral(
                session=session,
                actor=info.context.principal,
                clock=info.context.clock,
                referral_id=ident,
            )
    except NotFound:
        return None
    return referral(row)


register_node("Referral", _fetch)
