"""One referral: `/referrals/<id>` with history, notes, client link status and the caller's actions.

The status area polls itself every few seconds through htmx (the same handler answers with the
fragment when `HX-Request` is sent), so the other side's changes appear without a reload.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.core.db import transaction
from hub.core.errors import Conflict, ValidationFailed
from hub.web.console import referral_labels as labels
from hub.web.console.base import Console, Viewer, field_errors
from providers import batch
from providers.need_words import need_label
from referrals import disclosure, queries, service
from referrals.actions import available_statuses
from referrals.links import links_of
from referrals.state_machine import (
    OUTCOME_REQUIRED,
    REASON_REQUIRED,
    ReferralOutcome,
    ReferralStatus,
)
from referrals.transitions import StatusChange

MAX_ID = 64


def _referral_id(request: Request) -> str:
    # Ids are at most 64 characters; anything longer cannot exist (the domain says NotFound).
    return str(request.path_params["referral_id"])[: MAX_ID + 1]


def _int_or_none(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


class ReferralDetailPages:
    """The referral page, its live status fragment, and the forms that change it."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def details(self, viewer: Viewer, referral_id: str) -> dict[str, Any]:
        """Everything the referral page shows, read as the viewer (the domain decides what)."""
        container = self.console.container
        actor, clock = viewer.principal, container.clock
        async with transaction(container.session_factory) as session:
            referral = await queries.get_referral(
                session=session, actor=actor, clock=clock, referral_id=referral_id
            )
            client = await disclosure.read_client(
                session, actor=actor, referral=referral, through="console:referral", at=clock.now()
            )
            sender_notes = await disclosure.sender_notes(session, actor, referral)
            notes = await disclosure.visible_notes(session, actor, referral)
            contact = await disclosure.sender_contact(session, actor, referral)
            history = await queries.list_history(session=session, referral_id=referral.id)
            needs = await queries.needs_of(session=session, referral_ids=[referral.id])
            (svc,) = await batch.service_by_id(session, [referral.service_id])
            orgs = await batch.organization_by_id(
                session, [referral.sender_organization_id, referral.receiver_organization_id]
            )
            links = (
                await links_of(session=session, referral_id=referral.id)
                if client is not None
                else []
            )
        org_names = {o.id: o.name for o in orgs if o is not None}
        return {
            "referral": referral,
            "client": client,
            "sender_notes": sender_notes,
            "notes": notes,
            "contact": contact,
            # Reasons are free text staff may fill with client details: never for auditors.
            "history": history,
            "show_reasons": not actor.is_auditor,
            "needs": [need_label(code, viewer.language) for code in needs[referral.id]],
            "service": svc,
            "org_names": org_names,
            "links": links,
            "actions": available_statuses(actor, referral),
            "now": clock.now(),
        }

    def page(
        self,
        viewer: Viewer,
        details: dict[str, Any],
        *,
        status: int = 200,
        done: str | None = None,
        errors: dict[str, str] | None = None,
        failed_action: str | None = None,
        conflict: bool = False,
        form: FormData | None = None,
        issued_url: str | None = None,
    ) -> Response:
        """Render the referral page with any messages of the form just posted."""
        svc = details["service"]
        title = viewer.gettext("Referral to %(service)s") % {
            "service": svc.name if svc is not None else "?"
        }
        return self.console.render(
            viewer,
            "console/referrals/detail.html",
            title=title,
            status=status,
            labels=labels,
            reason_required=REASON_REQUIRED,
            outcome_required=OUTCOME_REQUIRED,
            outcomes=list(ReferralOutcome),
            done=done,
            errors=errors or {},
            failed_action=failed_action,
            conflict=conflict,
            posted=form or {},
            issued_url=issued_url,
            **details,
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        """The referral page, or (for htmx polling) just its live status area."""
        referral_id = _referral_id(request)
        if request.headers.get("hx-request") == "true":
            return await self._live(viewer, referral_id, request.query_params.get("seen"))
        details = await self.details(viewer, referral_id)
        done = request.query_params.get("done")
        return self.page(
            viewer, details, done=done if done in {"status", "note", "sent", "link"} else None
        )

    async def _live(self, viewer: Viewer, referral_id: str, seen: str | None) -> Response:
        # The poll reads the referral only: no client details, so no access-log row each time.
        container = self.console.container
        async with transaction(container.session_factory) as session:
            referral = await queries.get_referral(
                session=session,
                actor=viewer.principal,
                clock=container.clock,
                referral_id=referral_id,
            )
        return self.console.render(
            viewer,
            "console/referrals/_live.html",
            title="",
            labels=labels,
            referral=referral,
            seen=_int_or_none(seen),
        )

    async def change(self, request: Request, viewer: Viewer) -> Response:
        """Post/redirect/get for a status change; conflicts and errors are explained on the page."""
        form = await self.console.form(request, viewer)
        referral_id = _referral_id(request)
        raw_status = str(form.get("status") or "")
        raw_outcome = str(form.get("outcome") or "")
        try:
            target = ReferralStatus(raw_status)
        except ValueError:
            target = None
        version = _int_or_none(str(form.get("version") or ""))
        outcome: ReferralOutcome | None = None
        errors: dict[str, str] = {}
        if raw_outcome:
            try:
                outcome = ReferralOutcome(raw_outcome)
            except ValueError:
                errors["outcome"] = viewer.gettext("Choose an outcome from the list.")
        if target is None or version is None:
            errors["_form"] = viewer.gettext("This form was not filled in by this page. Reload it.")
        if errors or target is None or version is None:
            details = await self.details(viewer, referral_id)
            return self.page(
                viewer, details, status=400, errors=errors, failed_action=raw_status, form=form
            )
        reason = str(form.get("reason") or "")[:2000] or None
        change = StatusChange(referral_id, target, version, reason, outcome)
        container = self.console.container
        try:
            await service.change_status(
                factory=container.session_factory,
                actor=viewer.principal,
                clock=container.clock,
                change=change,
            )
        except Conflict:
            details = await self.details(viewer, referral_id)
            return self.page(viewer, details, status=409, conflict=True)
        except ValidationFailed as exc:
            details = await self.details(viewer, referral_id)
            return self.page(
                viewer,
                details,
                status=400,
                errors=field_errors(exc, viewer.gettext),
                failed_action=target.value,
                form=form,
            )
        return self.console.redirect(viewer, f"/referrals/{referral_id}?done=status")

    async def add_note(self, request: Request, viewer: Viewer) -> Response:
        """Add a note for both organizations' staff."""
        form = await self.console.form(request, viewer)
        referral_id = _referral_id(request)
        body = str(form.get("body") or "")[:6000]
        container = self.console.container
        try:
            async with transaction(container.session_factory) as session:
                await service.add_note(
                    session=session,
                    actor=viewer.principal,
                    clock=container.clock,
                    referral_id=referral_id,
                    body=body,
                )
        except ValidationFailed as exc:
            details = await self.details(viewer, referral_id)
            return self.page(
                viewer, details, status=400, errors=field_errors(exc, viewer.gettext), form=form
            )
        return self.console.redirect(viewer, f"/referrals/{referral_id}?done=note")

    def routes(self) -> list[BaseRoute]:
        """The routes of this page group."""
        page = self.console.page
        return [
            Route("/referrals/{referral_id}", page(self.show), methods=["GET"]),
            Route("/referrals/{referral_id}/status", page(self.change), methods=["POST"]),
            Route("/referrals/{referral_id}/notes", page(self.add_note), methods=["POST"]),
        ]
