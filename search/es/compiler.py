"""Compiles a SearchRequest into Elasticsearch query DSL (pure: a dict, no client)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from search.document import TEXT_FIELDS
from search.embedded.compiler import (
    AREA_ONLY_FACTOR,
    CAPACITY_FACTORS,
    DISTANCE_SCALE_KM,
    STALE_FACTOR,
    UNKNOWN_CAPACITY_FACTOR,
)
from search.models import FACET_LIMITS, SearchRequest, SortOrder
from search.schedules import minute_of_week

Query = dict[str, Any]
SOURCE_FIELDS = (
    "id",
    "service_id",
    "location_id",
    "organization_id",
    "service_name",
    "organization_name",
    "needs",
    "location",
)
HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "fields": {
        "service_name": {"number_of_fragments": 0},
        "organization_name": {"number_of_fragments": 0},
        "need_labels": {"number_of_fragments": 0},
        "description": {"fragment_size": 120, "number_of_fragments": 1},
    },
}


def _point(request: SearchRequest) -> dict[str, float]:
    assert request.point is not None
    return {"lat": request.point.latitude, "lon": request.point.longitude}


def _open_now(request: SearchRequest, timezones: Sequence[str]) -> Query:
    assert request.now is not None
    should = []
    for tz in timezones:
        minute = minute_of_week(request.now, tz)
        if minute is not None:
            checks = [{"term": {"timezone_name": tz}}, {"term": {"open_spans": minute}}]
            should.append({"bool": {"filter": checks}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _program_filters(request: SearchRequest) -> list[Query]:
    program = request.program
    if program is None:
        return []
    found: list[Query] = []
    if program.credential:
        found.append({"match": {"credential": {"query": program.credential, "operator": "and"}}})
    if program.occupation_code:
        found.append({"prefix": {"occupation_code": program.occupation_code}})
    if program.schedule_fit:
        found.append({"terms": {"schedule_fit": list(program.schedule_fit)}})
    if program.aid_accepted:
        found.append({"terms": {"aid_accepted": list(program.aid_accepted)}})
    if program.earn_and_learn is not None:
        found.append({"term": {"earn_and_learn": program.earn_and_learn}})
    if program.max_total_cost is not None:
        found.append({"range": {"total_cost": {"lte": program.max_total_cost}}})
    return found


def filters(request: SearchRequest, timezones: Sequence[str] = ()) -> list[Query]:
    """Filter clauses (no scoring) of every request filter, geo included."""
    found: list[Query] = []
    if request.needs:
        found.append({"terms": {"need_codes": list(request.needs)}})
    if request.languages:
        found.append({"terms": {"languages": list(request.languages)}})
    if request.free:
        found.append({"term": {"free": True}})
    if request.max_cost is not None:
        found.append({"range": {"min_cost": {"lte": request.max_cost}}})
    if request.age is not None:
        for field, bound in (("min_age", "lte"), ("max_age", "gte")):
            missing = {"bool": {"must_not": {"exists": {"field": field}}}}
            within = {"range": {field: {bound: request.age}}}
            found.append({"bool": {"should": [missing, within], "minimum_should_match": 1}})
    if request.delivery_modes:
        found.append({"terms": {"delivery_mode": list(request.delivery_modes)}})
    if request.accepting_referrals:
        found.append({"term": {"accepts_referrals": True}})
    if request.capacity:
        found.append({"terms": {"capacity_status": list(request.capacity)}})
    if request.open_evenings:
        found.append({"term": {"open_evenings": True}})
    if request.open_now:
        found.append(_open_now(request, timezones))
    found.extend(_program_filters(request))
    if request.point is not None and request.radius_km is not None:
        keys = list(request.place.area_keys() if request.place else ("nation",))
        near = {"geo_distance": {"distance": f"{request.radius_km}km", "location": _point(request)}}
        area = {"terms": {"areas": keys}}
        found.append({"bool": {"should": [near, area], "minimum_should_match": 1}})
    return found


def _functions(request: SearchRequest) -> list[Query]:
    functions: list[Query] = []
    if request.point is not None:
        # 1 / (1 + d / scale) halves at `scale`; a gauss decay of 0.5 at the same scale is close.
        decay = {"origin": _point(request), "scale": f"{DISTANCE_SCALE_KM}km", "decay": 0.5}
        functions.append(
            {"filter": {"exists": {"field": "location"}}, "gauss": {"location": decay}}
        )
        no_point = {"bool": {"must_not": {"exists": {"field": "location"}}}}
        functions.append({"filter": no_point, "weight": AREA_ONLY_FACTOR})
    if request.stale_before is not None:
        fresh = {"range": {"verified_at": {"gte": request.stale_before.isoformat()}}}
        functions.append({"filter": {"bool": {"must_not": fresh}}, "weight": STALE_FACTOR})
    for status, factor in CAPACITY_FACTORS.items():
        if factor != 1.0:
            functions.append({"filter": {"term": {"capacity_status": status}}, "weight": factor})
    unknown = {"bool": {"must_not": {"exists": {"field": "capacity_status"}}}}
    functions.append({"filter": unknown, "weight": UNKNOWN_CAPACITY_FACTOR})
    return functions


def _aggregations() -> Query:
    organization_label = {"label": {"terms": {"field": "organization_name.keyword", "size": 1}}}
    return {
        "needs": {"terms": {"field": "need_codes", "size": FACET_LIMITS["needs"]}},
        "languages": {"terms": {"field": "languages", "size": FACET_LIMITS["languages"]}},
        "organizations": {
            "terms": {"field": "organization_id", "size": FACET_LIMITS["organizations"]},
            "aggs": organization_label,
        },
        "delivery_modes": {
            "terms": {"field": "delivery_mode", "size": FACET_LIMITS["delivery_modes"]}
        },
    }


def _sort_value(value: float) -> float | str:
    # A document without a point sorts at distance Infinity, which Elasticsearch returns as the
    # string "Infinity"; its JSON parser refuses a bare Infinity token, so send it back as text.
    if math.isfinite(value):
        return value
    return "Infinity" if value > 0 else "-Infinity"


def compile_search(request: SearchRequest, *, timezones: Sequence[str] = ()) -> Query:
    """The body of one `_search` call."""
    must: list[Query] = [{"match_all": {}}]
    text = request.text.strip()
    if text:
        fields = [f"{name}^{weight:g}" for name, weight in TEXT_FIELDS.items()]
        must = [
            {
                "multi_match": {
                    "query": text,
                    "type": "bool_prefix",
                    "fields": fields,
                    "operator": "and",
                }
            }
        ]
    scored: Query = {
        "function_score": {
            "query": {"bool": {"must": must, "filter": filters(request, timezones)}},
            "functions": _functions(request),
            "score_mode": "multiply",
            "boost_mode": "multiply",
        }
    }
    if request.sort is SortOrder.DISTANCE:
        distance = {
            "location": _point(request),
            "order": "asc",
            "unit": "km",
            "ignore_unmapped": True,
        }
        sort: list[Any] = [{"_geo_distance": distance}, {"id": "asc"}]
    else:
        sort = [{"_score": "desc"}, {"id": "asc"}]
    body: Query = {
        "query": scored,
        "sort": sort,
        "size": request.first + 1,
        "track_total_hits": True,
        "_source": list(SOURCE_FIELDS),
    }
    if request.after is not None:
        body["search_after"] = [_sort_value(request.after.sort_value), request.after.document_id]
    if request.facets:
        body["aggs"] = _aggregations()
    if text:
        body["highlight"] = HIGHLIGHT
    return body
