"""Send a client a list of services by email or SMS, in their language, without a referral.

No client record is made and nothing personal is stored: the address or number is used for
this one message and forgotten. Only public directory facts (no confidential places or
private phones) go in the message. Neither the recipient nor the text is ever logged.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import phonenumbers
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.errors import Collector, DomainError, ErrorCode, NotFound
from hub.identity.principal import Principal
from providers.models import Organization
from providers.queries import get_service
from referrals.client_view import ServiceFacts, service_facts
from referrals.notifications.email import LANGUAGES, MailDisabledError, Mailer, render
from referrals.notifications.sms import SmsProvider

log = logging.getLogger(__name__)

MAX_SERVICES = 20
CHANNELS = ("email", "sms")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class DeliveryFailed(DomainError):
    """The message could not be handed to the mail server or SMS provider; nothing was sent."""

    code = ErrorCode.INVALID


@dataclass(frozen=True, slots=True)
class ListSent:
    """What was sent: the channel, how many services, in which language."""

    channel: str
    count: int
    language: str


@dataclass(frozen=True, slots=True)
class SharedService:
    """One service on a list and the public facts a client gets about it."""

    service_id: str
    facts: ServiceFacts


def _phone(raw: str) -> str | None:
    try:
        parsed = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _recipient(channel: str, to: str, errors: Collector) -> str:
    text = to.strip()
    if not text:
        errors.add("to", ErrorCode.REQUIRED, "Enter where to send the list.")
        return ""
    if channel == "email":
        if len(text) > 254 or not _EMAIL.match(text):
            errors.add("to", ErrorCode.INVALID, "Enter an email address like name@example.org.")
        return text
    number = _phone(text[:40])
    if number is None:
        errors.add("to", ErrorCode.INVALID, "Enter a phone number with its area code.")
        return ""
    return number


async def _services(
    session: AsyncSession, actor: Principal, service_ids: Sequence[str], errors: Collector
) -> list[SharedService]:
    if not service_ids:
        errors.add("services", ErrorCode.REQUIRED, "Add at least one service to the list.")
        return []
    if len(service_ids) > MAX_SERVICES:
        errors.add(
            "services", ErrorCode.OUT_OF_RANGE, f"A list holds at most {MAX_SERVICES} services."
        )
        return []
    found = []
    for service_id in dict.fromkeys(service_ids):
        try:
            await get_service(session=session, actor=actor, service_id=service_id)
        except NotFound:
            errors.add("services", ErrorCode.NOT_FOUND, "A service on the list no longer exists.")
            return []
        facts = await service_facts(session=session, service_id=service_id)
        if facts is not None:
            found.append(SharedService(service_id, facts))
    return found


async def list_preview(
    *, session: AsyncSession, actor: Principal, service_ids: Sequence[str]
) -> list[SharedService]:
    """The public facts a list would send, for the coach to check and print first."""
    actor.require_staff()
    errors = Collector()
    services = await _services(session, actor, service_ids, errors)
    errors.raise_if_any()
    return services


async def _sender_name(session: AsyncSession, actor: Principal) -> str:
    for organization_id in sorted(actor.organization_ids):
        organization = await session.get(Organization, organization_id)
        if organization is not None:
            return organization.name
    return actor.name


async def send_service_list(
    *,
    session: AsyncSession,
    actor: Principal,
    clock: Clock,
    mailer: Mailer,
    sms: SmsProvider,
    channel: str,
    to: str,
    language: str,
    service_ids: Sequence[str],
) -> ListSent:
    """Send the services' public facts to an email address or phone number, in `language`."""
    actor.require_staff()
    errors = Collector()
    if channel not in CHANNELS:
        errors.add("channel", ErrorCode.INVALID_CHOICE, "Choose email or text message.")
    if language not in LANGUAGES:
        errors.add("language", ErrorCode.INVALID_CHOICE, "Choose English or Spanish.")
    address = _recipient(channel, to, errors) if channel in CHANNELS else ""
    services = await _services(session, actor, service_ids, errors)
    errors.raise_if_any()
    context = {
        "services": [s.facts for s in services],
        "sender_name": await _sender_name(session, actor),
    }
    reference = f"list-{clock.now():%Y%m%d%H%M%S}"
    try:
        if channel == "email":
            message = render("email", "service_list", language, context)
            await mailer.send(
                to=address,
                subject=message.subject,
                body=message.body,
                language=language,
                headers={},
            )
        else:
            text = render("sms", "service_list", language, context)
            await sms.send(to=address, body=text.body.strip(), reference=reference)
    except MailDisabledError as exc:
        raise DeliveryFailed("Email is not set up on this hub.") from exc
    except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
        # The error's text may hold the address: only its type is logged.
        log.warning("service list not sent by %s: %s", channel, type(exc).__name__)
        raise DeliveryFailed("The list could not be sent. Please try again later.") from exc
    return ListSent(channel=channel, count=len(services), language=language)
