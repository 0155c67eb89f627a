"""Our HSDS profile (what we add to HSDS 3.0) and the OpenAPI document of the facade."""

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
        "schema": {"type": "number", "exclusiveMinimum": 0},
    },
}
_COMMON = ["search", "page", "per_page", "format"]
_SERVICE_FILTERS = ["taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full"]


def _param(name: str, type_: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": type_},
    }


def _list(item_schema: str, params: list[str], summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [{"$ref": "#/components/schemas/Page"}],
                                "properties": {
                                    "contents": {"type": "array", "items": {"$ref": item_schema}}
                                },
                            }
                        }
                    },
                }
            },
        }
    }


def _item(schema: str, summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {"application/json": {"schema": {"$ref": schema}}},
                },
                "404": {"description": "Not found, or not public."},
            },
        }
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    """HSDS 3.0 API paths merged with our profile's fields and parameters."""
    compiled = f"{HSDS_SCHEMA_BASE}/compiled"
    service = {
        "allOf": [
            {"$ref": f"{compiled}/service.json"},
            {"$ref": "#/components/schemas/ServiceProfile"},
        ]
    }
    params = {
        "search": _param("search", "string", "Full text search."),
        "page": _param("page", "integer", "Page number, from 1."),
        "per_page": _param("per_page", "integer", "Results per page (at most 100)."),
        "format": _param("format", "string", "json (default) or ndjson: every record, streamed."),
        "taxonomy_term_id": _param(
            "taxonomy_term_id", "string", "Services with this term or one of its descendants."
        ),
        "taxonomy_id": _param("taxonomy_id", "string", "Services with any term of a taxonomy."),
        "organization_id": _param("organization_id", "string", "Services of an organization."),
        "modified_after": _param("modified_after", "string", "Changed on or after (ISO 8601)."),
        "minimal": _param("minimal", "boolean", "Only id, name, status and last_modified."),
        "full": _param("full", "boolean", "Fully nested objects."),
        "postcode": _param(
            "postcode", "string", "Places with this postcode, or its centroid with proximity."
        ),
        "proximity": _param("proximity", "number", "Metres around the postcode centroid."),
        "taxonomy_id_terms": _param("taxonomy_id", "string", "Terms of a taxonomy."),
        "parent_id": _param("parent_id", "string", "Children of a term."),
        "top_only": _param("top_only", "boolean", "Only terms without a parent."),
        **GEO_PARAMETERS,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Referral hub HSDS API",
            "version": "3.0",
            "summary": "Open Referral HSDS 3.0 read API of the referral hub directory.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/": {
                "get": {
                    "summary": "API version, profile and OpenAPI location.",
                    "responses": {"200": {"description": "About this API."}},
                }
            },
            "/services": _list(
                f"{compiled}/service_list.json",
                [*_COMMON, *_SERVICE_FILTERS, "minimal"],
                "Active services.",
            ),
            "/services/{id}": _item("#/components/schemas/Service", "One active service."),
            "/service_at_locations": _list(
                f"{compiled}/service_at_location_list.json",
                [*_COMMON, *_SERVICE_FILTERS, "postcode", "proximity", "lat", "lng", "radius_km"],
                "Services at locations, nearest first when a point is given.",
            ),
            "/service_at_locations/{id}": _item(
                f"{compiled}/service_at_location.json", "One service at a location."
            ),
            "/organizations": _list(
                f"{compiled}/organization_list.json", [*_COMMON, "full"], "Organizations."
            ),
            "/organizations/{id}": _item(f"{compiled}/organization.json", "One organization."),
            "/taxonomies": _list(f"{HSDS_SCHEMA_BASE}/taxonomy.json", _COMMON, "Taxonomies."),
            "/taxonomies/{id}": _item(f"{HSDS_SCHEMA_BASE}/taxonomy.json", "One taxonomy."),
            "/taxonomy_terms": _list(
                f"{HSDS_SCHEMA_BASE}/taxonomy_term.json",
                [*_COMMON, "taxonomy_id_terms", "parent_id", "top_only"],
                "Taxonomy terms.",
            ),
            "/taxonomy_terms/{id}": _item(
                f"{HSDS_SCHEMA_BASE}/taxonomy_term.json", "One taxonomy term."
            ),
        },
        "components": {
            "parameters": params,
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "total_items": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                        "page_number": {"type": "integer"},
                        "size": {"type": "integer"},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                    },
                },
                "ServiceProfile": SERVICE_EXTENSION,
                "Service": service,
            },
        },
    }
