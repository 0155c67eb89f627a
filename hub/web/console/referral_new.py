"""Refer a client: `/referrals/new?service=<id>` (find or add the client, consent, need, send)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import ErrorCode, NotFound, ValidationFailed
from hub.web.console.base import Console, Viewer, field_errors
from providers import batch
from providers.need_words import need_label
from providers.queries import get_organization, get_service, list_terms
from referrals import service as referral_service
from referrals.client_search import search_clients
from referrals.clients import ClientData, active_consent, create_client, get_client, record_consent
from referrals.models import ConsentScope, NotifyChannel

MAX_ID = 64
# Domain field names (the API's) to this page's form controls.
FIELDS = {
    "needCodes": "needs",
    "serviceId": "_form",
    "clientId": "consent_referral",
    "preferredChannel": "channel",
    "preferredLanguage": "language",
    "organizationId": "organization",
    "search": "q",
}


def _errors(exc: ValidationFailed, viewer: Viewer) -> dict[str, str]:
    return {FIELDS.get(k, k): v for k, v in field_errors(exc, viewer.gettext).items()}


def _short(value: object, limit: int = MAX_ID) -> str:
    return str(value or "").strip()[: limit + 1]


class ReferralNewPages:
    """The refer page and the two forms on it (add a client, send the referral)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _render(
        self,
        viewer: Viewer,
        *,
        service_id: str,
        client_id: str = "",
        search: str = "",
        errors: dict[str, str] | None = None,
        form: FormData | dict[str, Any] | None = None,
        status: int = 200,
    ) -> Response:
        container = self.console.container
        actor, clock = viewer.principal, container.clock
        errors = dict(errors or {})
        found: list[Any] | None = None
        client = None
        consents: dict[str, bool] = {}
        async with transaction(container.session_factory) as session:
            svc = await get_service(session=session, actor=actor, service_id=service_id)
            receiver = await get_organization(
                session=session, actor=actor, organization_id=svc.organization_id
            )
            (terms,) = await batch.terms_by_entity(session, [svc.id])
            if not terms:
                terms = await list_terms(session=session)
            own_orgs = [
                o
                for o in await batch.organization_by_id(session, sorted(actor.organization_ids))
                if o is not None
            ]
            if search:
                try:
                    found = await search_clients(
                        session=session,
                        actor=actor,
                        clock=clock,
                        text=search,
                        through="console:refer",
                    )
                except ValidationFailed as exc:
                    errors.update(_errors(exc, viewer))
            if client_id:
                client = await get_client(
                    session=session,
                    actor=actor,
                    clock=clock,
                    client_id=client_id,
                    through="console:refer",
                )
                for scope in ConsentScope:
                    given = await active_consent(session=session, client_id=client.id, scope=scope)
                    consents[scope.value] = given is not None
        return self.console.render(
            viewer,
            "console/referrals/new.html",
            title=viewer.gettext("Refer a client"),
            status=status,
            service=svc,
            receiver=receiver,
            needs=[(t.code, need_label(t.code or "", viewer.language)) for t in terms if t.code],
            own_orgs=own_orgs,
            search=search,
            found=found,
            client=client,
            consents=consents,
            errors=errors,
            posted=form or {},
            channels=list(NotifyChannel),
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The refer page: the service, client search and add-client form, then the referral."""
        service_id = _short(request.query_params.get("service"))
        if not service_id:
            return self.console.notice(
                viewer,
                status=400,
                heading=viewer.gettext("Choose a service first"),
                message=viewer.gettext("Find a service, then choose “Refer a client” on it."),
                back="/search",
            )
        return await self._render(
            viewer,
            service_id=service_id,
            client_id=_short(request.query_params.get("client")),
            search=_short(request.query_params.get("q"), 200),
        )

    async def add_client(self, request: Request, viewer: Viewer) -> Response:
        """Add a new client to one of the viewer's organizations, then choose them."""
        form = await self.console.form(request, viewer)
        service_id = _short(form.get("service"))
        organization_id = _short(form.get("organization"))
        if not organization_id and len(viewer.principal.organization_ids) == 1:
            (organization_id,) = viewer.principal.organization_ids
        try:
            channel = NotifyChannel(str(form.get("channel") or "none"))
        except ValueError:
            channel = NotifyChannel.NONE
        data = ClientData(
            organization_id=organization_id,
            name=str(form.get("name") or "")[:300],
            phone=str(form.get("phone") or "")[:60] or None,
            email=str(form.get("email") or "")[:300] or None,
            preferred_language=str(form.get("language") or "en")[:10],
            preferred_channel=channel,
        )
        container = self.console.container
        try:
            if not organization_id:
                raise ValidationFailed.single(
                    "organization", ErrorCode.REQUIRED, "Choose the organization of the client."
                )
            async with transaction(container.session_factory) as session:
                client = await create_client(
                    session=session, actor=viewer.principal, clock=container.clock, data=data
                )
                client_id = client.id
        except NotFound:
            errors = {"organization": viewer.gettext("Choose one of your organizations.")}
            return await self._render(
                viewer, service_id=service_id, errors=errors, form=form, status=400
            )
        except ValidationFailed as exc:
            return await self._render(
                viewer, service_id=service_id, errors=_errors(exc, viewer), form=form, status=400
            )
        query = urlencode({"service": service_id, "client": client_id})
        return self.console.redirect(viewer, f"/referrals/new?{query}#send")

    async def send(self, request: Request, viewer: Viewer) -> Response:
        """Record consent, draft and send the referral in one transaction (all or nothing)."""
        form = await self.console.form(request, viewer)
        service_id = _short(form.get("service"))
        client_id = _short(form.get("client"))
        needs = [str(n)[:100] for n in form.getlist("needs")][:30]
        notes = str(form.get("notes") or "")[:6000]
        container = self.console.container
        actor, clock = viewer.principal, container.clock
        try:
            if form.get("consent_referral") != "yes":
                raise ValidationFailed.single(
                    "consent_referral",
                    ErrorCode.NO_CONSENT,
                    "Ask the client, then tick that they agreed to be referred.",
                )
            async with transaction(container.session_factory) as session:
                await get_client(
                    session=session,
                    actor=actor,
                    clock=clock,
                    client_id=client_id,
                    through="console:refer",
                )
                scopes = [ConsentScope.REFERRAL]
                if form.get("consent_share") == "yes":
                    scopes.append(ConsentScope.SHARE_WITH_RECEIVER)
                for scope in scopes:
                    await record_consent(
                        session=session, actor=actor, clock=clock, client_id=client_id, scope=scope
                    )
                referral = await referral_service.create_referral(
                    session=session,
                    actor=actor,
                    clock=clock,
                    data=referral_service.ReferralData(
                        client_id=client_id, service_id=service_id, need_codes=needs, notes=notes
                    ),
                )
                await referral_service.send_referral(
                    session=session, actor=actor, clock=clock, referral_id=referral.id
                )
                referral_id = referral.id
        except ValidationFailed as exc:
            return await self._render(
                viewer,
                service_id=service_id,
                client_id=client_id,
                errors=_errors(exc, viewer),
                form=form,
                status=400,
            )
        return self.console.redirect(viewer, f"/referrals/{referral_id}?done=sent")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group (before `/referrals/{id}`, so `new` is not an id)."""
        page = self.console.page
        return [
            Route("/referrals/new", page(self.show), methods=["GET"]),
            Route("/referrals/new", page(self.send), methods=["POST"]),
            Route("/referrals/new/client", page(self.add_client), methods=["POST"]),
        ]
