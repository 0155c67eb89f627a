"""`share-with-receiver`: without it the receiver sees the need, the service and the sender's
contact, never who the client is; with it, the client; revoking it hides the client again."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from referrals.clients import record_consent, revoke_consent
from referrals.disclosure import read_client, sender_contact, sender_notes, visible_notes
from referrals.models import AccessLog, ConsentScope
from referrals.service import add_note
from tests.referrals.builders import CLOCK, make_referral, make_world
from tests.referrals.test_graphql import ONE, Setup, draft, setup
from tests.schema.conftest import GQL

SEEN = """
query($id: ID!) { referral(id: $id) {
  needCodes notes service { name } senderOrganization { name }
  senderContact { name email organizationId }
  client { name phone email } clientLinks { id } noteEntries { body }
} }
"""
SEND = "mutation($id: ID!) { referralSend(id: $id) { __typename } }"
NOTE = "mutation($id: ID!, $b: String!) { referralNoteAdd(id: $id, body: $b) { __typename } }"
LINK = "mutation($id: ID!) { clientLinkIssue(referralId: $id) { __typename } }"


async def test_receiver_without_share_consent_sees_no_client(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    for who, body in ((world.sender, "Client is Maria, two kids"), (world.receiver, "Called")):
        await add_note(session=session, actor=who, clock=CLOCK, referral_id=referral.id, body=body)
    assert (
        await read_client(
            session, actor=world.receiver, referral=referral, through="t", at=CLOCK.now()
        )
        is None
    )
    assert await sender_notes(session, world.receiver, referral) is None
    assert [n.body for n in await visible_notes(session, world.receiver, referral)] == ["Called"]
    contact = await sender_contact(session, world.receiver, referral)
    assert contact is not None
    assert (contact.name, contact.organization_id) == ("Sam Sender", world.sender_org.id)
    # The sender still sees everything.
    assert (
        await read_client(
            session, actor=world.sender, referral=referral, through="t", at=CLOCK.now()
        )
        is not None
    )
    assert await sender_notes(session, world.sender, referral) == referral.notes
    assert len(await visible_notes(session, world.sender, referral)) == 2
    await session.commit()
    # Only the sender's read is in the access log: the refused one read nothing.
    logs = list(await session.exec(select(AccessLog)))
    assert [row.user_id for row in logs] == [world.sender.user_id]


async def test_share_consent_opens_the_client_and_revoking_closes_it(session: AsyncSession) -> None:
    world = await make_world(session)
    referral = await make_referral(session, world)
    consent = await record_consent(
        session=session,
        actor=world.sender,
        clock=CLOCK,
        client_id=world.client.id,
        scope=ConsentScope.SHARE_WITH_RECEIVER,
    )
    seen = await read_client(
        session, actor=world.receiver, referral=referral, through="t", at=CLOCK.now()
    )
    assert seen is not None
    assert seen.name == "Maria Lopez"
    assert await sender_notes(session, world.receiver, referral) == referral.notes
    await revoke_consent(session=session, actor=world.sender, clock=CLOCK, consent_id=consent.id)
    assert (
        await read_client(
            session, actor=world.receiver, referral=referral, through="t", at=CLOCK.now()
        )
        is None
    )
    # Auditors never, consent or not; outsiders get no contact either.
    assert await sender_contact(session, world.auditor, referral) is None
    assert await sender_contact(session, world.outsider, referral) is None


async def _sent(gql: GQL, s: Setup, *, share: bool) -> str:
    rid = await draft(gql, s, share=share)
    assert (await gql(SEND, {"id": rid}, headers=s.sender.headers))["data"]["referralSend"][
        "__typename"
    ] == "ReferralPayload"
    await gql(NOTE, {"id": rid, "b": "Maria's kids are 3 and 5"}, headers=s.sender.headers)
    await gql(NOTE, {"id": rid, "b": "Left a voicemail"}, headers=s.receiver.headers)
    issued = await gql(LINK, {"id": rid}, headers=s.sender.headers)
    assert issued["data"]["clientLinkIssue"]["__typename"] == "ClientLinkIssuePayload", issued
    return rid


async def test_graphql_receiver_view_without_and_with_consent(
    session: AsyncSession, gql: GQL
) -> None:
    s = await setup(session)
    rid = await _sent(gql, s, share=False)
    body = await gql(SEEN, {"id": rid}, headers=s.receiver.headers)
    seen = body["data"]["referral"]
    assert seen["needCodes"] == ["food"]
    assert seen["service"] == {"name": "Pantry"}
    assert seen["senderOrganization"] == {"name": "Eastside Career Center"}
    assert seen["senderContact"]["email"] == "sam@east.org"
    assert seen["client"] is None
    assert seen["notes"] is None
    assert seen["clientLinks"] == []
    assert seen["noteEntries"] == [{"body": "Left a voicemail"}]
    # Nothing identifying anywhere in the receiver's answer.
    assert "Maria" not in str(body)
    assert "555" not in str(body)

    # The sender's view of the same referral is complete.
    mine = (await gql(SEEN, {"id": rid}, headers=s.sender.headers))["data"]["referral"]
    assert mine["client"]["name"] == "Maria Lopez"
    assert len(mine["noteEntries"]) == 2
    assert len(mine["clientLinks"]) == 1

    shared = await _sent(gql, s, share=True)
    seen = (await gql(ONE, {"id": shared}, headers=s.receiver.headers))["data"]["referral"]
    assert seen["client"] == {"name": "Maria Lopez", "phone": "408-555-0199"}
    assert seen["notes"] == "Mornings are best."
