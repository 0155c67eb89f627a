"""Our HSDS profile: what we add to HSDS 3.0 (service fields, geo parameters)."""

from __future__ import annotations

from typing import Any

HSDS_SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"
PROFILE_NAME = "referral-hub"


def profile_document(base_url: str) -> dict[str, Any]:
    """The profile: extra service fields and query parameters, each with a JSON Schema."""
    return {
        "name": PROFILE_NAME,
        "title": "Referral hub profile of HSDS 3.0",
        "hsds_version": "3.0",
        "openapi_url": f"{base_url}/openapi.json",
        "description": (
            "Adds intake, verification and training-program facts to HSDS services, and point "
            "plus radius filtering to service_at_locations. Every HSDS field keeps its meaning; "
            "private addresses, phones and coordinates of confidential places are never served."
        ),
        "schemas": {"service": SERVICE_EXTENSION},
        "parameters": {name: spec["schema"] for name, spec in GEO_PARAMETERS.items()},
    }


SERVICE_EXTENSION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "delivery_mode": {
            "type": "string",
            "enum": ["in_person", "online", "hybrid", "phone"],
            "description": "How the service is delivered.",
        },
        "accepts_referrals": {
            "type": "boolean",
            "description": "Whether the service takes electronic referrals.",
        },
        "capacity_status": {
            "type": "string",
            "enum": ["capacity", "waitlist", "no-capacity", "additional-assessment-required"],
            "description": "Intake capacity (Gravity SDOH codes).",
        },
        "last_verified_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the listing was last confirmed.",
        },
        "program_facts": {
            "type": "object",
            "description": "Training program facts (credential, occupation, cost, aid, outcomes).",
            "properties": {
                "credential": {"type": "string"},
                "occupation_code": {"type": "string", "description": "SOC / O*NET code"},
                "duration_weeks": {"type": "integer"},
                "schedule_fit": {"type": "string"},
                "tuition": {"type": "number"},
                "other_costs": {"type": "number"},
                "aid_accepted": {"type": "string"},
                "earn_and_learn": {"type": "boolean"},
                "completion_rate": {"type": "number"},
                "placement_rate": {"type": "number"},
                "median_wage_after": {"type": "number"},
            },
        },
    },
}
GEO_PARAMETERS: dict[str, dict[str, Any]] = {
    "lat": {
        "name": "lat",
        "in": "query",
        "required": False,
        "description": "Latitude of the point to search around (profile extension).",
        "schema": {"type": "number", "minimum": -90, "maximum": 90},
    },
    "lng": {
        "name": "lng",
        "in": "query",
        "required": False,
        "description": "Longitude of the point to search around (profile extension).",
        "schema": {"type": "number", "minimum": -180, "maximum": 180},
    },
    "radius_km": {
        "name": "radius_km",
        "in": "query",
        "required": False,
        "description": "Search radius in kilometres (default 25).",
        "schema": {"type": "number", "minimum": 0.001, "maximum": 1000},
    },
}
