"""Index settings and mapping: English analysis with need synonyms, keyword facets, geo_point."""

from __future__ import annotations

from typing import Any

# Words coaches and clients use for the same need (applied at search time only).
NEED_SYNONYMS = (
    "childcare, child care, daycare, day care, babysitting",
    "transportation, transit, bus, rides, ride",
    "food, groceries, meals, pantry",
    "housing, shelter, rent, apartment",
    "employment, jobs, job, work, career",
    "training, classes, course, certificate, apprenticeship",
    "ged, hse, high school equivalency",
    "esl, english classes, english as a second language",
    "legal, lawyer, attorney, legal aid",
    "mental health, counseling, therapy",
    "utilities, electricity, gas bill, water bill",
    "clothing, clothes, uniforms, work boots",
)

_TEXT = {"type": "text", "analyzer": "hub_english", "search_analyzer": "hub_english_search"}
_TEXT_WITH_KEYWORD = {**_TEXT, "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}

SETTINGS: dict[str, Any] = {
    "analysis": {
        "filter": {
            "hub_stop": {"type": "stop", "stopwords": "_english_"},
            "hub_stemmer": {"type": "stemmer", "language": "english"},
            "hub_possessive": {"type": "stemmer", "language": "possessive_english"},
            "hub_need_synonyms": {"type": "synonym_graph", "synonyms": list(NEED_SYNONYMS)},
        },
        "analyzer": {
            "hub_english": {
                "tokenizer": "standard",
                "filter": [
                    "hub_possessive",
                    "lowercase",
                    "asciifolding",
                    "hub_stop",
                    "hub_stemmer",
                ],
            },
            "hub_english_search": {
                "tokenizer": "standard",
                "filter": [
                    "hub_possessive",
                    "lowercase",
                    "asciifolding",
                    "hub_need_synonyms",
                    "hub_stop",
                    "hub_stemmer",
                ],
            },
        },
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "version": {"type": "long"},
        "service_id": {"type": "keyword"},
        "location_id": {"type": "keyword"},
        "service_at_location_id": {"type": "keyword"},
        "organization_id": {"type": "keyword"},
        "program_id": {"type": "keyword"},
        "service_name": _TEXT_WITH_KEYWORD,
        "organization_name": _TEXT_WITH_KEYWORD,
        "program_name": _TEXT,
        "need_labels": _TEXT,
        "description": _TEXT,
        "need_codes": {"type": "keyword"},
        "needs": {"type": "object", "enabled": False},
        "languages": {"type": "keyword"},
        "free": {"type": "boolean"},
        "min_cost": {"type": "float"},
        "min_age": {"type": "integer"},
        "max_age": {"type": "integer"},
        "delivery_mode": {"type": "keyword"},
        "accepts_referrals": {"type": "boolean"},
        "capacity_status": {"type": "keyword"},
        "open_evenings": {"type": "boolean"},
        "open_spans": {"type": "integer_range"},
        "timezone_name": {"type": "keyword"},
        "credential": _TEXT,
        "occupation_code": {"type": "keyword"},
        "schedule_fit": {"type": "keyword"},
        "aid_accepted": {"type": "keyword"},
        "earn_and_learn": {"type": "boolean"},
        "total_cost": {"type": "float"},
        "verified_at": {"type": "date"},
        "location": {"type": "geo_point"},
        "postal_code": {"type": "keyword"},
        "areas": {"type": "keyword"},
    },
}
