"""The pure query compilers: request -> FTS5 SQL and request -> Elasticsearch DSL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from search.embedded.compiler import compile_search as compile_sql
from search.embedded.compiler import match_expression
from search.es.compiler import compile_search as compile_dsl
from search.es.mapping import MAPPINGS, SETTINGS
from search.models import (
    Cursor,
    GeoPoint,
    PlaceContext,
    ProgramFilters,
    SearchRequest,
    SortOrder,
)

NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
EXAMPLE = SearchRequest(
    needs=("childcare", "transportation"),
    point=GeoPoint(37.7806, -122.2166),
    place=PlaceContext("94601", "Alameda County", "CA"),
    radius_km=10.0,
    languages=("es",),
    free=True,
    open_evenings=True,
    now=NOW,
    stale_before=datetime(2025, 11, 23, tzinfo=UTC),
    sort=SortOrder.DISTANCE,
)


def test_match_expression_prefixes_every_word_and_drops_syntax() -> None:
    assert match_expression('child "care" OR (bus*') == '"child"* "care"* "or"* "bus"*'
    assert match_expression("  ...  ") is None


def test_sql_binds_every_value_and_uses_rtree_and_areas() -> None:
    compiled = compile_sql(EXAMPLE)
    values = set(compiled.params.values())
    assert {
        "childcare",
        "transportation",
        "es",
        10.0,
        "zip:94601",
        "county:CA:alameda county",
    } <= values
    sql = compiled.match_sql
    assert "FROM doc_geo WHERE min_lat >=" in sql
    assert "doc_area" in sql
    assert "d.free = 1" in sql
    assert "d.open_evenings = 1" in sql
    assert "geo_km(d.lat, d.lon" in sql
    assert "coalesce(h.dist, 1000000000000.0)" in compiled.page_sql
    # Nothing the caller typed is pasted into the SQL text.
    assert "childcare" not in sql
    assert "94601" not in sql
    assert compiled.match_expression is None
    # The total and every match's facet codes in one pass; without facets the total alone.
    assert "group_concat(facets" in compiled.total_sql
    no_facets = compile_sql(replace(EXAMPLE, facets=False))
    assert "group_concat" not in no_facets.total_sql


def test_sql_need_driven_languages_use_the_mask_only_when_every_language_has_a_bit() -> None:
    request = SearchRequest(needs=("employment",), languages=("es", "vi"))
    masked = compile_sql(request, language_bits={"en": 0, "es": 1, "vi": 3})
    assert "n.langs &" in masked.match_sql
    assert "doc_language" not in masked.match_sql
    assert 0b1010 in masked.params.values()
    # A language past the first 62 has no bit of its own: probe doc_language instead.
    probed = compile_sql(request, language_bits={"en": 0, "es": 1})
    assert "n.langs" not in probed.match_sql
    assert "doc_language" in probed.match_sql


def test_sql_open_now_has_one_local_minute_per_zone() -> None:
    request = SearchRequest(open_now=True, now=NOW, text="pantry")
    compiled = compile_sql(request, timezones=("America/Los_Angeles", "America/New_York"))
    minutes = sorted(v for k, v in compiled.params.items() if k.startswith("m"))
    # 22:00 UTC Monday = 14:00 in LA, 17:00 in New York (minute of week from Monday 00:00).
    assert minutes == [14 * 60, 17 * 60]
    assert "bm25(doc_fts" in compiled.match_sql
    assert compiled.params["q0"] == '"pantry"*'
    # With no known zones nothing can be open.
    assert compile_sql(request).match_sql.endswith("WHERE doc_fts MATCH :q0 AND 0")


def test_sql_cursor_and_program_filters() -> None:
    program = ProgramFilters(occupation_code="29-", schedule_fit=("evening",), earn_and_learn=True)
    request = SearchRequest(after=Cursor(-1.5, "sal:x"), first=5, program=program)
    compiled = compile_sql(request)
    assert compiled.page_params == {"limit": 6, "after_sort": -1.5, "after_id": "sal:x"}
    assert "29-%" in compiled.params.values()
    assert "%,evening,%" in compiled.params.values()


def test_dsl_of_the_example() -> None:
    body = compile_dsl(EXAMPLE)
    scored = body["query"]["function_score"]
    filters = scored["query"]["bool"]["filter"]
    assert {"terms": {"need_codes": ["childcare", "transportation"]}} in filters
    assert {"terms": {"languages": ["es"]}} in filters
    assert {"term": {"free": True}} in filters
    assert {"term": {"open_evenings": True}} in filters
    geo = filters[-1]["bool"]["should"]
    assert geo[0] == {
        "geo_distance": {"distance": "10.0km", "location": {"lat": 37.7806, "lon": -122.2166}}
    }
    assert set(geo[1]["terms"]["areas"]) == {
        "nation",
        "zip:94601",
        "state:CA",
        "county:CA:alameda county",
    }
    assert scored["score_mode"] == scored["boost_mode"] == "multiply"
    assert any("gauss" in f for f in scored["functions"])
    assert body["sort"][0]["_geo_distance"]["order"] == "asc"
    assert body["sort"][1] == {"id": "asc"}
    assert body["size"] == 21
    assert body["track_total_hits"] is True
    assert set(body["aggs"]) == {"needs", "languages", "organizations", "delivery_modes"}
    assert "highlight" not in body
    assert "search_after" not in body


def test_dsl_text_relevance_paging_and_open_now() -> None:
    request = SearchRequest(text="child care", open_now=True, now=NOW, after=Cursor(2.5, "svc:1"))
    body = compile_dsl(request, timezones=("America/New_York",))
    match = body["query"]["function_score"]["query"]["bool"]["must"][0]["multi_match"]
    assert match["type"] == "bool_prefix"
    assert "service_name^6" in match["fields"]
    assert body["sort"] == [{"_score": "desc"}, {"id": "asc"}]
    assert body["search_after"] == [2.5, "svc:1"]
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    open_now = body["query"]["function_score"]["query"]["bool"]["filter"][0]["bool"]["should"]
    assert open_now == [
        {
            "bool": {
                "filter": [
                    {"term": {"timezone_name": "America/New_York"}},
                    {"term": {"open_spans": 17 * 60}},
                ]
            }
        }
    ]


def test_mapping_is_explicit() -> None:
    props = MAPPINGS["properties"]
    assert MAPPINGS["dynamic"] == "strict"
    assert props["location"] == {"type": "geo_point"}
    assert props["need_codes"]["type"] == props["languages"]["type"] == "keyword"
    assert props["service_name"]["search_analyzer"] == "hub_english_search"
    analysis = SETTINGS["analysis"]
    assert "hub_need_synonyms" in analysis["analyzer"]["hub_english_search"]["filter"]
    assert any("daycare" in s for s in analysis["filter"]["hub_need_synonyms"]["synonyms"])
