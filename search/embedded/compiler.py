"""Compiles a SearchRequest into SQLite FTS5 / R*Tree SQL (pure: no connection, no clock)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from search.document import TEXT_FIELDS
from search.embedded.filters import Clauses, filter_clauses
from search.geo import bounding_box
from search.models import SearchRequest, SortOrder

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Distance (km) at which the distance factor of the relevance score halves.
DISTANCE_SCALE_KM = 10.0
STALE_FACTOR = 0.7
AREA_ONLY_FACTOR = 0.5
CAPACITY_FACTORS = {
    "capacity": 1.0,
    "additional-assessment-required": 0.85,
    "waitlist": 0.75,
    "no-capacity": 0.5,
}
UNKNOWN_CAPACITY_FACTOR = 0.9
NO_DISTANCE = 1e12
FACET_LIMITS = {"needs": 60, "languages": 40, "organizations": 25, "delivery_modes": 10}

# CROSS JOIN fixes the order: SQLite has no statistics for temp.hit and would otherwise scan
# the side tables whole and probe the (usually small) match set.
FACET_SQL = {
    "needs": "SELECT n.code, n.code, count(*) FROM temp.hit h"
    " CROSS JOIN doc_need n ON n.doc = h.rowid"
    " GROUP BY n.code ORDER BY 3 DESC, 1 LIMIT {limit}",
    "languages": "SELECT l.code, l.code, count(*) FROM temp.hit h"
    " CROSS JOIN doc_language l ON l.doc = h.rowid"
    " GROUP BY l.code ORDER BY 3 DESC, 1 LIMIT {limit}",
    "organizations": "SELECT d.organization_id, max(d.organization_name), count(*)"
    " FROM temp.hit h CROSS JOIN doc d ON d.rowid = h.rowid GROUP BY d.organization_id"
    " ORDER BY 3 DESC, 2 LIMIT {limit}",
    "delivery_modes": "SELECT d.delivery_mode, d.delivery_mode, count(*) FROM temp.hit h"
    " CROSS JOIN doc d ON d.rowid = h.rowid"
    " GROUP BY d.delivery_mode ORDER BY 3 DESC, 1 LIMIT {limit}",
}


@dataclass(frozen=True, slots=True)
class CompiledSearch:
    """The statements of one search: fill temp.hit, read a page, count facets, highlight."""

    match_sql: str
    params: dict[str, Any]
    page_sql: str
    page_params: dict[str, Any]
    facet_sql: dict[str, str] = field(default_factory=dict)
    match_expression: str | None = None


def match_expression(text: str) -> str | None:
    """An FTS5 query: every word must match, each as a prefix ("child care" -> childcare too)."""
    tokens = _TOKEN.findall(text.lower())
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens[:12])


def _capacity_case() -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CAPACITY_FACTORS.items())
    return f"(CASE capacity_status {whens} ELSE {UNKNOWN_CAPACITY_FACTOR} END)"


def _candidates(clauses: Clauses, request: SearchRequest) -> str | None:
    """The CTE of documents in the radius's box or serving the place's area (None: no radius)."""
    point = request.point
    if point is None or request.radius_km is None:
        return None
    south, north, west, east = bounding_box(point.latitude, point.longitude, request.radius_km)
    box = (
        f"SELECT id FROM doc_geo WHERE min_lat >= {clauses.param('s', south)}"
        f" AND max_lat <= {clauses.param('n', north)} AND min_lon >= {clauses.param('w', west)}"
        f" AND max_lon <= {clauses.param('e', east)}"
    )
    keys = request.place.area_keys() if request.place else ("nation",)
    area = f"SELECT doc FROM doc_area WHERE key IN {clauses.any_of('area', keys)}"
    return f"cand(rowid) AS MATERIALIZED ({box} UNION {area})"


def _distance(clauses: Clauses, request: SearchRequest) -> str:
    if request.point is None:
        return "NULL"
    lat = clauses.param("lat", request.point.latitude)
    lon = clauses.param("lon", request.point.longitude)
    return f"CASE WHEN d.lat IS NULL THEN NULL ELSE geo_km(d.lat, d.lon, {lat}, {lon}) END"


def _score(clauses: Clauses, request: SearchRequest) -> str:
    distance_factor = "1.0"
    if request.point is not None:
        distance_factor = (
            f"(CASE WHEN dist IS NULL THEN {AREA_ONLY_FACTOR}"
            f" ELSE 1.0 / (1.0 + dist / {DISTANCE_SCALE_KM}) END)"
        )
    fresh = "1.0"
    if request.stale_before is not None:
        cutoff = clauses.param("stale", request.stale_before.timestamp())
        fresh = f"(CASE WHEN verified_at >= {cutoff} THEN 1.0 ELSE {STALE_FACTOR} END)"
    return f"txt * {distance_factor} * {fresh} * {_capacity_case()}"


def compile_search(request: SearchRequest, *, timezones: Sequence[str] = ()) -> CompiledSearch:
    """Compile the match (all hits into temp.hit), page and facet statements of a request.

    The most selective part drives: the places in the radius (R*Tree box plus served areas),
    else the words (FTS5), else the first need or language set; the rest are probes.
    """
    clauses = Clauses()
    expression = match_expression(request.text)
    weights = ", ".join(str(w) for w in TEXT_FIELDS.values())
    ctes = []
    candidates = _candidates(clauses, request)
    text_score = "1.0"
    if candidates is not None:
        ctes.append(candidates)
        source = "cand c CROSS JOIN doc d ON d.rowid = c.rowid"
        if expression is not None:
            match = clauses.param("q", expression)
            ctes.append(
                f"ft(rowid, txt) AS MATERIALIZED (SELECT rowid, -bm25(doc_fts, {weights})"
                f" FROM doc_fts WHERE doc_fts MATCH {match})"
            )
            source += " JOIN ft f ON f.rowid = d.rowid"
            text_score = "f.txt"
    elif expression is not None:
        source = "doc_fts f CROSS JOIN doc d ON d.rowid = f.rowid"
        clauses.add(f"doc_fts MATCH {clauses.param('q', expression)}")
        text_score = f"-bm25(doc_fts, {weights})"
    else:
        source = "doc d"
    distance = _distance(clauses, request)
    driven = candidates is not None or expression is not None
    filter_clauses(clauses, request, timezones, driven=driven)

    inner = (
        f"SELECT d.rowid AS rowid, d.id AS id, {distance} AS dist, {text_score} AS txt,"
        f" d.verified_at AS verified_at, d.capacity_status AS capacity_status"
        f" FROM {source} WHERE {clauses.where()}"
    )
    scored = f"SELECT rowid, id, {_score(clauses, request)} AS score, dist FROM ({inner})"
    if candidates is not None:
        scored += f" WHERE dist IS NULL OR dist <= {clauses.param('radius', request.radius_km)}"
    sort = "-score" if request.sort is SortOrder.RELEVANCE else f"coalesce(dist, {NO_DISTANCE})"
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    match_sql = (
        f"{with_clause}INSERT INTO temp.hit (rowid, id, score, dist, sort)"
        f" SELECT rowid, id, score, dist, {sort} FROM ({scored})"
    )

    page_params: dict[str, Any] = {"limit": request.first + 1}
    after = ""
    if request.after is not None:
        page_params.update(after_sort=request.after.sort_value, after_id=request.after.document_id)
        after = "WHERE h.sort > :after_sort OR (h.sort = :after_sort AND h.id > :after_id)"
    page_sql = (
        "SELECT h.rowid, h.id, h.score, h.dist, h.sort, b.body FROM temp.hit h"
        f" JOIN doc_body b ON b.rowid = h.rowid {after} ORDER BY h.sort, h.id LIMIT :limit"
    )
    facets = (
        {name: sql.format(limit=FACET_LIMITS[name]) for name, sql in FACET_SQL.items()}
        if request.facets
        else {}
    )
    return CompiledSearch(match_sql, clauses.params, page_sql, page_params, facets, expression)


HIGHLIGHT_SQL = (
    "SELECT rowid, highlight(doc_fts, 0, '<mark>', '</mark>'),"
    " highlight(doc_fts, 1, '<mark>', '</mark>'),"
    " highlight(doc_fts, 3, '<mark>', '</mark>'),"
    " snippet(doc_fts, 4, '<mark>', '</mark>', '…', 16)"
    " FROM doc_fts WHERE doc_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:rowids))"
)
HIGHLIGHT_FIELDS = ("service_name", "organization_name", "need_labels", "description")
