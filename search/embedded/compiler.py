"""Compiles a SearchRequest into SQLite FTS5 / R*Tree SQL (pure: no connection, no clock)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from search.embedded.filters import Clauses, filter_clauses
from search.embedded.textscore import RELEVANCE_SQL, ROW_COLUMNS, SNIPPET_SQL
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

# The total and every facet in one pass over the match set: the facet codes of all matches,
# concatenated (counted by `facets.count`). CAST keeps the bytes a blob.
TOTAL_SQL = "SELECT count(*), CAST(group_concat(facets, '') AS BLOB) FROM temp.hit"
TOTAL_ONLY_SQL = "SELECT count(*), NULL FROM temp.hit"
# What every match row carries from doc besides its score inputs.
_ROW = "d.rowid AS rowid, d.id AS id, d.verified_at AS verified_at,"
_ROW += " d.capacity_status AS capacity_status, d.facets AS facets"
_INSERT = "INSERT INTO temp.hit (rowid, id, score, dist, facets, marks)"
# The highlighted text fields of a matching row (HIGHLIGHT_FIELDS, in order) as a JSON array.
MARKS_SQL = (
    "json_array(highlight(doc_fts, 0, '<mark>', '</mark>'),"
    " highlight(doc_fts, 1, '<mark>', '</mark>'),"
    f" highlight(doc_fts, 3, '<mark>', '</mark>'), {SNIPPET_SQL})"
)


@dataclass(frozen=True, slots=True)
class CompiledSearch:
    """The statements of one search: fill temp.hit, read a page, total and facets, highlight."""

    match_sql: str
    params: dict[str, Any]
    page_sql: str
    page_params: dict[str, Any]
    total_sql: str = TOTAL_ONLY_SQL
    match_expression: str | None = None
    # For words within a radius: candidates_sql fills temp.cand (run first; its row count is
    # the planner's estimate); the planner's other way (`textscore.py`) reads the candidates'
    # matching rows with their highlights (text_rows_sql), scores them in Python into
    # temp.scored, and scored_sql reads that instead of asking FTS5 for bm25.
    candidates_sql: str | None = None
    scored_sql: str | None = None
    text_rows_sql: str | None = None
    # For words or needs within a radius: the same search driven by the words' matches (else
    # the needs' rows) instead of the radius's places, which the planner takes when they are
    # fewer than the documents in the radius's box (a wide radius, a rare word or need).
    set_sql: str | None = None
    # How many of the radius's box's documents there are, up to :cap (the planner's estimate).
    box_count_sql: str | None = None


def match_expression(text: str) -> str | None:
    """An FTS5 query: every word must match, each as a prefix ("child care" -> childcare too)."""
    tokens = _TOKEN.findall(text.lower())
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens[:12])


def _capacity_case() -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CAPACITY_FACTORS.items())
    return f"(CASE capacity_status {whens} ELSE {UNKNOWN_CAPACITY_FACTOR} END)"


@dataclass(frozen=True, slots=True)
class _Place:
    """A radius's bounding box and the place's served areas, as SQL (parameters bound once)."""

    box: str  # the documents in the box, by the R*Tree
    in_box: str  # a condition on doc's own point
    areas: str  # the place's area keys, a parenthesised list for IN


def _place(clauses: Clauses, request: SearchRequest) -> _Place | None:
    """The radius's box and the place's areas (None: no radius)."""
    point = request.point
    if point is None or request.radius_km is None:
        return None
    south, north, west, east = bounding_box(point.latitude, point.longitude, request.radius_km)
    s, n = clauses.param("s", south), clauses.param("n", north)
    w, e = clauses.param("w", west), clauses.param("e", east)
    keys = request.place.area_keys() if request.place else ("nation",)
    return _Place(
        box=(
            f"SELECT id FROM doc_geo WHERE min_lat >= {s} AND max_lat <= {n}"
            f" AND min_lon >= {w} AND max_lon <= {e}"
        ),
        in_box=f"d.lat >= {s} AND d.lat <= {n} AND d.lon >= {w} AND d.lon <= {e}",
        areas=clauses.any_of("area", keys),
    )


def _candidates(place: _Place) -> str:
    """The documents in the radius's box or serving the place's areas."""
    return f"{place.box} UNION SELECT doc FROM doc_area WHERE key IN {place.areas}"


def _distance(clauses: Clauses, request: SearchRequest) -> str:
    if request.point is None:
        return "NULL"
    lat = clauses.param("lat", request.point.latitude)
    lon = clauses.param("lon", request.point.longitude)
    return f"CASE WHEN d.lat IS NULL THEN NULL ELSE geo_km(d.lat, d.lon, {lat}, {lon}) END"


def _score(clauses: Clauses, request: SearchRequest, text: str = "txt") -> str:
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
    return f"{text} * {distance_factor} * {fresh} * {_capacity_case()}"


def _page(request: SearchRequest) -> tuple[str, dict[str, Any]]:
    # Sort and cut the narrow match rows first; only the page's rows fetch their bodies.
    sort = "-h.score" if request.sort is SortOrder.RELEVANCE else f"coalesce(h.dist, {NO_DISTANCE})"
    params: dict[str, Any] = {"limit": request.first + 1}
    after = ""
    if request.after is not None:
        params.update(after_sort=request.after.sort_value, after_id=request.after.document_id)
        after = f"WHERE {sort} > :after_sort OR ({sort} = :after_sort AND h.id > :after_id)"
    sql = (
        "SELECT p.rowid, p.id, p.score, p.dist, p.sort, b.body, p.marks FROM"
        f" (SELECT h.rowid, h.id, h.score, h.dist, {sort} AS sort, h.marks FROM temp.hit h"
        f" {after} ORDER BY 5, 2 LIMIT :limit) p CROSS JOIN doc_body b ON b.rowid = p.rowid"
        " ORDER BY 5, 2"
    )
    return sql, params


def _insert_within(ctes: str, score: str, radius: str) -> str:
    """Insert the rows of the `m` CTE (the last of `ctes`) within the radius (or, without a
    point, serving the place's areas)."""
    return (
        f"WITH {ctes} {_INSERT} SELECT rowid, id, {score}, dist, facets, marks"
        " FROM (SELECT m.rowid AS rowid, m.id AS id, m.txt AS txt, m.dist AS dist,"
        " m.verified_at AS verified_at, m.capacity_status AS capacity_status,"
        f" m.facets AS facets, m.marks AS marks FROM m WHERE m.dist IS NULL OR m.dist <= {radius})"
    )


def _driven_by_set(
    clauses: Clauses,
    request: SearchRequest,
    place: _Place,
    timezones: Sequence[str],
    language_bits: Mapping[str, int] | None,
    distance: str,
    expression: str | None,
) -> str:
    """The `m` CTE of a search within a radius driven by its words' matches (FTS5, bm25) or,
    without words, its needs' rows, instead of the radius's places: the documents the radius
    path takes from the R*Tree box are here those whose point lies in the same box, and those
    without a point, the served areas' as there. (The R*Tree keeps 32-bit bounds rounded
    outwards, so on the box's very edge, centimetres from the circle's four extreme points,
    the two could differ; the radius filter after it is the same exact distance.)"""
    own = Clauses()
    own.params = clauses.params  # one parameter namespace: the statements share `params`
    # The set drives as in a search without a place (needs: their rows, languages by mask).
    placeless = replace(request, point=None, radius_km=None)
    text_score, key = "1.0", None
    if expression is not None:
        own.source = "doc_fts f CROSS JOIN doc d ON d.rowid = f.rowid"
        own.add(f"doc_fts MATCH {own.param('q', expression)}")
        text_score, key = RELEVANCE_SQL, "f.rowid"
    filter_clauses(own, placeless, timezones, key=key, language_bits=language_bits)
    served = f"EXISTS (SELECT 1 FROM doc_area a WHERE a.key IN {place.areas} AND a.doc = d.rowid)"
    own.add(f"(({place.in_box}) OR (d.lat IS NULL AND {served}))")
    return (
        f"m AS MATERIALIZED (SELECT {_ROW}, {distance} AS dist, {text_score} AS txt,"
        f" NULL AS marks FROM {own.source} WHERE {own.where()})"
    )


def compile_search(
    request: SearchRequest,
    *,
    timezones: Sequence[str] = (),
    language_bits: Mapping[str, int] | None = None,
) -> CompiledSearch:
    """Compile the match (all hits into temp.hit), page and facet statements of a request.

    The most selective part drives: the places in the radius (R*Tree box plus served areas),
    else the words (FTS5), else the need or language sets; the rest are probes, made on the
    driving rowid before the wide doc row is read. `language_bits` (the index's language mask
    bits) lets a need-driven search filter languages on the need rows themselves.
    """
    clauses = Clauses()
    expression = match_expression(request.text)
    scored_sql = text_rows_sql = candidates_sql = set_sql = box_count_sql = None
    place = _place(clauses, request)
    key: str | None
    if place is not None:
        candidates = _candidates(place)
        ctes = [f"cand(rowid) AS MATERIALIZED ({candidates})"]
        source, key, text_score = "cand c", "c.rowid", "1.0"
        marks = "NULL"
        text_ctes: tuple[str, str] | None = None
        if expression is not None:
            # The candidates go to temp.cand first (counted for the planner, read by each
            # statement after); then one pass over the words' matches, scoring (bm25) only those
            # among them, or (the planner's choice, see `textscore.py`) the rows scored before.
            candidates_sql = f"INSERT INTO temp.cand (rowid) {candidates}"
            ctes = []
            q = clauses.param("q", expression)
            text_rows_sql = (
                f"SELECT rowid, {ROW_COLUMNS} FROM doc_fts"
                f" WHERE doc_fts MATCH {q} AND +rowid IN (SELECT rowid FROM temp.cand)"
            )
            text_ctes = (
                f"ft(rowid, txt, marks) AS MATERIALIZED (SELECT rowid, {RELEVANCE_SQL},"
                f" NULL FROM doc_fts WHERE doc_fts MATCH {q}"
                " AND +rowid IN (SELECT rowid FROM temp.cand))",
                "ft(rowid, txt, marks) AS MATERIALIZED"
                " (SELECT rowid, score, marks FROM temp.scored)",
            )
            ctes.append("{ft}")
            source, key, text_score, marks = "ft f", "f.rowid", "f.txt", "f.marks"
        distance = _distance(clauses, request)
        set_first = None
        if expression is not None or request.needs:
            # Compiled before the filters: they add the probes the set's own rows make moot.
            set_first = _driven_by_set(
                clauses, request, place, timezones, language_bits, distance, expression
            )
        filter_clauses(clauses, request, timezones, key=key, language_bits=language_bits)
        score = _score(clauses, request)
        radius = clauses.param("radius", request.radius_km)
        # Materialized so the distance is computed once per row, not once per use.
        ctes.append(
            f"m AS MATERIALIZED (SELECT {_ROW}, {distance} AS dist, {text_score} AS txt,"
            f" {marks} AS marks"
            f" FROM {source} CROSS JOIN doc d ON d.rowid = {key} WHERE {clauses.where()})"
        )
        match_sql = _insert_within(", ".join(ctes), score, radius)
        if text_ctes is not None:
            scored_sql = match_sql.replace("{ft}", text_ctes[1])
            match_sql = match_sql.replace("{ft}", text_ctes[0])
        if set_first is not None:
            set_sql = _insert_within(set_first, score, radius)
            box_count_sql = f"SELECT count(*) FROM ({place.box} LIMIT :cap)"
    else:
        if expression is not None:
            source = "doc_fts f CROSS JOIN doc d ON d.rowid = f.rowid"
            clauses.add(f"doc_fts MATCH {clauses.param('q', expression)}")
            text_score = RELEVANCE_SQL
            key = "f.rowid"
        else:
            source = ""
            text_score = "1.0"
            key = None
        filter_clauses(clauses, request, timezones, key=key, language_bits=language_bits)
        # Flat (no subquery): the score reads doc's columns as the rows go by.
        score = _score(clauses, request, text_score)
        match_sql = (
            f"{_INSERT} SELECT d.rowid, d.id, {score}, NULL, d.facets, NULL"
            f" FROM {source or clauses.source} WHERE {clauses.where()}"
        )
    page_sql, page_params = _page(request)
    total_sql = TOTAL_SQL if request.facets else TOTAL_ONLY_SQL
    return CompiledSearch(
        match_sql,
        clauses.params,
        page_sql,
        page_params,
        total_sql,
        expression,
        candidates_sql,
        scored_sql,
        text_rows_sql,
        set_sql,
        box_count_sql,
    )


# One pass over the match with the page's rowids as a plain filter (the unary +): handing them
# to FTS5 as lookups would rebuild the prefix doclists once per rowid.
HIGHLIGHT_SQL = (
    f"SELECT rowid, {MARKS_SQL}"
    " FROM doc_fts WHERE doc_fts MATCH :q AND +rowid IN (SELECT value FROM json_each(:rowids))"
)
# The same by rowid lookups, for words whose prefixes FTS5 keeps lists of (see PREFIX_LENGTHS):
# then each lookup is a seek, where one pass would walk every match in the country.
HIGHLIGHT_LOOKUP_SQL = HIGHLIGHT_SQL.replace("+rowid", "rowid")
HIGHLIGHT_FIELDS = ("service_name", "organization_name", "need_labels", "description")
