"""The PostgreSQL peer of the search bench: one search table, the same documents, the same work.

What a team would otherwise pick: PostgreSQL + PostGIS (else `cube`/`earthdistance`) with one
row per indexed document, a weighted `tsvector` (service name A; organization name and need
labels B; program name C; descriptions D; `english`) with GIN, the point as `geography` with
GiST, GIN on the need codes (with ancestors), languages and served-area arrays, the opening
spans as an `int4multirange` of local minutes of the week, and the hub's score formula (with
`ts_rank` for bm25). A search reads the page, the total, the four facets and `ts_headline` of
the page's rows in one statement. The rows are copied from the hub's own index file, so both
sides hold the very same documents; `--peer` in `search_bench.py` checks that totals agree.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from search.embedded.compiler import (
    AREA_ONLY_FACTOR,
    CAPACITY_FACTORS,
    DISTANCE_SCALE_KM,
    NO_DISTANCE,
    STALE_FACTOR,
    UNKNOWN_CAPACITY_FACTOR,
    match_expression,
)
from search.embedded.facets import Kind, decode
from search.models import SearchRequest, SortOrder
from search.schedules import minute_of_week

TABLE = "peer_search"
FACET_ORGANIZATIONS = 10


def _ddl(postgis: bool) -> list[str]:
    point = "geog geography(Point, 4326)" if postgis else "lat float8, lon float8"
    geo_index = (
        f"CREATE INDEX ON {TABLE} USING gist (geog)"
        if postgis
        else f"CREATE INDEX ON {TABLE} USING gist (ll_to_earth(lat, lon)) WHERE lat IS NOT NULL"
    )
    return [
        f"DROP TABLE IF EXISTS {TABLE}",
        f"""CREATE TABLE {TABLE} (
            id text PRIMARY KEY, service_name text NOT NULL, organization_id text NOT NULL,
            organization_name text NOT NULL, need_labels text NOT NULL, description text NOT NULL,
            tsv tsvector NOT NULL, {point}, needs text[] NOT NULL, languages text[] NOT NULL,
            areas text[] NOT NULL, spans int4multirange NOT NULL, timezone_name text,
            free boolean NOT NULL, min_cost float8, min_age int, max_age int,
            delivery_mode text NOT NULL, accepts_referrals boolean NOT NULL,
            open_evenings boolean NOT NULL, capacity_status text, verified_at float8)""",
        "__COPY__",
        f"CREATE INDEX ON {TABLE} USING gin (tsv)",
        geo_index,
        f"CREATE INDEX ON {TABLE} USING gin (needs)",
        f"CREATE INDEX ON {TABLE} USING gin (languages)",
        f"CREATE INDEX ON {TABLE} USING gin (areas)",
        f"ANALYZE {TABLE}",
    ]


def _rows(index: sqlite3.Connection) -> Any:
    """The hub index's documents as the peer's rows (text, arrays, spans)."""
    terms = {no: value for no, value in index.execute("SELECT no, value FROM term")}
    orgs = {no: name for no, name in index.execute("SELECT no, name FROM org")}
    side: dict[str, dict[int, list[Any]]] = {"area": {}, "open": {}}
    for key, doc in index.execute("SELECT key, doc FROM doc_area"):
        side["area"].setdefault(doc, []).append(key)
    for doc, start, end in index.execute('SELECT doc, start, "end" FROM doc_open'):
        side["open"].setdefault(doc, []).append(f"[{start},{end})")
    sql = (
        "SELECT d.rowid, d.id, d.facets, d.lat, d.lon, d.timezone_name, d.free, d.min_cost,"
        " d.min_age, d.max_age, d.delivery_mode, d.accepts_referrals, d.open_evenings,"
        " d.capacity_status, d.verified_at, d.organization_id, f.service_name,"
        " f.organization_name, f.program_name, f.need_labels, f.description"
        " FROM doc d JOIN doc_fts f ON f.rowid = d.rowid"
    )
    for r in index.execute(sql):
        codes = decode(r[2])
        needs = [terms[n] for k, n in codes if k is Kind.NEED]
        languages = [terms[n] for k, n in codes if k is Kind.LANGUAGE]
        org = next(orgs[n] for k, n in codes if k is Kind.ORGANIZATION)
        spans = "{" + ",".join(side["open"].get(r[0], [])) + "}"
        yield (
            r[1], r[16], r[15], org, r[19], r[20], r[16], r[17], r[19], r[18], r[20],
            r[3], r[4], needs, languages, side["area"].get(r[0], []), spans, r[5],
            bool(r[6]), r[7], r[8], r[9], r[10], bool(r[11]), bool(r[12]), r[13], r[14],
        )  # fmt: skip


def build(url: str, index: sqlite3.Connection) -> tuple[int, float, float, bool]:
    """Create and fill the peer table from the index file: (rows, seconds, server MB, postgis)."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        try:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            postgis = True
        except psycopg.Error:
            connection.execute("CREATE EXTENSION IF NOT EXISTS cube")
            connection.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
            postgis = False
        for statement in _ddl(postgis):
            if statement != "__COPY__":
                connection.execute(statement)
                continue
            # Staged as plain values, then one INSERT builds the tsvector and the points.
            connection.execute(
                "CREATE TEMP TABLE stage (id text, service_name text, organization_id text,"
                " organization_name text, need_labels text, description text, a text, b1 text,"
                " b2 text, c text, d text, lat float8, lon float8, needs text[],"
                " languages text[], areas text[], spans int4multirange, timezone_name text,"
                " free boolean, min_cost float8, min_age int, max_age int, delivery_mode text,"
                " accepts_referrals boolean, open_evenings boolean, capacity_status text,"
                " verified_at float8)"
            )
            with connection.cursor().copy("COPY stage FROM STDIN") as copy:
                for values in _rows(index):
                    copy.write_row(values)
            geo = (
                "CASE WHEN lon IS NULL THEN NULL ELSE"
                " ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END"
                if postgis
                else "lat, lon"
            )
            connection.execute(
                f"INSERT INTO {TABLE} SELECT id, service_name, organization_id,"
                " organization_name, need_labels, description,"
                " setweight(to_tsvector('english', a), 'A')"
                " || setweight(to_tsvector('english', b1 || ' ' || b2), 'B')"
                " || setweight(to_tsvector('english', c), 'C')"
                f" || setweight(to_tsvector('english', d), 'D'), {geo}, needs, languages,"
                " areas, spans, timezone_name, free, min_cost, min_age, max_age, delivery_mode,"
                " accepts_referrals, open_evenings, capacity_status, verified_at FROM stage"
            )
            connection.execute("DROP TABLE stage")
        rows = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        size = connection.execute(f"SELECT pg_total_relation_size('{TABLE}')").fetchone()
    assert rows is not None
    assert size is not None
    return int(rows[0]), time.perf_counter() - started, size[0] / 2**20, postgis


