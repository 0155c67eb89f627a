"""Every mutation and sensitive query of the schema, as an operation on the matrix world."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Ids = dict[str, str]


@dataclass(frozen=True, slots=True)
class Operation:
    """A GraphQL document selecting only what tells the outcome, and its variables."""

    document: str
    variables: Callable[[Ids], dict[str, Any]]


def _mutation(
    name: str, signature: str, arguments: str, variables: Callable[[Ids], Any]
) -> Operation:
    document = f"mutation{signature} {{ {name}{arguments} {{ __typename }} }}"
    return Operation(document, variables)


def _by_id(name: str, key: str) -> Operation:
    return _mutation(name, "($id: ID!)", "(id: $id)", lambda ids: {"id": ids[key]})


def _with_input(name: str, kind: str, value: Callable[[Ids], dict[str, Any]]) -> Operation:
    return _mutation(name, f"($i: {kind}!)", "(input: $i)", lambda ids: {"i": value(ids)})


def _update(name: str, kind: str, key: str, value: dict[str, Any]) -> Operation:
    return _mutation(
        name,
        f"($id: ID!, $i: {kind}!)",
        "(id: $id, input: $i)",
        lambda ids: {"id": ids[key], "i": value},
    )


MUTATIONS: dict[str, Operation] = {
    "login": _mutation(
        "login",
        "($e: String!, $p: String!)",
        "(email: $e, password: $p)",
        lambda ids: {"e": "nobody@nowhere.example", "p": "wrong password"},
    ),
    "tokenRevoke": _mutation(
        "tokenRevoke", "($t: ID!)", "(tokenId: $t)", lambda ids: {"t": ids["ApiToken:sender_coach"]}
    ),
    "organizationCreate": _with_input(
        "organizationCreate", "OrganizationInput", lambda ids: {"name": "New Partner"}
    ),
    "organizationUpdate": _update(
        "organizationUpdate", "OrganizationInput", "Organization:north", {"description": "Food"}
    ),
    "organizationDelete": _by_id("organizationDelete", "Organization:north"),
    "programCreate": _with_input(
        "programCreate",
        "ProgramInput",
        lambda ids: {"organizationId": ids["Organization:north"], "name": "Winter meals"},
    ),
    "programUpdate": _update("programUpdate", "ProgramInput", "Program:north", {"name": "Meals"}),
    "programDelete": _by_id("programDelete", "Program:north"),
    "serviceCreate": _with_input(
        "serviceCreate",
        "ServiceInput",
        lambda ids: {"organizationId": ids["Organization:north"], "name": "Diapers"},
    ),
    "serviceUpdate": _update("serviceUpdate", "ServiceInput", "Service:north", {"name": "Pantry+"}),
    "serviceDelete": _by_id("serviceDelete", "Service:north"),
    "locationCreate": _with_input(
        "locationCreate",
        "LocationInput",
        lambda ids: {
            "organizationId": ids["Organization:north"],
            "name": "Annex",
            "latitude": 37.3,
            "longitude": -121.9,
        },
    ),
    "locationUpdate": _update(
        "locationUpdate", "LocationInput", "Location:north", {"name": "Hall"}
    ),
    "locationDelete": _by_id("locationDelete", "Location:north"),
    "serviceAtLocationCreate": _mutation(
        "serviceAtLocationCreate",
        "($s: ID!, $l: ID!)",
        "(serviceId: $s, locationId: $l)",
        lambda ids: {"s": ids["Service:north"], "l": ids["Location:annex"]},
    ),
    "serviceAtLocationDelete": _by_id("serviceAtLocationDelete", "ServiceAtLocation:north"),
    "scheduleCreate": _with_input(
        "scheduleCreate",
        "ScheduleInput",
        lambda ids: {
            "serviceId": ids["Service:north"],
            "freq": "WEEKLY",
            "byday": "TU",
            "opensAt": "09:00:00",
            "closesAt": "12:00:00",
        },
    ),
    "scheduleUpdate": _update("scheduleUpdate", "ScheduleInput", "Schedule:north", {"byday": "WE"}),
    "scheduleDelete": _by_id("scheduleDelete", "Schedule:north"),
    "phoneCreate": _with_input(
        "phoneCreate",
        "PhoneInput",
        lambda ids: {"serviceId": ids["Service:north"], "number": "408-555-0111"},
    ),
    "phoneUpdate": _update("phoneUpdate", "PhoneInput", "Phone:north", {"number": "408-555-0112"}),
    "phoneDelete": _by_id("phoneDelete", "Phone:north"),
    "serviceCapacityUpdate": _mutation(
        "serviceCapacityUpdate",
        "($s: ID!, $i: ServiceCapacityInput!)",
        "(serviceId: $s, input: $i)",
        lambda ids: {"s": ids["Service:north"], "i": {"capacityStatus": "WAITLIST"}},
    ),
    "serviceMarkVerified": _mutation(
        "serviceMarkVerified",
        "($s: ID!)",
        "(serviceId: $s)",
        lambda ids: {"s": ids["Service:north"]},
    ),
    "webhookSubscriptionCreate": _with_input(
        "webhookSubscriptionCreate",
        "WebhookSubscriptionCreateInput",
        lambda ids: {
            "organizationId": ids["Organization:north"],
            "url": "https://93.184.216.34/hub-hook",
            "topics": ["referral.sent"],
        },
    ),
    "webhookSubscriptionSetActive": _mutation(
        "webhookSubscriptionSetActive",
        "($id: ID!)",
        "(id: $id, active: false)",
        lambda ids: {"id": ids["WebhookSubscription:north"]},
    ),
    "emailPreferencesUpdate": _mutation(
        "emailPreferencesUpdate", "", '(enabled: ["new_referral"])', lambda ids: {}
    ),
    "webhookSubscriptionDelete": _by_id("webhookSubscriptionDelete", "WebhookSubscription:north"),
    "webhookRedeliver": _mutation(
        "webhookRedeliver",
        "($d: ID!)",
        "(deliveryId: $d)",
        lambda ids: {"d": ids["WebhookDelivery:north"]},
    ),
    "clientCreate": _with_input(
        "clientCreate",
        "ClientCreateInput",
        lambda ids: {"organizationId": ids["Organization:east"], "name": "Tomas Herrera"},
    ),
    "consentRecord": _mutation(
        "consentRecord",
        "($c: ID!)",
        "(clientId: $c, scope: SHARE_WITH_RECEIVER)",
        lambda ids: {"c": ids["Client:east"]},
    ),
    "consentRevoke": _by_id("consentRevoke", "Consent:east"),
    "referralCreate": _with_input(
        "referralCreate",
        "ReferralCreateInput",
        lambda ids: {
            "clientId": ids["Client:east"],
            "serviceId": ids["Service:north"],
            "needCodes": ["food"],
        },
    ),
    "referralSend": _by_id("referralSend", "Referral:draft"),
    "referralUpdateStatus": _mutation(
        "referralUpdateStatus",
        "($id: ID!)",
        "(id: $id, status: ACCEPTED, expectedVersion: 2)",
        lambda ids: {"id": ids["Referral:sent"]},
    ),
    "referralNoteAdd": _mutation(
        "referralNoteAdd",
        "($id: ID!)",
        '(id: $id, body: "Called back")',
        lambda ids: {"id": ids["Referral:sent"]},
    ),
    "clientLinkIssue": _mutation(
        "clientLinkIssue",
        "($id: ID!)",
        "(referralId: $id)",
        lambda ids: {"id": ids["Referral:sent"]},
    ),
    "clientLinkRevoke": _by_id("clientLinkRevoke", "ClientLink:sent"),
}

_SPAN = '(from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z")'
QUERIES: dict[str, Operation] = {
    "referral": Operation(
        "query($id: ID!) { referral(id: $id) { id client { name } notes } }",
        lambda ids: {"id": ids["Referral:sent"]},
    ),
    "referrals": Operation(
        "{ referrals { edges { node { id client { name } } } } }", lambda ids: {}
    ),
    "node(Referral)": Operation(
        "query($id: ID!) { node(id: $id) { id ... on Referral { client { name } } } }",
        lambda ids: {"id": ids["Referral:sent"]},
    ),
    "client": Operation(
        "query($id: ID!) { client(id: $id) { name phone } }",
        lambda ids: {"id": ids["Client:east"]},
    ),
    "clients": Operation('{ clients(search: "Okafor") { name } }', lambda ids: {}),
    "clientAccessLog": Operation(f"{{ clientAccessLog{_SPAN} {{ __typename }} }}", lambda ids: {}),
    "referralAuditTrail": Operation(
        f"{{ referralAuditTrail{_SPAN} {{ edges {{ node {{ referralKey }} }} }} }}",
        lambda ids: {},
    ),
    "networkReport": Operation(f"{{ networkReport{_SPAN} {{ __typename }} }}", lambda ids: {}),
    "referralFlows": Operation(f"{{ referralFlows{_SPAN} {{ __typename }} }}", lambda ids: {}),
    "unmetDemand": Operation(f"{{ unmetDemand{_SPAN} {{ __typename }} }}", lambda ids: {}),
    "listingHealth": Operation("{ listingHealth { __typename } }", lambda ids: {}),
    "directoryChangeLog": Operation(
        f"{{ directoryChangeLog{_SPAN} {{ __typename }} }}", lambda ids: {}
    ),
    "webhookSubscriptions": Operation(
        "query($o: ID!) { webhookSubscriptions(organizationId: $o) { id url } }",
        lambda ids: {"o": ids["Organization:north"]},
    ),
    "webhookDeliveries": Operation(
        "query($s: ID!) { webhookDeliveries(subscriptionId: $s) { id } }",
        lambda ids: {"s": ids["WebhookSubscription:north"]},
    ),
}


_UNION_CODES = {
    "Unauthenticated": "UNAUTHENTICATED",
    "Forbidden": "FORBIDDEN",
    "NotFound": "NOT_FOUND",
    "ValidationFailed": "VALIDATION_FAILED",
    "Conflict": "CONFLICT",
}


def outcome(body: dict[str, Any], field: str) -> str:
    """Name what happened: `ok`, an error code, `hidden` (null or empty) or `redacted`."""
    errors = body.get("errors") or []
    if errors:
        return str(errors[0].get("extensions", {}).get("code", "ERROR"))
    value = (body.get("data") or {}).get(field)
    if isinstance(value, dict) and "__typename" in value and len(value) == 1:
        return _UNION_CODES.get(str(value["__typename"]), "ok")
    if value is None or value == [] or value == {"edges": []}:
        return "hidden"
    text = str(value)
    return "ok" if "Okafor" in text or "client" not in text else "redacted"
