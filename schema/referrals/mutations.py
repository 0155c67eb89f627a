"""Referral mutations: clients, consents, referrals, status changes, notes and client links."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from hub.core.errors import DomainError, ErrorCode, ValidationFailed
from referrals import clients as client_service
from referrals import links, service
from referrals.models import ConsentScope, NotifyChannel
from referrals.state_machine import ReferralOutcome, ReferralStatus
from referrals.transitions import StatusChange
from schema.context import Info
from schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
    ValidationFailedError,
    to_error,
)
from schema.referrals.types import (
    Client,
    ClientLink,
    Consent,
    Referral,
    ReferralNote,
    client,
    client_link,
    consent,
    note,
    referral,
)
from schema.relay import decode_id

Errors = (
    ValidationFailedError | NotFoundError | ForbiddenError | UnauthenticatedError | ConflictError
)


@strawberry.input(description="A client to add to one of your organizations.")
class ClientCreateInput:
    organization_id: strawberry.ID
    name: str
    phone: str | None = None
    email: str | None = None
    preferred_language: str = "en"
    preferred_channel: NotifyChannel = NotifyChannel.NONE


@strawberry.input(description="A referral to draft.")
class ReferralCreateInput:
    client_id: strawberry.ID
    service_id: strawberry.ID
    need_codes: list[str]
    notes: str = ""


@strawberry.type
class ClientPayload:
    client: Client


@strawberry.type
class ConsentPayload:
    consent: Consent


@strawberry.type
class ReferralPayload:
    referral: Referral


@strawberry.type
class ReferralNotePayload:
    note: ReferralNote
    referral: Referral


@strawberry.type
class ClientLinkIssuePayload:
    link: ClientLink
    url: str = strawberry.field(description="The link to give the client; shown only this once.")


@strawberry.type
class ClientLinkPayload:
    link: ClientLink


ClientResult = Annotated[ClientPayload | Errors, strawberry.union("ClientResult")]
ConsentResult = Annotated[ConsentPayload | Errors, strawberry.union("ConsentResult")]
ReferralResult = Annotated[ReferralPayload | Errors, strawberry.union("ReferralResult")]
ReferralNoteResult = Annotated[ReferralNotePayload | Errors, strawberry.union("ReferralNoteResult")]
ClientLinkIssueResult = Annotated[
    ClientLinkIssuePayload | Errors, strawberry.union("ClientLinkIssueResult")
]
ClientLinkResult = Annotated[ClientLinkPayload | Errors, strawberry.union("ClientLinkResult")]


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Add a client (minimal personal data) to your organization.")
    async def client_create(self, info: Info, input: ClientCreateInput) -> ClientResult:
        ctx = info.context
        try:
            data = client_service.ClientData(
                organization_id=decode_id(
                    input.organization_id, "Organization", field="organizationId"
                ),
                name=input.name,
                phone=input.phone,
                email=input.email,
                preferred_language=input.preferred_language,
                preferred_channel=input.preferred_channel,
            )
            async with ctx.transaction() as session:
                row = await client_service.create_client(
                    session=session, actor=ctx.principal, clock=ctx.clock, data=data
                )
        except DomainError as exc:
            return to_error(exc)
        return ClientPayload(client=client(row))

    @strawberry.mutation(description="Record that a client consented (to be referred, by default).")
    async def consent_record(
        self,
        info: Info,
        client_id: strawberry.ID,
        scope: ConsentScope = ConsentScope.REFERRAL,
    ) -> ConsentResult:
        ctx = info.context
        try:
            ident = decode_id(client_id, "Client", field="clientId")
            async with ctx.transaction() as session:
                row = await client_service.record_consent(
                    session=session,
                    actor=ctx.principal,
                    clock=ctx.clock,
                    client_id=ident,
                    scope=scope,
                )
        except DomainError as exc:
            return to_error(exc)
        return ConsentPayload(consent=consent(row))

    @strawberry.mutation(description="Record that a client withdrew a consent.")
    async def consent_revoke(self, info: Info, id: strawberry.ID) -> ConsentResult:
        ctx = info.context
        try:
            ident = decode_id(id, "Consent")
            async with ctx.transaction() as session:
                row = await client_service.revoke_consent(
                    session=session, actor=ctx.principal, clock=ctx.clock, consent_id=ident
                )
        except DomainError as exc:
            return to_error(exc)
        return ConsentPayload(consent=consent(row))

    @strawberry.mutation(description="Draft a referral of your client to a service.")
    async def referral_create(self, info: Info, input: ReferralCreateInput) -> ReferralResult:
        ctx = info.context
        try:
            data = service.ReferralData(
                client_id=decode_id(input.client_id, "Client", field="clientId"),
                service_id=decode_id(input.service_id, "Service", field="serviceId"),
                need_codes=list(input.need_codes),
                notes=input.notes,
            )
            async with ctx.transaction() as session:
                row = await service.create_referral(
                    session=session, actor=ctx.principal, clock=ctx.clock, data=data
                )
        except DomainError as exc:
            return to_error(exc)
        return ReferralPayload(referral=referral(row))

    @strawberry.mutation(description="Send a draft (needs consent and a service taking referrals).")
    async def referral_send(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> ReferralResult:
        ctx = info.context
        try:
            ident = decode_id(id, "Referral")
            change = StatusChange(ident, ReferralStatus.REQUESTED, expected_version)
            row = await service.change_status(
                factory=ctx.container.session_factory,
                actor=ctx.principal,
                clock=ctx.clock,
                change=change,
            )
        except DomainError as exc:
            return to_error(exc)
        return ReferralPayload(referral=referral(row))

    @strawberry.mutation(description="Change the status; fails with Conflict if it changed since.")
    async def referral_update_status(
        self,
        info: Info,
        id: strawberry.ID,
        status: ReferralStatus,
        expected_version: int,
        reason: str | None = None,
        outcome: ReferralOutcome | None = None,
    ) -> ReferralResult:
        ctx = info.context
        try:
            ident = decode_id(id, "Referral")
            change = StatusChange(ident, status, expected_version, reason, outcome)
            row = await service.change_status(
                factory=ctx.container.session_factory,
                actor=ctx.principal,
                clock=ctx.clock,
                change=change,
            )
        except DomainError as exc:
            return to_error(exc)
        return ReferralPayload(referral=referral(row))

    @strawberry.mutation(description="Add a note both organizations' staff can read.")
    async def referral_note_add(
        self, info: Info, id: strawberry.ID, body: str
    ) -> ReferralNoteResult:
        ctx = info.context
        try:
            ident = decode_id(id, "Referral")
            async with ctx.transaction() as session:
                row = await service.add_note(
                    session=session,
                    actor=ctx.principal,
                    clock=ctx.clock,
                    referral_id=ident,
                    body=body,
                )
                parent = await service.load_referral(session, ident)
        except DomainError as exc:
            return to_error(exc)
        return ReferralNotePayload(note=note(row), referral=referral(parent))

    @strawberry.mutation(description="Issue the client's link; the URL is returned only once.")
    async def client_link_issue(
        self, info: Info, referral_id: strawberry.ID, ttl_days: int | None = None
    ) -> ClientLinkIssueResult:
        ctx = info.context
        settings = ctx.container.settings
        days = settings.client_link_ttl_days if ttl_days is None else ttl_days
        try:
            if not 1 <= days <= 365:
                raise ValidationFailed.single(
                    "ttlDays", ErrorCode.OUT_OF_RANGE, "Use 1 to 365 days."
                )
            ident = decode_id(referral_id, "Referral", field="referralId")
            async with ctx.transaction() as session:
                issued = await links.issue_link(
                    session=session,
                    actor=ctx.principal,
                    clock=ctx.clock,
                    referral_id=ident,
                    ttl=timedelta(days=days),
                )
        except DomainError as exc:
            return to_error(exc)
        url = f"{settings.public_base_url.rstrip('/')}/r/{issued.token}"
        return ClientLinkIssuePayload(link=client_link(issued.link), url=url)

    @strawberry.mutation(description="Revoke a client's link at once.")
    async def client_link_revoke(self, info: Info, id: strawberry.ID) -> ClientLinkResult:
        ctx = info.context
        try:
            ident = decode_id(id, "ClientLink")
            async with ctx.transaction() as session:
                row = await links.revoke_link(
                    session=session, actor=ctx.principal, clock=ctx.clock, link_id=ident
                )
        except DomainError as exc:
            return to_error(exc)
        return ClientLinkPayload(link=client_link(row))
