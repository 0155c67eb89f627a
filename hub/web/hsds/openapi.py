"""The OpenAPI document of the facade: the HSDS 3.0 API paths with our profile and error bodies."""

from __future__ import annotations

from typing import Any

from hub.web.hsds.profile import GEO_PARAMETERS, HSDS_SCHEMA_BASE, SERVICE_EXTENSION

_COMMON = ["search", "page", "per_page", "format"]
_SERVICE_FILTERS = ["taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full"]
_ERRORS = {"$ref": "#/components/schemas/Errors"}
BAD_REQUEST = {
    "description": "A parameter is malformed, out of range or repeated; nothing was read.",
    "content": {"application/json": {"schema": _ERRORS}},
}
NOT_FOUND = {
    "description": "Not found, or not public.",
    "content": {"application/json": {"schema": _ERRORS}},
}
ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "field": {"type": "string", "description": "The parameter at fault."},
                    "code": {"type": "string", "description": "REQUIRED, INVALID, TOO_LONG ..."},
                    "message": {"type": "string"},
                },
            },
        }
    },
}


def _param(name: str, type_: str, description: str, **bounds: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": type_, **bounds},
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
                        },
                        # format=ndjson: every matching item, one JSON object per line.
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "400": BAD_REQUEST,
            },
        }
    }


def _item(schema: str, summary: str, params: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                *({"$ref": f"#/components/parameters/{p}"} for p in params),
            ],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {"application/json": {"schema": {"$ref": schema}}},
                },
                "400": BAD_REQUEST,
                "404": NOT_FOUND,
            },
        }
    }


ABOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "profile", "openapi_url"],
    "properties": {
        "version": {"type": "string"},
        "profile": {"type": "string", "format": "uri"},
        "openapi_url": {"type": "string", "format": "uri"},
    },
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
        "search": _param("search", "string", "Text in names and descriptions.", maxLength=200),
        "page": _param("page", "integer", "Page number, from 1.", minimum=1, maximum=1_000_000),
        "per_page": _param("per_page", "integer", "Results per page.", minimum=1, maximum=100),
        "format": _param(
            "format",
            "string",
            "json (default) or ndjson: every record, streamed.",
            enum=["json", "ndjson"],
        ),
        "taxonomy_term_id": _param(
            "taxonomy_term_id",
            "string",
            "Services with this term or one of its descendants.",
            maxLength=100,
        ),
        "taxonomy_id": _param(
            "taxonomy_id", "string", "Services with any term of a taxonomy.", maxLength=100
        ),
        "organization_id": _param(
            "organization_id", "string", "Services of an organization.", maxLength=100
        ),
        "modified_after": _param(
            "modified_after",
            "string",
            "last_modified on or after (ISO 8601).",
            format="date-time",
        ),
        "minimal": _param("minimal", "boolean", "Only id, name, status and last_modified."),
        "full": _param("full", "boolean", "Fully nested objects."),
        "full_service": _param(
            "full_service", "boolean", "Organizations with fully nested services."
        ),
        "postcode": _param(
            "postcode",
            "string",
            "Services whose service area covers the postcode (or, without service areas, at a "
            "public address there); with proximity, places around its centroid.",
            maxLength=20,
        ),
        "proximity": _param(
            "proximity",
            "number",
            "Metres around the postcode centroid.",
            minimum=1,
            maximum=1_000_000,
        ),
        "taxonomy_id_terms": _param("taxonomy_id", "string", "Terms of a taxonomy.", maxLength=100),
        "parent_id": _param("parent_id", "string", "Children of a term.", maxLength=100),
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
                    "responses": {
                        "200": {
                            "description": "About this API.",
                            "content": {"application/json": {"schema": ABOUT_SCHEMA}},
                        },
                        "400": BAD_REQUEST,
                    },
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
                f"{compiled}/organization_list.json",
                [*_COMMON, "full", "full_service"],
                "Organizations.",
            ),
            "/organizations/{id}": _item(
                f"{compiled}/organization.json", "One organization.", ("full_service",)
            ),
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
                "Errors": ERRORS_SCHEMA,
                "Service": service,
            },
        },
    }