def tsquery(text: str) -> str | None:
    """The hub's match expression as a prefix `to_tsquery` (every word, each as a prefix)."""
    expression = match_expression(text)
    if expression is None:
        return None
    words = [w.strip('"*') for w in expression.split()]
    return " & ".join(f"{w}:*" for w in words)


@dataclass
class Peer:
    """Runs requests against the peer table, plain or with the geo index forced first."""

    connection: psycopg.Connection[Any]
    postgis: bool
    zones: list[str]

    @classmethod
    def open(cls, url: str, postgis: bool) -> Peer:
        """Connect and read the time zones indexed (for open-now, as the hub does)."""
        connection = psycopg.connect(url, autocommit=True)
        zones = [
            z for (z,) in connection.execute(f"SELECT DISTINCT timezone_name FROM {TABLE}") if z
        ]
        return cls(connection, postgis, zones)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def _geo(self, request: SearchRequest, p: dict[str, Any]) -> tuple[str, str]:
        """The distance expression and the in-radius condition."""
        assert request.point is not None
        assert request.radius_km is not None
        p.update(lat=request.point.latitude, lon=request.point.longitude)
        p["m"] = request.radius_km * 1000
        if self.postgis:
            here = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
            return f"ST_Distance(d.geog, {here}) / 1000", f"ST_DWithin(d.geog, {here}, %(m)s)"
        here = "ll_to_earth(%(lat)s, %(lon)s)"
        return (
            f"earth_distance(ll_to_earth(d.lat, d.lon), {here}) / 1000",
            f"(d.lat IS NOT NULL AND earth_box({here}, %(m)s) @> ll_to_earth(d.lat, d.lon)"
            f" AND earth_distance(ll_to_earth(d.lat, d.lon), {here}) <= %(m)s)",
        )

    def sql(self, request: SearchRequest, geo_first: bool) -> tuple[str, dict[str, Any]]:
        """One statement: matches (scored), total, four facets, the page with headlines."""
        p: dict[str, Any] = {"first": request.first}
        where = ["true"]
        query = tsquery(request.text)
        text_score = "1.0"
        if query is not None:
            p["q"] = query
            where.append("d.tsv @@ to_tsquery('english', %(q)s)")
            text_score = "ts_rank(d.tsv, to_tsquery('english', %(q)s))"
        if request.needs:
            p["needs"] = list(request.needs)
            where.append("d.needs && %(needs)s::text[]")
        if request.languages:
            p["langs"] = list(request.languages)
            where.append("d.languages && %(langs)s::text[]")
        for flag, column in (
            (request.free, "free"),
            (request.open_evenings, "open_evenings"),
            (request.accepting_referrals, "accepts_referrals"),
        ):
            if flag:
                where.append(f"d.{column}")
        if request.max_cost is not None:
            p["max_cost"] = request.max_cost
            where.append("d.min_cost <= %(max_cost)s")
        if request.delivery_modes:
            p["modes"] = list(request.delivery_modes)
            where.append("d.delivery_mode = ANY(%(modes)s)")
        if request.open_now:
            assert request.now is not None
            cases = []
            for number, tz in enumerate(self.zones):
                minute = minute_of_week(request.now, tz)
                if minute is not None:
                    p[f"tz{number}"], p[f"mw{number}"] = tz, minute
                    cases.append(f"WHEN %(tz{number})s THEN %(mw{number})s")
            where.append(f"d.spans @> (CASE d.timezone_name {' '.join(cases)} ELSE -1 END)")
        if request.age is not None or request.capacity or request.program is not None:
            raise NotImplementedError("the bench mix does not use these filters")
        distance = "NULL::float8"
        source = f"{TABLE} d"
        if request.point is not None and request.radius_km is not None:
            distance, inside = self._geo(request, p)
            p["areas"] = list(request.place.area_keys() if request.place else ("nation",))
            # With a point: within the radius; without: serving the place's area.
            place = (
                f"({inside} OR ({'d.geog' if self.postgis else 'd.lat'} IS NULL"
                " AND d.areas && %(areas)s::text[]))"
            )
            if geo_first:
                # The radius's rows (and the area-served ones) first, then everything else.
                # OFFSET 0 keeps the planner from pushing the other filters into it.
                source = (
                    f"(SELECT * FROM (SELECT * FROM {TABLE} d WHERE {inside} UNION ALL"
                    f" SELECT * FROM {TABLE} d WHERE {'d.geog' if self.postgis else 'd.lat'}"
                    " IS NULL AND d.areas && %(areas)s::text[]) u OFFSET 0) d"
                )
            else:
                where.append(place)
        fresh = "1.0"
        if request.stale_before is not None:
            p["stale"] = request.stale_before.timestamp()
            fresh = f"(CASE WHEN d.verified_at >= %(stale)s THEN 1.0 ELSE {STALE_FACTOR} END)"
        whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CAPACITY_FACTORS.items())
        capacity = f"(CASE d.capacity_status {whens} ELSE {UNKNOWN_CAPACITY_FACTOR} END)"
        near = "1.0"
        if request.point is not None:
            near = f"(CASE WHEN dist IS NULL THEN {AREA_ONLY_FACTOR} ELSE 1.0 / (1.0 + dist / {DISTANCE_SCALE_KM}) END)"  # noqa: E501
        sort = "-score" if request.sort is SortOrder.RELEVANCE else f"coalesce(dist, {NO_DISTANCE})"
        headline = "ts_headline('english', {0}, to_tsquery('english', %(q)s))"
        lights = (
            ", ".join(
                headline.format(f"x.{c}")
                for c in ("service_name", "organization_name", "need_labels", "description")
            )
            if query is not None
            else "NULL"
        )
        sql = f"""
WITH s AS MATERIALIZED (
  SELECT d.id, d.needs, d.languages, d.delivery_mode, d.organization_id, d.verified_at,
         d.capacity_status, {text_score} AS txt, {distance} AS dist
  FROM {source} WHERE {" AND ".join(where)}),
m AS MATERIALIZED (
  SELECT s.*, txt * {near.replace("dist", "s.dist")} * {fresh.replace("d.", "s.")}
         * {capacity.replace("d.", "s.")} AS score FROM s)
SELECT (SELECT count(*) FROM m),
  (SELECT json_object_agg(k, c) FROM (SELECT n AS k, count(*) AS c FROM m, unnest(m.needs) n
     GROUP BY n) f),
  (SELECT json_object_agg(k, c) FROM (SELECT n AS k, count(*) AS c
     FROM m, unnest(m.languages) n GROUP BY n) f),
  (SELECT json_object_agg(k, c) FROM (SELECT organization_id AS k, count(*) AS c FROM m
     GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {FACET_ORGANIZATIONS}) f),
  (SELECT json_object_agg(k, c) FROM (SELECT delivery_mode AS k, count(*) AS c FROM m
     GROUP BY 1) f),
  (SELECT json_agg(json_build_array(pg.id, pg.score, pg.dist, {lights}))
     FROM (SELECT m.id, m.score, m.dist FROM m ORDER BY {sort}, m.id LIMIT %(first)s) pg
     JOIN {TABLE} x ON x.id = pg.id)
"""
        return sql, p

    def search(self, request: SearchRequest, *, geo_first: bool = False) -> int:
        """Run one search; returns the total."""
        sql, params = self.sql(request, geo_first)
        row = self.connection.execute(sql, params).fetchone()
        assert row is not None
        json.dumps(row[1:])  # the facets and page as a client would get them
        return int(row[0])
